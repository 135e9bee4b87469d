// The test kit for everything that runs the real intentq-broker: the broker and intentq-worker
// processes on loopback wildcard ports, a job client and a scriptable fake worker (both on the one
// MDP client and worker socket of common/), raw frames for tests that send malformed ones on
// purpose, and runs of the `intentq` CLI. Every wait is bounded and fails with the output seen
// so far.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "common/curve_socket.hpp"
#include "common/envelope.hpp"
#include "common/mdp_client.hpp"
#include "common/mdp_worker.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/process.hpp"
#include "tests/support/readers.hpp"

namespace intentq::e2e {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::bin_dir;
using test::Process;
using test::regex_escape;
using Msg = std::vector<std::string>;

using Endpoints = test::BrokerEndpoints;

// The broker; on wildcard ports unless `fixed` gives the endpoints (to restart on the same ports).
struct Broker {
  explicit Broker(std::vector<std::string> extra_args = {},
                  std::optional<Endpoints> fixed = std::nullopt);
  std::unique_ptr<Process> process;
  Endpoints endpoints;
};

// A worker connected to `backend`; waits for its readiness line. Heartbeat and log level are
// arguments because the failure tests need short heartbeats and the per-job debug lines. `program`:
// intentq-worker-test serves the test intents too (tests/intents/).
std::unique_ptr<Process> start_worker(const std::string& backend, int heartbeat_ms = 1000,
                                      int liveness = 3, const std::string& log_level = "info",
                                      std::vector<std::string> extra_args = {},
                                      const std::string& program = "intentq-worker");

// `n` workers as start_worker() starts them (same arguments), each ready.
std::vector<std::unique_ptr<Process>> start_workers(const std::string& backend, int n,
                                                    int heartbeat_ms = 1000, int liveness = 3,
                                                    const std::string& log_level = "info",
                                                    std::vector<std::string> extra_args = {});

// A job request with an id, params and (when given) a deadline; the rest as JobRequest has it.
JobRequest make_request(std::string id, nlohmann::json params = nlohmann::json::object(),
                        std::optional<uint64_t> deadline_ms = std::nullopt);

// A peer that completes the ZMTP handshake and never answers (a bound ROUTER), standing in for a
// hung broker or one the test drives frame by frame.
struct SilentRouter {
  SilentRouter();
  zmq::context_t ctx{1};
  zmq::socket_t socket;
  std::string endpoint;  // where it is bound (tcp://127.0.0.1:PORT)
};

// Waits until the broker answers mmi.service <service> with "200" (workers registered): READY is
// asynchronous, so "worker printed ready" does not yet mean "broker knows it".
void wait_for_service(const std::string& frontend, const std::string& service,
                      std::chrono::milliseconds timeout = 10s);

// A job client on mdp::Client: pipelined requests (send many, receive replies as they come).
class JobClient {
 public:
  explicit JobClient(const std::string& frontend,
                     std::optional<curve::ClientKeys> curve = std::nullopt);
  // An intentq envelope.
  void send(const std::string& service, const JobRequest& request);
  // The msgpack of `envelope` as given (it may break the envelope rules on purpose).
  void submit(const std::string& service, const nlohmann::json& envelope);
  // Any body frames.
  void request(const std::string& service, const Msg& body);
  // Exactly these frames, for malformed messages on a connected peer.
  void send_raw(const Msg& frames);
  // The next reply (service, envelope), or nullopt after `timeout`.
  std::optional<std::pair<std::string, JobReply>> receive(std::chrono::milliseconds timeout);
  // The next reply's frames after "" and "MDPC01" (service, body...), or nullopt.
  std::optional<Msg> receive_raw(std::chrono::milliseconds timeout);
  // The next reply's body frames, or nullopt.
  std::optional<Msg> reply_body(std::chrono::milliseconds timeout);
  // The next reply's envelope; throws std::runtime_error on timeout or more than one frame.
  JobReply reply(std::chrono::milliseconds timeout = 5s);
  // Asks mmi.service until the broker answers "200" (see wait_for_service()).
  void wait_service(const std::string& service, std::chrono::milliseconds timeout = 10s);
  // The broker's mmi.stats map; throws on timeout.
  nlohmann::json stats(std::chrono::milliseconds timeout = 5s);
  zmq::socket_t& socket() { return client_.socket(); }

 private:
  zmq::context_t context_{1};
  mdp::Client client_;
};

// A fake worker on mdp::Worker: registers, then the test decides what it receives and when it
// replies. It heartbeats only while waiting in next_request().
class FakeWorker {
 public:
  // `ready_frames`: the READY's frames after the command, as a worker writes them (service names
  // and "@..." options; parsed by mdp::parse_ready and written again by mdp::worker_ready).
  FakeWorker(zmq::context_t& ctx, const std::string& endpoint, const Msg& ready_frames,
             std::chrono::milliseconds heartbeat = 100ms);
  struct Request {
    std::string token;
    Msg body;  // frames after the empty delimiter (service frame first for intentq workers)
  };
  // Waits for a REQUEST, heartbeating meanwhile. Counts every request seen.
  std::optional<Request> next_request(std::chrono::milliseconds timeout);
  void reply(const std::string& token, const std::string& body);
  // Replies with an ok envelope echoing the request's params.
  void reply_ok(const Request& r, const std::string& intent = "echo");
  // Gone without a word, like kill -9.
  void close() { socket_.close(); }

  int requests_seen = 0;

 private:
  mdp::Worker socket_;
  std::chrono::milliseconds heartbeat_;
};

// Options of a worker socket connecting to `endpoint` (the rest as mdp::WorkerOptions has them).
mdp::WorkerOptions worker_options(const std::string& endpoint,
                                  std::optional<curve::ClientKeys> curve = std::nullopt);
// An intentq worker's READY ("@intentq=1") for `services`.
mdp::ReadyInfo intentq_ready(std::vector<std::string> services,
                             std::optional<uint32_t> heartbeat_ms = std::nullopt);

// msgpack of any JSON value (envelopes that break the rules on purpose).
std::string pack(const nlohmann::json& j);

// Sends exactly these frames on any socket (malformed messages, SUB-side tests); throws when a
// blocking send fails. With `dontwait`, a full or closed pipe drops the message silently.
void send_frames(zmq::socket_t& socket, const Msg& frames, bool dontwait = false);

// A SUB socket connected to `publish`, subscribed to `topic` (a prefix of "result.<service>...").
zmq::socket_t subscriber(zmq::context_t& ctx, const std::string& publish, const std::string& topic);

// The next whole message on any socket (e.g. a SUB), or nullopt after `timeout`.
std::optional<Msg> recv_within(zmq::socket_t& socket, std::chrono::milliseconds timeout);

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

// The job reply a client program (intentq submit, an example client) printed as its first JSON
// line, once it exited with status 0 within `timeout`; nullopt when it did not exit in time,
// exited otherwise, or printed no reply.
std::optional<nlohmann::json> reply_printed(Process& client, std::chrono::milliseconds timeout);

// Waits until `process` prints a line containing `needle` and returns true, or false on timeout.
bool saw_line(Process& process, const std::string& needle, std::chrono::milliseconds timeout);

// How many lines of `process`'s output so far contain `needle`.
size_t count_lines(Process& process, const std::string& needle);

}  // namespace intentq::e2e
