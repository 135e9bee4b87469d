// The Majordomo broker's logic, without sockets or clocks: it consumes whole messages from the
// frontend (clients) and backend (workers), and the passing of time (`now`), and emits messages
// through an Outbox. broker/server.hpp wires it to ZeroMQ sockets; unit tests drive it directly.
//
// The state lives in tables by entity (all bounded; docs/protocol.md has the behaviour):
// - JobTable (broker/job_table.hpp): jobs, in-flight index by id, deadline heap, service queues.
// - WorkerRegistry (broker/worker_registry.hpp): workers, services, idle LRU order, expiry.
// - DedupCache: finished replies by key for --dedup-ttl-ms.
// - Counters and the mmi.stats body (broker/stats.hpp).
// Broker itself holds the policy: admission, dispatch, requeue-once, timeouts, drain.
//
// Gateway services (issues 10 and 11; broker/broker_gateway.cpp, broker/broker_reuse.cpp): a
// service some worker announced with "@cost=<service>:<n>" n > 0 is queued per account (one FIFO
// per params.account, "" for none), dispatched only to workers that hold the account and whose
// gateway's one-second window has room (GatewayBudget), and identical read-only requests share one
// job (coalescing) or a recent answer (ReuseCache). Other services keep their single FIFO.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/config.hpp"
#include "broker/dedup_cache.hpp"
#include "broker/entities.hpp"
#include "broker/gateway_budget.hpp"
#include "broker/historical_budget.hpp"
#include "broker/job_ids.hpp"
#include "broker/job_observer.hpp"
#include "broker/job_table.hpp"
#include "broker/reuse_cache.hpp"
#include "broker/stats.hpp"
#include "broker/stats_rate.hpp"
#include "broker/warn_limiter.hpp"
#include "broker/worker_registry.hpp"
#include "common/errors.hpp"
#include "common/mdp_frames.hpp"

namespace intentq {
// Named only by reference here: units that read envelopes include common/envelope.hpp (and with
// it nlohmann/json) themselves, so the broker units that do not stay free of it.
struct RequestFields;
}  // namespace intentq

namespace intentq::broker {

// Where the broker's messages go. frames[0] is the peer's routing id on the two ROUTERs.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual mdp::SendResult to_client(Frames& frames) = 0;
  virtual mdp::SendResult to_worker(Frames& frames) = 0;
  virtual void publish(Frames& frames) = 0;  // [topic, envelope]
};

class Broker {
 public:
  Broker(Config config, Outbox& outbox, Clock::time_point now);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // One whole message from each ROUTER, routing id first. Never throws for bad input.
  // `curve_key`: the client's CURVE public key (Z85) when the frontend uses CURVE, else empty;
  // with it a client may cancel its jobs from another connection (mmi.cancel).
  void on_client_message(Frames& frames, Clock::time_point now, std::string_view curve_key = {});
  void on_worker_message(Frames& frames, Clock::time_point now);
  // Deadlines, heartbeats, worker expiry, dedup expiry. Call at or after next_wakeup().
  void on_timer(Clock::time_point now);
  Clock::time_point next_wakeup() const;

  // Shutdown: from now on new requests get BUSY; queued and running jobs still finish.
  void begin_drain(Clock::time_point now);
  bool draining() const { return draining_; }
  // True when no accepted job is waiting for an answer.
  bool idle() const { return unanswered_ == 0; }
  // Answers every job still unanswered with TIMEOUT and tells workers to DISCONNECT
  // (so they re-register with the next broker).
  void finish_drain(Clock::time_point now);

  const Counters& counters() const { return counters_; }
  // Reports job outcomes and durations to `observer` from now on (nullptr: none). The observer
  // must outlive the broker or be reset first.
  void set_observer(JobObserver* observer) { observer_ = observer; }
  // Calls fn(const Service&) for every service the broker knows (queue depth, idle workers).
  template <typename Fn>
  void for_each_service(Fn&& fn) const {
    registry_.for_each_service(fn);
  }
  // Calls fn(const Worker&) for every live worker (metrics by worker name).
  template <typename Fn>
  void for_each_worker(Fn&& fn) const {
    registry_.for_each(fn);
  }
  // How the core shows a moment as wall-clock time in messages ("since 12:01:07 UTC"). The core
  // reads no clock; the server maps its steady time to the system clock. Unset: messages give
  // durations only.
  using WallClock = std::function<std::chrono::system_clock::time_point(Clock::time_point)>;
  void set_wall_clock(WallClock wall) { wall_clock_ = std::move(wall); }
  // The server's ZAP denial count (the core has no sockets; it only reports the number).
  void note_zap_denied(uint64_t total) { counters_.zap_denied = total; }
  // The server's byte-bound cuts (broker/subscriber_guard.hpp, broker/reply_ledger.hpp,
  // broker/inbound_watch.hpp).
  void note_cuts(uint64_t subscribers, uint64_t clients, uint64_t unfinished) {
    counters_.subscribers_cut = subscribers;
    counters_.clients_cut = clients;
    counters_.unfinished_cut = unfinished;
  }
  size_t worker_count() const { return registry_.size(); }
  size_t job_count() const { return jobs_.size(); }
  size_t unanswered() const { return unanswered_; }
  size_t queued_count(std::string_view service) const;
  // The mmi.stats body (a msgpack map).
  std::string stats_body(Clock::time_point now) const;
  const ReuseCache& reuse_cache() const { return reuse_; }
  // Per gateway: (id, view, jobs waiting for its budget), for mmi.stats and metrics.
  std::vector<GatewayStats> gateway_stats(Clock::time_point now) const;

