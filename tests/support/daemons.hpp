// Starting intentq's programs as child processes for tests and the bench: the broker, a worker,
// the gateway simulator, and any program run to its end. Every starter waits (bounded) for the
// program's readiness line and throws std::runtime_error with the output seen so far when it does
// not come. The cluster kits (e2e_cluster, intents_cluster, ops_support), the reliability suite
// and the bench are built on these.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/gwsim_stats.hpp"
#include "tests/support/process.hpp"

namespace intentq::test {

// How to run one program: its path (empty: bin_dir()/<the program's name>), the arguments after
// the ones the starter writes, extra environment, a command it runs under (a tool such as
// valgrind, or `ip netns exec NS`), and how long its readiness line may take.
struct Launch {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<std::string> prefix;
  std::string program;
  std::chrono::milliseconds ready_timeout{15000};
};

struct BrokerEndpoints {
  std::string frontend, backend, publish;
};

struct BrokerProcess {
  std::unique_ptr<Process> process;
  BrokerEndpoints endpoints;
};
// intentq-broker on `any` wildcard endpoints ("tcp://127.0.0.1:*", or "ipc://*"), or on `fixed`
// ones (a restart on the same ports); waits for "intentq-broker ready frontend=... ".
BrokerProcess start_broker(const Launch& launch = {},
                           const std::optional<BrokerEndpoints>& fixed = std::nullopt,
                           const std::string& any = "tcp://127.0.0.1:*");

// intentq-worker (or launch.program) with `--broker backend` and launch.args; waits for
// "intentq-worker ready broker=<backend>" followed by `ready_rest` (a regex, e.g. "
// intents=\S*echo").
std::unique_ptr<Process> start_worker(const std::string& backend, const Launch& launch = {},
                                      const std::string& ready_rest = "");

struct GwsimProcess {
  std::unique_ptr<Process> process;
  uint16_t port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  // The simulator's counters now (SIGUSR1; throws after `timeout` without them).
  GwsimStats stats(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return read_gwsim_stats(*process, timeout);
  }
  // SIGTERM, and a bounded wait for the exit (the port is free again afterwards).
  void stop();
};
// intentq-gwsim with `--listen 127.0.0.1:<port>` (0: a free one) and launch.args; waits for its
// "listening on 127.0.0.1:PORT" line.
GwsimProcess start_gwsim(const Launch& launch = {}, uint16_t port = 0);

// The result of a program that ran to its end.
struct Exited {
  int code = -1;       // exit code, or 128 + signal
  std::string output;  // stdout and stderr, merged
};
// Runs bin_dir()/program with args and extra environment to its end; throws (with its output)
// when it is still running after `timeout`.
Exited run_to_end(const std::string& program, std::vector<std::string> args,
                  std::vector<std::string> env = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A file of the source tree's tests/data/ (scenarios and configurations the tests read).
std::string data_file(const std::string& name);

}  // namespace intentq::test
