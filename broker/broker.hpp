// The Majordomo broker's logic, without sockets: it consumes whole messages from the frontend
// (clients) and backend (workers), and the passing of time, and emits messages through an
// Outbox. broker/server.hpp wires it to ZeroMQ sockets; unit tests drive it directly.
//
// Structures (all bounded; see docs/protocol.md for the behaviour they implement):
// - jobs_: every accepted job not yet finished, by sequence number; in-flight intentq jobs are
//   also indexed by key (service + id) so a second submitter attaches instead of running twice.
// - per service: FIFO of queued job numbers, LRU set of idle workers, live worker count.
// - workers_: by routing id; each records the job it holds.
// - deadlines_: min-heap of (deadline, job) with lazy deletion: O(log n) per job.
// - dedup_: finished replies by key for --dedup-ttl-ms.
// Workers' liveness is checked by one pass over the workers per heartbeat tick (O(workers)).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/config.hpp"
#include "broker/dedup_cache.hpp"
#include "broker/stats.hpp"
#include "common/errors.hpp"
#include "common/mdp_frames.hpp"

namespace intentq::broker {

using mdp::Frames;

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
  void on_client_message(Frames& frames, Clock::time_point now);
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
  // The server's ZAP denial count (the core has no sockets; it only reports the number).
  void note_zap_denied(uint64_t total) { counters_.zap_denied = total; }
  size_t worker_count() const { return workers_.size(); }
  size_t job_count() const { return jobs_.size(); }
  size_t unanswered() const { return unanswered_; }
  size_t queued_count(std::string_view service) const;
  // The mmi.stats body (a msgpack map).
  std::string stats_body(Clock::time_point now) const;

 private:
  struct Worker;
  struct Service;
  struct EventScope;
  struct Submitter {
    std::string client;  // routing id
    bool reply = true;
  };
  enum class JobState { kQueued, kRunning, kAnswered };  // kAnswered: timed out, worker busy
  struct Job {
    uint64_t seq = 0;
    Service* service = nullptr;
    bool intentq = false;
    std::string key;  // service '\0' id (intentq jobs only)
    std::string id;
    // The request body as received: one envelope frame (intentq) or any frames (opaque). Kept
    // until the job finishes so a re-queued job can be sent again.
    Frames body;
    std::vector<Submitter> submitters;
    Clock::time_point accepted;
    Clock::time_point deadline;
    JobState state = JobState::kQueued;
    int dispatches = 0;  // how many times handed to a worker (requeue once)
    Worker* worker = nullptr;
  };
  struct Worker {
    std::string identity;
    std::vector<Service*> services;
    bool intentq = false;
    Ms heartbeat{0};  // the interval this worker is expected to keep
    Clock::time_point last_heard;
    Clock::time_point next_heartbeat;
    uint64_t idle_seq = 0;  // position in the LRU order while idle; 0 = busy
    Job* job = nullptr;
    bool retired = false;  // removed from every table; freed when the current event ends
    Clock::time_point expiry(const Broker& b) const;
  };
  struct Service {
    std::string name;
    bool intentq = false;
    bool nonretryable = false;
    size_t workers = 0;
    std::set<std::pair<uint64_t, Worker*>> idle;  // LRU: smallest idle_seq first
    std::deque<uint64_t> queue;                   // job seqs; may hold finished ones (lazy)
    size_t queued = 0;                            // live entries in queue
  };

  // Frontend
  void handle_mmi(const std::string& client, std::string_view service, Frames& frames,
                  Clock::time_point now);
  void handle_request(std::string client, std::string_view service, Frames& frames,
                      Clock::time_point now);
  void handle_intentq_request(std::string client, Service& service, Frames& frames,
                              Clock::time_point now);
  void handle_opaque_request(std::string client, Service& service, Frames& frames,
                             Clock::time_point now);
  // Backend
  void handle_ready(const std::string& identity, Frames& frames, Clock::time_point now);
  void handle_reply(Worker& worker, Frames& frames, Clock::time_point now);

  Job& add_job(std::unique_ptr<Job> job);  // numbers, counts and queues a new job
  void enqueue(Job& job, bool front);      // (re)queues a job
  void dispatch(Service& service, Clock::time_point now);
  void set_idle(Worker& worker);
  void set_busy(Worker& worker);
  // Removes a worker from every table (requeueing or answering its job). The Worker itself is
  // freed only when the current event ends (end_event): callers up the stack (handle_ready and
  // handle_reply walking its services, on_timer walking the expired list) may still hold it.
  void delete_worker(Worker& worker, bool send_disconnect, std::string_view why,
                     Clock::time_point now);
  void end_event();  // frees retired workers; every public entry point ends with it
  void disconnect_peer(const std::string& identity);
  void finish_job(Job& job);  // removes it from every table and frees it
  void timeout_job(Job& job, Clock::time_point now);

  // Replies to clients. A broker-made error is an envelope (intentq and opaque services alike).
  void reply_error(Job& job, ErrorCode code, const std::string& message);
  void send_client(const std::string& client, std::string_view service, Frames body);
  void send_client_error(const std::string& client, std::string_view service, std::string id,
                         ErrorCode code, const std::string& message, bool publish);
  void publish(std::string_view intent, bool ok, zmq::message_t& body);
  void send_worker(const std::string& identity, Frames& frames);

  // Startup grace: requests for services not registered yet (see Config::startup_grace).
  void hold_request(std::string client, Frames& frames);
  void release_held(Clock::time_point now);

  Service* find_service(std::string_view name);
  std::string new_job_id();
  void compact_queue(Service& service);
  void warn_limited(const std::string& message);

  Config config_;
  Outbox& outbox_;
  Clock::time_point started_;
  Clock::time_point next_tick_;
  bool draining_ = false;
  size_t unanswered_ = 0;  // jobs queued or running and not yet answered

  std::unordered_map<std::string, std::unique_ptr<Service>> services_;
  std::unordered_map<std::string, std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Worker>> retired_;  // deleted during this event
  std::unordered_map<uint64_t, std::unique_ptr<Job>> jobs_;
  std::unordered_map<std::string, Job*> in_flight_;  // by key, intentq jobs only
  using Deadline = std::pair<Clock::time_point, uint64_t>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  DedupCache dedup_;
  struct Held {
    std::string client;
    Frames frames;
  };
  std::vector<Held> held_;  // bounded by config_.max_queue

  uint64_t next_seq_ = 0;
  uint64_t next_idle_seq_ = 0;
  std::string id_prefix_;
  Counters counters_;
  Clock::time_point last_warning_{};
  size_t suppressed_warnings_ = 0;
  Frames scratch_;
};

}  // namespace intentq::broker
