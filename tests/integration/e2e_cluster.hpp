// End-to-end test kit: the real intentq-broker and intentq-worker processes on loopback wildcard
// ports, a DEALER job client speaking MDP/0.1 + envelopes, and runs of the `intentq` CLI.
// Every wait is bounded and fails with the output seen so far.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/envelope.hpp"
#include "tests/support/process.hpp"

namespace intentq::e2e {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::Process;

struct Endpoints {
  std::string frontend, backend, publish;
};

// The broker; on wildcard ports unless `fixed` gives the endpoints (to restart on the same ports).
struct Broker {
  explicit Broker(std::vector<std::string> extra_args = {},
                  std::optional<Endpoints> fixed = std::nullopt);
  std::unique_ptr<Process> process;
  Endpoints endpoints;
};

// A worker connected to `backend`; waits for its readiness line. Heartbeat and log level are
// arguments because the failure tests need short heartbeats and the per-job debug lines.
std::unique_ptr<Process> start_worker(const std::string& backend, int heartbeat_ms = 1000,
                                      int liveness = 3, const std::string& log_level = "info",
                                      std::vector<std::string> extra_args = {});

// Waits until the broker answers mmi.service <service> with "200" (workers registered): READY is
// asynchronous, so "worker printed ready" does not yet mean "broker knows it".
void wait_for_service(const std::string& frontend, const std::string& service,
                      std::chrono::milliseconds timeout = 10s);

// One MDP client socket (DEALER) for pipelined requests.
class JobClient {
 public:
  explicit JobClient(const std::string& frontend);
  void send(const std::string& service, const JobRequest& request);
  void send_raw(const std::vector<std::string>& frames);
  // The next reply (service, envelope), or nullopt after `timeout`.
  std::optional<std::pair<std::string, JobReply>> receive(std::chrono::milliseconds timeout);
  // The next raw reply frames (after "" and "MDPC01"), or nullopt.
  std::optional<std::vector<std::string>> receive_raw(std::chrono::milliseconds timeout);

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

// Sends one job and waits for its reply; throws std::runtime_error on timeout.
JobReply submit(const std::string& frontend, const std::string& service, JobRequest request,
                std::chrono::milliseconds timeout = 10s);

// Runs build/bin/intentq with the arguments; waits for it to exit (bounded).
struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr, merged
};
CliRun run_cli(std::vector<std::string> args, std::chrono::milliseconds timeout = 30s);

// The first line of `output` that parses as a JSON object.
std::optional<nlohmann::json> first_json_line(const std::string& output);

// Waits until `process` prints a line containing `needle` and returns true, or false on timeout.
bool saw_line(Process& process, const std::string& needle, std::chrono::milliseconds timeout);

// How many lines of `process`'s output so far contain `needle`.
size_t count_lines(Process& process, const std::string& needle);

// Escapes regex metacharacters.
std::string regex_escape(const std::string& text);

}  // namespace intentq::e2e
