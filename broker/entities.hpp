// The broker's records: jobs, the workers that run them and the services that group both. Plain
// data: JobTable (broker/job_table.hpp) owns the jobs, WorkerRegistry
// (broker/worker_registry.hpp) owns workers and services, and Broker decides what happens to them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/config.hpp"
#include "broker/fair_queue.hpp"
#include "common/historical_rules.hpp"
#include "common/mdp_frames.hpp"

namespace intentq::broker {

using mdp::Frames;

struct Worker;
struct Service;

struct Submitter {
  std::string client;  // routing id
  bool reply = true;
  // Who may cancel this submission (mmi.cancel, issue 20): the routing id, or "key:" and the
  // client's CURVE public key when the frontend uses CURVE (it survives reconnects).
  std::string owner;
};

enum class JobState { kQueued, kRunning, kAnswered };  // kAnswered: timed out, worker busy

// A request coalesced onto a job of another id (gateway services, issue 11): answered with the
// job's outcome under its own id, or TIMEOUT alone at its own deadline.
struct Rider {
  std::string id;
  std::string key;         // service '\0' id
  bool client_id = false;  // the submitter chose the id (indexed for attach, its reply cached)
  std::vector<Submitter> submitters;
  Clock::time_point accepted;
  Clock::time_point deadline;
};

struct Job {
  uint64_t seq = 0;
  Service* service = nullptr;
  bool intentq = false;
  std::string key;  // service '\0' id (intentq jobs only)
  std::string id;
  // The request body as received: one envelope frame (intentq) or any frames (opaque). Kept
  // until the job finishes so a re-queued job can be sent again.
  Frames body;
  size_t bytes = 0;        // of body, counted against the byte budgets
  bool client_id = false;  // the submitter chose the id (only those replies are cached)
  std::vector<Submitter> submitters;
  Clock::time_point accepted;
  Clock::time_point deadline;
  JobState state = JobState::kQueued;
  int dispatches = 0;  // how many times handed to a worker (requeue once)
  Worker* worker = nullptr;
  // Gateway services only (broker/broker_gateway.cpp, broker/broker_reuse.cpp):
  std::optional<std::string> account;  // params.account: only workers holding it may run it
  std::optional<std::string> gateway;  // params.gateway: only workers of that gateway may run it
  std::string reuse_key;               // service, account, canonical params; "" = not shared
  std::vector<Rider> riders;
  Clock::time_point own_deadline;  // the first submitter's; `deadline` covers the riders too
  bool own_answered = false;       // the first submitter got TIMEOUT; riders still wait
  Clock::time_point dispatched_at;
  // Its queue in Service::by_account: the account ("" = none), then "\n" and the gateway when
  // the job is pinned to one, so a pinned job waiting for its gateway holds back no other job.
  // (Accounts never hold a newline: READY refuses them.)
  std::string queue_key() const {
    return gateway ? account.value_or("") + '\n' + *gateway : account.value_or("");
  }
  // Historical-class services only (issue 20, broker_historical.cpp): what IB's pacing counts for
  // it (from its canonical params), its queue class and submitter, and its place in the queue.
  std::optional<historical::Request> hist;
  uint8_t priority = 1;   // common/envelope.hpp Priority: 0 interactive, 1 normal, 2 bulk
  std::string submitter;  // "c:" + the envelope's client name, or "r:" + the routing identity
  int64_t fair_position = 0;
  bool cancelled = false;      // every submitter cancelled it (its late reply is not cached)
  bool own_cancelled = false;  // its own id's submitters cancelled (riders may still wait)
};

// The account part of a by_account key (see Job::queue_key).
inline std::string_view queue_account(std::string_view key) {
  return key.substr(0, key.find('\n'));
}

// Queued jobs of a gateway service that name one account ("" = none) and gateway (Job::queue_key).
struct AccountQueue {
  std::deque<uint64_t> seqs;  // may hold finished ones (lazy)
  size_t queued = 0;
  std::string blocked_on;  // gateway whose budget held the head back at the last dispatch
};

struct Worker {
  std::string identity;
  std::string name;  // "@name=" (host:pid), or the routing id in hex for workers without one
  std::vector<Service*> services;
  std::vector<Service*> nonretryable;  // services this worker announced @nonretryable
  bool intentq = false;
  bool cancels = false;  // announced "@cancel=1": told to stop a job its submitters cancelled
  Ms heartbeat{0};       // the interval this worker is expected to keep
  Clock::time_point last_heard;
  Clock::time_point next_heartbeat;
  uint64_t idle_seq = 0;  // position in the LRU order while idle; 0 = busy
  Job* job = nullptr;
  uint64_t jobs_done = 0;  // replies to the job it held, since it registered (stats, dashboard)
  // Gateway session (READY options; all empty for workers without one)
  std::string gateway;
  uint32_t budget = 0;
  uint64_t charge = 0;               // the open budget charge of the running job (0: none)
  uint64_t hist_charge = 0;          // the open historical charge of the running job (0: none)
  std::vector<Service*> historical;  // services this worker announced "@historical="
  std::optional<bool> session_up;
  std::vector<std::pair<Service*, uint32_t>> costs;  // messages per job, by service
  std::vector<std::string> accounts;  // sorted; empty = not announced: any account goes
  std::optional<int64_t> client_id;
  std::optional<uint64_t> reconnects;
  uint64_t session_age_ms = 0;  // as announced in READY
  // While the session is down (issue 18): the gateway services this worker would serve once it is
  // up ("@waiting="), the last connect error it reported and since when the session is down.
  std::vector<std::string> waiting;
  std::string session_error;
  std::optional<Clock::time_point> down_since;
  Clock::time_point error_at;  // when session_error was reported
  Clock::time_point registered;
  uint32_t cost_of(const Service* s) const;
  bool holds(const std::string& account) const;
  bool retired = false;  // removed from every table; freed when the current event ends
  // When silence makes this worker dead, given the broker's liveness (missed heartbeats).
  Clock::time_point expiry(int liveness) const;
};

struct Service {
  std::string name;
  bool intentq = false;
  bool nonretryable = false;        // some live worker announced it @nonretryable
  size_t nonretryable_workers = 0;  // how many
  size_t workers = 0;
  std::set<std::pair<uint64_t, Worker*>> idle;       // LRU: smallest idle_seq first
  std::deque<uint64_t> queue;                        // job seqs; may hold finished ones (lazy)
  size_t queued = 0;                                 // live entries in queue (or by_account)
  size_t queued_bytes = 0;                           // their request bytes
  std::optional<Clock::time_point> empty_since;      // no worker and no queued job since then
  std::optional<Clock::time_point> no_worker_since;  // its last worker went away then
  // Gateway services: some worker announced a cost > 0; routed by account, budgeted, coalesced.
  bool gateway = false;
  std::map<std::string, AccountQueue> by_account;   // gateway services queue here, not in queue
  std::unordered_map<std::string, size_t> holders;  // account -> live workers holding it
  size_t any_account = 0;  // live workers that announced no @accounts (may take any account)
  // Historical-class (issue 20): some worker announced "@historical=<name>". Its jobs are admitted
  // against their gateway's historical budget and queue in `fair` (priority, then round-robin by
  // submitter) instead of by_account. Like `gateway`, it lasts while the service is known.
  bool historical = false;
  FairQueue fair;
  std::string hist_blocked;  // the last historical rule that held a job back (TIMEOUT message)
};

}  // namespace intentq::broker