 private:
  struct EventScope;

  // Frontend
  void handle_mmi(const std::string& client, std::string_view service, Frames& frames,
                  Clock::time_point now);
  // mmi.cancel (issue 20, broker/broker_cancel.cpp): the caller's own submissions of a job id
  // are answered CANCELLED; a job nobody waits for any more leaves its queue, or its worker is
  // told to stop it.
  void handle_cancel(const std::string& client, Frames& frames, Clock::time_point now);
  enum class CancelOutcome { kNotMine, kDetached, kStoppedQueued, kStoppedRunning };
  // Cancels `owner_`'s submissions under `key` (the job's own key or a rider's) of `job`.
  CancelOutcome cancel_submissions(Job& job, const std::string& key, Clock::time_point now);
  void stop_job(Job& job, Clock::time_point now);
  void reply_cancel(const std::string& client, std::string id, std::optional<ErrorCode> error,
                    const std::string& text, const std::string& state);
  // "the broker knows: a, b, c" (services with a live worker), for UNKNOWN_INTENT messages.
  std::string known_services() const;
  void handle_request(std::string client, std::string_view service, Frames& frames,
                      Clock::time_point now);
  void handle_intentq_request(std::string client, Service& service, Frames& frames,
                              Clock::time_point now);
  void handle_opaque_request(std::string client, Service& service, Frames& frames,
                             Clock::time_point now);
  // Backend
  void handle_ready(const std::string& identity, Frames& frames, Clock::time_point now);
  void handle_reply(Worker& worker, Frames& frames, Clock::time_point now);
  void handle_session_update(Worker& worker, Frames& frames, Clock::time_point now);
  // Session state, error and down time of a READY or HEARTBEAT update.
  void apply_session(Worker& worker, const mdp::ReadyInfo& info, Clock::time_point now);
  // A worker's READY or session update as `parse` reads it (mdp::parse_ready,
  // mdp::parse_session_update); nullopt when it is malformed: a bad worker message, warned as
  // "<what>: <why>".
  std::optional<mdp::ReadyInfo> read_worker_info(mdp::ReadyInfo (*parse)(const Frames&, size_t),
                                                 const Frames& frames, const std::string& what,
                                                 Clock::time_point now);
  static std::string printable_error(std::string_view text);  // printable ASCII, cut

  // Fail fast (issue 18, broker/broker_failfast.cpp). A service without a live worker is answered
  // GATEWAY_UNREACHABLE while workers wait for their gateway session to serve it, or NO_WORKER
  // once it has had no worker for --no-worker-grace-ms.
  // Why `service` cannot run now, as an error for its requests, or nullopt when it can wait.
  std::optional<std::pair<ErrorCode, std::string>> no_worker_answer(std::string_view service,
                                                                    const Service* s,
                                                                    Clock::time_point now) const;
  // "gateway G unreachable for 41 s: connection refused; 2 workers waiting for it" for the
  // workers waiting to serve `service`; nullopt when none waits.
  // Only the gateway `only_gateway` when given.
  std::optional<std::string> unreachable_message(std::string_view service, Clock::time_point now,
                                                 const std::string* only_gateway = nullptr) const;
  // An account no live worker holds: GATEWAY_UNREACHABLE when the gateway that managed it when
  // its session was last up has workers waiting for it; else UNKNOWN_ACCOUNT, naming the gateways
  // that are down (one of them may manage it); nullopt when none is down.
  std::optional<std::pair<ErrorCode, std::string>> unknown_account_answer(
      std::string_view service, const std::string& account, Clock::time_point now) const;
  // Accounts a gateway managed when a worker last registered with its session up.
  void remember_accounts(const Worker& worker, const mdp::ReadyInfo& info);
  std::string no_worker_message(std::string_view service, Clock::time_point since,
                                Clock::time_point now) const;
  // Answers every queued job of `service` with `code` (they cannot run anywhere now).
  void answer_queued(Service& service, ErrorCode code, const std::string& message);
  // After workers left or began waiting: answers what can no longer run, schedules NO_WORKER.
  void check_workerless(Service& service, Clock::time_point now);
  // A DISCONNECT from a worker: a job handed to an intentq worker that crossed its DISCONNECT
  // never ran there and goes back to the front of its queue (retryable intents).
  void worker_disconnected(Worker& worker, Clock::time_point now);
  void add_waiting(Worker& worker, const std::vector<std::string>& names);
  void remove_waiting(const Worker& worker);
  void remember_gone_services(Clock::time_point now);

