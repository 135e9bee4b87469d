// The MDP/0.1 worker side of intentq: one DEALER socket to the broker's backend, READY listing
// every intent of the catalog, heartbeats both while idle and while a job runs, reconnection with
// exponential backoff when the broker falls silent, re-registration after a DISCONNECT, and one
// job at a time on a JobThread.
//
// Protocol details (common/mdp.hpp): READY carries every service name plus "@intentq=1",
// "@heartbeat=<ms>" and "@nonretryable=<name>" for intents that must not run twice. A REQUEST
// names its service in an extra frame after the empty delimiter; a REQUEST without it is accepted
// when its envelope carries an "intent" key. Replies keep RFC 7's shape.
//
// Gateway session (docs/gateway.md): persistent by default (a GatewayLink, lent to each gateway
// job); READY then also carries @gateway, @session, @budget, @cost, @accounts, @client-id,
// @reconnects and @session-age-ms, and while the session is down it lists only the intents that
// need no gateway. A reply larger than --max-message-bytes is answered RESULT_TOO_LARGE instead.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/mdp_worker.hpp"
#include "worker/gateway_link.hpp"
#include "worker/intent.hpp"
#include "worker/job_runner.hpp"
#include "worker/worker_options.hpp"

namespace intentq {

// What the loop tells its observer on every wake-up (main: systemd's READY/STATUS/WATCHDOG).
struct WorkerStatus {
  bool registered = false;         // connected to the broker and READY sent on this socket
  bool offers_gateway = false;     // that READY offered the gateway intents (session up/per-job)
  std::optional<bool> session_up;  // the persistent gateway session; nullopt for per-job sessions
  bool busy = false;               // a job is running
  bool stopping = false;           // a stop signal arrived
  uint64_t jobs_done = 0;          // jobs finished since start
};

class WorkerLoop {
 public:
  // `catalog` must outlive the loop (intent_catalog() is static). `worker_name` goes into every
  // reply's "worker" field.
  WorkerLoop(WorkerOptions options, const std::vector<IntentInfo>& catalog,
             std::string worker_name);
  ~WorkerLoop();
  WorkerLoop(const WorkerLoop&) = delete;
  WorkerLoop& operator=(const WorkerLoop&) = delete;

  // Runs until `stop_fd` (e.g. a signalfd for SIGINT/SIGTERM) becomes readable; a running job is
  // finished and answered first, then DISCONNECT is sent. Returns the process exit code.
  // `on_ready` runs once, after the first READY was sent (main prints the readiness line).
  int run(int stop_fd, const std::function<void()>& on_ready);
  // `tick` runs on every wake-up of the loop, and the loop wakes at least every `every`.
  void set_tick(std::function<void(const WorkerStatus&)> tick, std::chrono::milliseconds every) {
    tick_ = std::move(tick);
    tick_every_ = every;
  }
  // What the last READY registered: intents, and the gateway intents waiting for the session
  // with the connect error (main's readiness line says what is true, not the catalog).
  const mdp::ReadyInfo& last_ready() const { return last_ready_; }

 private:
  using Clock = std::chrono::steady_clock;

  void connect();
  // READY's service names and options for the gateway session's current state (CONTRACT).
  mdp::ReadyInfo ready_info();
  // The session fields for READY and HEARTBEAT updates while the session is down.
  void add_session_down(mdp::ReadyInfo& info);
  // Session up/down or new accounts: DISCONNECT, a new socket, a fresh READY (between jobs).
  void reregister();
  void receive_all();
  void apply_cancels();  // the broker's "@cancel-job=" for the running job: stop it
  void on_request(mdp::Request& request);
  void finish_job();
  void reply_now(mdp::Frames route, const JobReply& reply);
  const IntentInfo* find_intent(std::string_view name) const;

  WorkerOptions options_;
  const std::vector<IntentInfo>& catalog_;
  std::string worker_name_;
  zmq::context_t context_{1};
  mdp::Worker broker_;  // the socket to the broker: READY, heartbeats, reconnects
  JobThread job_;
  std::unique_ptr<GatewayLink> link_;  // persistent mode only

  uint64_t job_generation_ = 0;  // broker_.generation() the running job came from
  mdp::Frames job_route_;        // client address frames of the running job
  std::string job_id_;
  bool ready_reported_ = false;
  bool ready_offers_gateway_ = false;  // the last READY offered the gateway intents
  mdp::ReadyInfo last_ready_;
  uint64_t jobs_done_ = 0;
  std::function<void(const WorkerStatus&)> tick_;
  std::chrono::milliseconds tick_every_{1000};
};

}  // namespace intentq
