#include "tests/reliability/cluster.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

#include "tests/integration/e2e_cluster.hpp"

namespace intentq::reliability {

using namespace std::chrono_literals;

double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return -1;
}

std::vector<std::string> in_netns(const std::string& ns, std::vector<std::string> argv) {
  if (ns.empty()) return argv;
  std::string ip = std::filesystem::exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";
  argv.insert(argv.begin(), {ip, "netns", "exec", ns});
  return argv;
}

std::string program(const std::string& name) {
  return test::bin_dir() + "/" + name;
}

nlohmann::json broker_stats(const std::string& frontend, const std::string& netns) {
  nlohmann::json out;
  std::string error;
  // A thread of its own: setns() moves only the calling thread (and the I/O thread its zmq
  // context starts), never the rest of the test.
  std::thread t([&] {
    try {
      if (!netns.empty()) {
        int fd = ::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns failed");
        ::close(fd);
      }
      e2e::JobClient client(frontend);
      out = client.stats(5s);
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  t.join();
  if (!error.empty()) throw std::runtime_error("mmi.stats: " + error);
  return out;
}

std::unique_ptr<test::Process> start_worker_in(const std::string& ns, const std::string& backend,
                                               std::vector<std::string> extra_args) {
  std::vector<std::string> argv{program("intentq-worker"), "--broker", backend, "--log-level",
                                "warn"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto p = std::make_unique<test::Process>(in_netns(ns, argv));
  p->expect_line(std::regex("intentq-worker ready broker="), 15s);
  return p;
}

}  // namespace intentq::reliability
