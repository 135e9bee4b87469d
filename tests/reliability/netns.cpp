#include "tests/reliability/netns.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace intentq::reliability {
namespace {

std::string ip_binary() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

// Runs `ip <args>`; returns its exit status and merged output.
std::pair<int, std::string> run_ip(const std::string& args) {
  std::string cmd = ip_binary() + " " + args + " 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return {-1, "popen failed"};
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  int status = ::pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

void must(const std::string& args) {
  auto [rc, out] = run_ip(args);
  if (rc != 0) throw std::runtime_error("ip " + args + ": " + out);
}

}  // namespace

std::optional<std::string> NetnsTopology::unavailable() {
  if (ip_binary().empty()) return "iproute2 (ip) is not installed";
  if (::geteuid() != 0) return "needs root for ip netns";
  std::string probe = "iqprobe" + std::to_string(::getpid());
  auto [rc, out] = run_ip("netns add " + probe);
  if (rc != 0) return "ip netns add is not permitted here: " + out;
  auto [rc2, out2] = run_ip("-n " + probe + " link add br0 type bridge");
  run_ip("netns del " + probe);
  if (rc2 != 0) return "cannot create a bridge in a namespace: " + out2;
  return std::nullopt;
}

NetnsTopology::NetnsTopology(const std::vector<std::string>& hosts)
    : prefix_("iq" + std::to_string(::getpid()) + "-") {
  try {
    std::string sw = prefix_ + "sw";
    must("netns add " + sw);
    created_.push_back(sw);
    must("-n " + sw + " link add br0 type bridge");
    must("-n " + sw + " link set br0 up");
    int n = 0;
    for (const auto& host : hosts) {
      index_[host] = ++n;
      std::string name = ns(host);
      must("netns add " + name);
      created_.push_back(name);
      std::string port = "p" + std::to_string(n);
      must("-n " + sw + " link add " + port + " type veth peer name eth0 netns " + name);
      must("-n " + sw + " link set " + port + " master br0 up");
      must("-n " + name + " addr add " + ip(host) + "/24 dev eth0");
      must("-n " + name + " link set eth0 up");
      must("-n " + name + " link set lo up");
    }
  } catch (...) {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) run_ip("netns del " + *it);
    throw;
  }
}

NetnsTopology::~NetnsTopology() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) run_ip("netns del " + *it);
}

std::string NetnsTopology::ns(const std::string& host) const {
  return prefix_ + host;
}

std::string NetnsTopology::ip(const std::string& host) const {
  return "10.77.0." + std::to_string(index_.at(host));
}

void NetnsTopology::cut(const std::string& host) {
  must("-n " + prefix_ + "sw link set p" + std::to_string(index_.at(host)) + " down");
}

void NetnsTopology::restore(const std::string& host) {
  must("-n " + prefix_ + "sw link set p" + std::to_string(index_.at(host)) + " up");
}

}  // namespace intentq::reliability