  Job& add_job(std::unique_ptr<Job> job);  // numbers, counts and queues a new job
  void dispatch(Service& service, Clock::time_point now);
  // Retires a worker (requeueing or answering its job). The Worker itself is freed only when
  // the current event ends (EventScope): callers up the stack (handle_ready and handle_reply
  // walking its services, on_timer walking the expired list) may still hold it.
  void delete_worker(Worker& worker, bool send_disconnect, std::string_view why,
                     Clock::time_point now);
  void disconnect_peer(const std::string& identity);
  void finish_job(Job& job);  // removes it from every table and frees it
  void timeout_job(Job& job, Clock::time_point now);

  // Replies to clients. A broker-made error is an envelope (intentq and opaque services alike).
  void reply_error(Job& job, ErrorCode code, const std::string& message);
  void send_client(const std::string& client, std::string_view service, Frames body);
  // Sends `body` to each of `submitters` that waits for a reply.
  void send_submitters(const std::vector<Submitter>& submitters, std::string_view service,
                       zmq::message_t& body);
  // A request the broker answers itself with an error: counted by code, sent, and published
  // when `publish` (intentq services).
  void reject(const std::string& client, std::string_view service, std::string id, ErrorCode code,
              const std::string& message, bool publish);
  void publish(std::string_view intent, bool ok, zmq::message_t& body);
  // Tells the observer (if any) how a job or refused request was answered.
  void observe_answer(std::string_view intent, std::optional<ErrorCode> error) {
    if (observer_) observer_->on_answer(intent, error);
  }

  // Startup grace: requests for services not registered yet (see Config::startup_grace).
  void hold_request(std::string client, Frames& frames);
  void release_held(Clock::time_point now);

  // Why a new job of `bytes` would break a queue or byte budget (BUSY), or nullopt.
  std::optional<std::string> over_budget(const Service& service, size_t bytes) const;
  static size_t frames_bytes(const Frames& frames);  // body bytes of a client message
  // Garbage floods must not turn into log floods: at most one warning per second.
  void warn_limited(const std::string& message, Clock::time_point now);
  // Sends a job to a worker and marks both busy; false when the worker is unreachable.
  bool send_job(Job& job, Worker& worker, Clock::time_point now);

  // Gateway services (broker_gateway.cpp)
  void register_gateway(Worker& worker, const mdp::ReadyInfo& info);
  // `settle_at`: when the charges of the job it held end (now, unless it may still send).
  void unregister_gateway(Worker& worker, Clock::time_point now, Clock::time_point settle_at);
  // The worker's job ended (reply or loss): its budget charge starts its last second.
  void settle_charge(Worker& worker, Clock::time_point now) { settle_charge(worker, now, now); }
  void settle_charge(Worker& worker, Clock::time_point now, Clock::time_point settle_at);
  void dispatch_gateway(Service& service, Clock::time_point now);
  Worker* pick_worker(Service& service, Job& job, Clock::time_point now, std::string& blocked_on);
  bool account_known(const Service& service, const std::string& account) const;
  // Some live worker of the service (session up, or down and waiting for it) talks to `gateway`.
  bool gateway_known(const Service& service, const std::string& gateway) const;
  // Answers the queued jobs of `account` (every unknown account when empty) UNKNOWN_ACCOUNT.
  // `gone`: the worker whose leaving made them unknown; when it reported its gateway session
  // down, the jobs are answered GATEWAY_UNREACHABLE with its error instead (gone_gateway_answer).
  void reject_unknown_accounts(Service& service, const std::string* account,
                               const Worker* gone = nullptr);
  std::optional<std::string> gone_gateway_answer(const Worker* gone,
                                                 const std::string& account) const;
  std::string queued_reason(const Job& job) const;  // why a queued job did not run

