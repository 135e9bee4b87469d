// The programs the bench starts as child processes (intentq-broker, intentq-worker, intentq-gwsim
// and the bench's own raw baselines), what their builds support, and bounded readiness waits.
//
// Every child is a test::Process: killed and reaped when its handle goes out of scope, and killed
// by the kernel when the bench dies (PR_SET_PDEATHSIG), so no run leaves a daemon behind.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "tests/support/process.hpp"

namespace intentq::bench {

using test::Process;

// Paths of the programs and their --help texts: optional features (worker --fetch-mode,
// simulator --msg-rate, broker --reuse-max-bytes, ...) are detected by their flags, so one bench
// binary measures whatever the programs it is pointed at (--bin-dir) can do, e.g. an older build.
struct Programs {
  std::string broker, worker, gwsim, self;
  std::string http;  // intentq-http, empty when not built
  std::string broker_help, worker_help, gwsim_help;

  static Programs detect(const std::string& bin_dir);
  bool broker_has(std::string_view flag) const;
  bool worker_has(std::string_view flag) const;
  bool gwsim_has(std::string_view flag) const;
};

struct BrokerChild {
  std::unique_ptr<Process> process;
  std::string frontend, backend, publish;
  pid_t pid() const { return process->pid(); }
};
// On wildcard loopback ports, logging at warn. `prefix` runs it under a tool (valgrind ...).
// `transport` "ipc": ipc:// wildcard endpoints instead of loopback TCP.
BrokerChild start_broker(const Programs& p, const std::vector<std::string>& extra = {},
                         const std::vector<std::string>& prefix = {},
                         const std::string& transport = "tcp");

// The bench's own baselines in a child process (the bench binary with --role), so their CPU is
// measured from /proc exactly like the broker's.
struct RawRelayChild {
  std::unique_ptr<Process> process;
  std::string frontend, backend;
  pid_t pid() const { return process->pid(); }
};
RawRelayChild start_raw_relay(const Programs& p, const std::string& service,
                              const std::string& transport = "tcp");
struct RawEchoChild {
  std::unique_ptr<Process> process;
  std::string endpoint;
};
RawEchoChild start_raw_echo(const Programs& p);

struct SimChild {
  std::unique_ptr<Process> process;
  std::string address;  // HOST:PORT
};
SimChild start_gwsim(const Programs& p, const std::vector<std::string>& extra);
// The simulator's counters: test::request_gwsim_stats (tests/support/gwsim_stats.hpp).

std::unique_ptr<Process> start_worker(const Programs& p, const std::string& backend,
                                      const std::vector<std::string>& extra);

// mmi.stats of the broker as JSON (null when it does not answer within `timeout`).
nlohmann::json broker_stats(zmq::context_t& ctx, const std::string& frontend,
                            std::chrono::milliseconds timeout = std::chrono::seconds(2));
// Waits until mmi.stats shows `n` workers for `service`; throws with the last stats on timeout.
void wait_workers(zmq::context_t& ctx, const std::string& frontend, const std::string& service,
                  int n, std::chrono::milliseconds timeout);

// A measuring tool attached to a running child for the length of a measurement
// (`--attach "perf stat -e page-faults -p {pid}"`): started with {pid} replaced, stopped with
// SIGINT, its output printed.
class Attached {
 public:
  Attached(const std::string& command, pid_t pid);
  ~Attached();
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;
  // SIGINT, a bounded wait, and the tool's output on stderr.
  void finish();

 private:
  std::unique_ptr<Process> process_;
  std::string command_;
};

}  // namespace intentq::bench
