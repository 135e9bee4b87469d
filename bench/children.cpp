#include "bench/children.hpp"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/mdp_client.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string help_text(const std::string& program) {
  Process p({program, "--help"});
  if (!p.wait_exit(10s)) return "";
  p.drain();
  return p.output_text();
}

bool has_flag(const std::string& help, std::string_view flag) {
  // A flag followed by a non-name character, so "--pacing" does not match "--pacing-close-after".
  const std::string f(flag);
  for (size_t at = help.find(f); at != std::string::npos; at = help.find(f, at + 1)) {
    const size_t end = at + f.size();
    if (end == help.size()) return true;
    const char c = help[end];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return true;
  }
  return false;
}

}  // namespace

Programs Programs::detect(const std::string& bin_dir) {
  Programs p;
  p.broker = bin_dir + "/intentq-broker";
  p.worker = bin_dir + "/intentq-worker";
  p.gwsim = bin_dir + "/intentq-gwsim";
  if (access((bin_dir + "/intentq-http").c_str(), X_OK) == 0) p.http = bin_dir + "/intentq-http";
  // The raw baselines run as this very binary with --role, wherever it was started from.
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  p.self = n > 0 ? std::string(self, static_cast<size_t>(n)) : bin_dir + "/intentq-bench";
  p.broker_help = help_text(p.broker);
  p.worker_help = help_text(p.worker);
  p.gwsim_help = help_text(p.gwsim);
  if (p.broker_help.empty() || p.worker_help.empty() || p.gwsim_help.empty())
    throw std::runtime_error("cannot run the programs in " + bin_dir + " (--bin-dir?)");
  return p;
}

bool Programs::broker_has(std::string_view flag) const {
  return has_flag(broker_help, flag);
}
bool Programs::worker_has(std::string_view flag) const {
  return has_flag(worker_help, flag);
}
bool Programs::gwsim_has(std::string_view flag) const {
  return has_flag(gwsim_help, flag);
}

BrokerChild start_broker(const Programs& p, const std::vector<std::string>& extra,
                         const std::vector<std::string>& prefix, const std::string& transport) {
  const std::string any = transport == "ipc" ? "ipc://*" : "tcp://127.0.0.1:*";
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {p.broker, "--frontend", any, "--backend", any, "--publish", any,
                           "--log-level", "warn"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  BrokerChild b;
  b.process = std::make_unique<Process>(argv);
  // Under valgrind the broker needs far longer to come up.
  const auto m = b.process->expect_line(
      std::regex(R"(intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+))"),
      prefix.empty() ? 15s : 120s);
  b.frontend = m[1];
  b.backend = m[2];
  b.publish = m[3];
  return b;
}

RawRelayChild start_raw_relay(const Programs& p, const std::string& service,
                              const std::string& transport) {
  RawRelayChild r;
  r.process = std::make_unique<Process>(std::vector<std::string>{
      p.self, "--role", "raw-relay", "--service", service, "--transport", transport});
  const auto m =
      r.process->expect_line(std::regex(R"(raw-relay ready frontend=(\S+) backend=(\S+))"), 15s);
  r.frontend = m[1];
  r.backend = m[2];
  return r;
}

RawEchoChild start_raw_echo(const Programs& p) {
  RawEchoChild r;
  r.process = std::make_unique<Process>(std::vector<std::string>{p.self, "--role", "raw-echo"});
  const auto m = r.process->expect_line(std::regex(R"(raw-echo ready endpoint=(\S+))"), 15s);
  r.endpoint = m[1];
  return r;
}

SimChild start_gwsim(const Programs& p, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{p.gwsim, "--listen", "127.0.0.1:0", "--log-level", "warn"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  SimChild s;
  s.process = std::make_unique<Process>(argv);
  const auto m = s.process->expect_line(std::regex(R"(listening on (127\.0\.0\.1:\d+))"), 15s);
  s.address = m[1];
  return s;
}

std::unique_ptr<Process> start_worker(const Programs& p, const std::string& backend,
                                      const std::vector<std::string>& extra) {
  std::vector<std::string> argv{p.worker, "--broker", backend, "--log-level", "warn"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto w = std::make_unique<Process>(argv);
  w->expect_line(std::regex("intentq-worker ready"), 30s);
  return w;
}

nlohmann::json broker_stats(zmq::context_t& ctx, const std::string& frontend,
                            std::chrono::milliseconds timeout) {
  try {
    mdp::Client c(ctx, frontend);
    c.send("mmi.stats", std::vector<std::string>{});
    const auto reply = c.receive(timeout);
    if (!reply || reply->body.size() != 1) return nullptr;
    return nlohmann::json::from_msgpack(reply->body[0]);
  } catch (const std::exception&) {
    return nullptr;
  }
}

void wait_workers(zmq::context_t& ctx, const std::string& frontend, const std::string& service,
                  int n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  nlohmann::json stats;
  while (Clock::now() < deadline) {
    stats = broker_stats(ctx, frontend);
    if (stats.is_object()) {
      const auto& services = stats.value("services", nlohmann::json::object());
      if (services.contains(service) && services[service].value("workers", 0) >= n) return;
    }
    std::this_thread::sleep_for(20ms);  // polling a bounded wait, not synchronising on time
  }
  throw std::runtime_error("timed out waiting for " + std::to_string(n) + " workers of '" +
                           service + "'; last mmi.stats: " + stats.dump());
}

Attached::Attached(const std::string& command, pid_t pid) : command_(command) {
  std::vector<std::string> argv;
  std::istringstream words(command);
  for (std::string w; words >> w;) {
    for (size_t at; (at = w.find("{pid}")) != std::string::npos;)
      w.replace(at, 5, std::to_string(pid));
    argv.push_back(w);
  }
  if (argv.empty()) throw std::runtime_error("--attach: empty command");
  if (argv[0].find('/') == std::string::npos) argv[0] = "/usr/bin/" + argv[0];
  process_ = std::make_unique<Process>(argv);
  std::this_thread::sleep_for(300ms);  // tools need a moment to attach; a measurement, not a sync
}

Attached::~Attached() {
  if (process_) finish();
}

void Attached::finish() {
  if (!process_) return;
  process_->signal(SIGINT);
  process_->wait_exit(30s);
  process_->drain();
  std::fprintf(stderr, "---- %s ----\n%s\n", command_.c_str(), process_->output_text().c_str());
  process_.reset();
}

}  // namespace intentq::bench