  // Historical-class services (issue 20, broker/broker_historical.cpp): admission against each
  // gateway's historical budget (HistoricalBudget), fair shares and priority (FairQueue), and
  // TIMEOUT at once for a job whose deadline certainly passes before its slot.
  void register_historical(Worker& worker, const mdp::ReadyInfo& info);
  void unregister_historical(Worker& worker, Clock::time_point now);
  void dispatch_historical(Service& service, Clock::time_point now);
  // What IB's pacing counts for the job (computed from its canonical params once).
  const historical::Request& hist_request(Job& job);
  // Sets a new job's class and submitter from its envelope.
  static void classify(Job& job, const intentq::RequestFields& fields, const std::string& client);
  struct HistSlot {
    Clock::time_point slot;  // no request of the job can be sent before this, on any gateway
    std::string gateway;
    std::string why;
  };
  // The earliest moment any gateway could take `job` (global_only: the window and open rules
  // alone, the same for every job); `now` when one could now or when some worker of a historical
  // service has no gateway id (nothing is counted for it).
  HistSlot certain_slot(Job* job, Clock::time_point now);
  // "no historical slot before this request's deadline: ... ; next slot 12:03:04 UTC (in 41 s)"
  std::string late_message(const HistSlot& slot, Clock::time_point now) const;
  // Answers a queued or new historical job TIMEOUT at once (its deadline passes before its slot).
  void answer_late(Job& job, const HistSlot& slot, Clock::time_point now);
  // Coalescing and freshness (broker_reuse.cpp). True when the request was answered or attached
  // (nothing more to do). `probe` carries the request's account and reuse key.
  bool try_reuse(std::string& client, Service& service, const std::string& id,
                 const std::string& key, bool client_id, bool reply, uint64_t deadline_ms,
                 const Job& probe, uint64_t max_age_ms, Clock::time_point now);
  // Sends a worker's reply to the job's own submitters and, re-written with their ids, to its
  // riders; stores a valid ok answer for reuse.
  void deliver(Job& job, zmq::message_t& body, bool ok, bool valid, Clock::time_point now);
  void answer_riders_error(Job& job, ErrorCode code, const std::string& message);
  // The job times out: each rider still waiting is answered TIMEOUT with its own deadline.
  void timeout_riders(Job& job);
  void timeout_rider(Job& job, const std::string& key);
  void forget_coalescing(Job& job);

  Config config_;
  Outbox& outbox_;
  Clock::time_point started_;
  Clock::time_point next_tick_;
  bool draining_ = false;
  size_t unanswered_ = 0;  // jobs queued or running and not yet answered

  JobTable jobs_;
  WorkerRegistry registry_;
  DedupCache dedup_;
  GatewayBudget budgets_;
  HistoricalBudget hist_;
  size_t hist_without_gateway_ = 0;  // live workers announcing @historical without @gateway
  ReuseCache reuse_;
  std::unordered_map<std::string, Job*> coalescing_;  // by reuse key: jobs others may join
  Clock::time_point budget_wakeup_ = Clock::time_point::max();     // a blocked head may fit then
  Clock::time_point no_worker_wakeup_ = Clock::time_point::max();  // a workerless grace ends then
  // Services live workers wait to serve once their gateway session is up: name -> workers.
  // Bounded: each worker lists at most 256, and at most --max-services distinct names.
  std::unordered_map<std::string, size_t> waiting_;
  // Services forgotten after --service-linger-ms: name -> when their last worker left (so a request
  // for one is answered NO_WORKER with that time, not UNKNOWN_INTENT). At most --max-services.
  std::map<std::string, Clock::time_point, std::less<>> gone_services_;
  // Gateway id -> the accounts it managed when a worker last registered with its session up, so
  // a job for one of them while that gateway is down is GATEWAY_UNREACHABLE, not UNKNOWN_ACCOUNT.
  // Bounded: at most --max-services gateways, each at most 1,024 accounts (one READY's).
  std::map<std::string, std::vector<std::string>> last_accounts_;
  WallClock wall_clock_;
  bool accounts_checked_ = false;  // UNKNOWN_ACCOUNT sweep done after the startup grace
  struct Held {
    std::string client;
    Frames frames;
    std::string owner;
  };
  std::string owner_;       // the owner (Submitter::owner) of the client message being handled
  std::vector<Held> held_;  // bounded by config_.max_queue and config_.max_held_bytes
  size_t held_bytes_ = 0;

  StatsRate stats_rate_;
  zmq::message_t stats_cache_;  // the latest mmi.stats body (empty before the first)
  JobIds ids_;
  Counters counters_;
  JobObserver* observer_ = nullptr;
  WarnLimiter warnings_;
  Frames scratch_;
};

}  // namespace intentq::broker
