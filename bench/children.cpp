#include "bench/children.hpp"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/daemons.hpp"
#include "tests/support/readers.hpp"
#include "tests/support/wait.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;

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
  test::Launch launch;
  launch.program = p.broker;
  launch.prefix = prefix;
  launch.args = {"--log-level", "warn"};
  launch.args.insert(launch.args.end(), extra.begin(), extra.end());
  launch.ready_timeout = prefix.empty() ? 15s : 120s;  // under valgrind it needs far longer
  auto started = test::start_broker(launch, std::nullopt,
                                    transport == "ipc" ? "ipc://*" : "tcp://127.0.0.1:*");
  BrokerChild b;
  b.process = std::move(started.process);
  b.frontend = started.endpoints.frontend;
  b.backend = started.endpoints.backend;
  b.publish = started.endpoints.publish;
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
  test::Launch launch;
  launch.program = p.gwsim;
  launch.args = {"--log-level", "warn"};
  launch.args.insert(launch.args.end(), extra.begin(), extra.end());
  auto started = test::start_gwsim(launch);
  return SimChild{std::move(started.process), started.address()};
}

std::unique_ptr<Process> start_worker(const Programs& p, const std::string& backend,
                                      const std::vector<std::string>& extra) {
  test::Launch launch;
  launch.program = p.worker;
  launch.args = {"--log-level", "warn"};
  launch.args.insert(launch.args.end(), extra.begin(), extra.end());
  launch.ready_timeout = 30s;
  return test::start_worker(backend, launch);
}

nlohmann::json broker_stats(zmq::context_t& ctx, const std::string& frontend,
                            std::chrono::milliseconds timeout) {
  try {
    return test::broker_stats(ctx, frontend, timeout);
  } catch (const std::exception&) {
    return nullptr;
  }
}

void wait_workers(zmq::context_t& ctx, const std::string& frontend, const std::string& service,
                  int n, std::chrono::milliseconds timeout) {
  nlohmann::json stats;
  const bool ready = test::wait_until(
      [&] {
        stats = broker_stats(ctx, frontend);
        if (!stats.is_object()) return false;
        const auto& services = stats.value("services", nlohmann::json::object());
        return services.contains(service) && services[service].value("workers", 0) >= n;
      },
      timeout);
  if (!ready)
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
