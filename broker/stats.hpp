// The broker's counters (reported by mmi.stats; docs/protocol.md explains each).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <vector>

#include "broker/gateway_budget.hpp"
#include "broker/historical_budget.hpp"
#include "broker/reuse_cache.hpp"
#include "common/errors.hpp"

namespace intentq::broker {

struct Counters {
  uint64_t requests = 0;              // client messages received (all services, mmi.* included)
  uint64_t accepted = 0;              // jobs queued (intentq and opaque)
  uint64_t dispatched = 0;            // REQUESTs sent to workers (a requeued job counts twice)
  uint64_t replied = 0;               // jobs answered with a worker's reply
  uint64_t timeouts = 0;              // jobs answered TIMEOUT
  uint64_t requeued = 0;              // jobs put back in the queue after their worker was lost
  uint64_t worker_lost = 0;           // jobs answered WORKER_LOST
  uint64_t workers_expired = 0;       // workers dropped for silence
  uint64_t busy_rejects = 0;          // requests answered BUSY
  uint64_t dedup_hits = 0;            // requests answered from the dedup cache
  uint64_t attached = 0;              // requests attached to a job already in flight
  uint64_t unknown_intent = 0;        // requests answered UNKNOWN_INTENT
  uint64_t late_replies_dropped = 0;  // worker replies for jobs already answered
  uint64_t bad_requests = 0;          // requests answered BAD_REQUEST
  uint64_t bad_worker_messages = 0;   // malformed or unexpected backend messages
  uint64_t dropped_unroutable = 0;    // messages for peers that were gone (EHOSTUNREACH)
  uint64_t dropped_full = 0;          // messages dropped because a peer's pipe was full
  uint64_t published = 0;             // messages sent on PUB
  uint64_t zap_denied = 0;            // CURVE handshakes refused by the ZAP allowlist
  uint64_t unknown_account = 0;       // requests answered UNKNOWN_ACCOUNT
  uint64_t coalesced = 0;             // requests joined to an identical job of another id
  uint64_t reuse_hits = 0;            // requests answered from the reuse cache (max_age_ms)
  uint64_t reuse_misses = 0;          // requests with max_age_ms that found nothing young enough
  uint64_t budget_deferrals = 0;      // dispatch attempts held back by a gateway's budget
  uint64_t gateway_unreachable = 0;   // jobs answered GATEWAY_UNREACHABLE by the broker
  uint64_t no_worker = 0;             // jobs answered NO_WORKER
  uint64_t forged_reply_ids = 0;      // worker replies whose id was not their job's (overwritten)
  uint64_t stats_repeated = 0;        // mmi.stats over the rate, answered with the latest body
  uint64_t historical_deferrals = 0;  // dispatch attempts held back by a historical pacing rule
  uint64_t historical_timeouts = 0;   // jobs answered TIMEOUT at once: their slot is too late
  uint64_t cancelled = 0;             // submissions answered CANCELLED (mmi.cancel)
  uint64_t cancels_unknown = 0;       // mmi.cancel answered UNKNOWN_JOB
  uint64_t jobs_stopped = 0;          // running jobs whose worker was told to stop them
  // Set by the server (the core has no sockets): connections it cut to keep a byte bound.
  uint64_t subscribers_cut = 0;  // publish: oversize subscription, too many topics/subscribers
  uint64_t clients_cut = 0;      // frontend: too many reply bytes not read
  uint64_t unfinished_cut = 0;   // any socket: an unfinished multipart message over its limit

  // Calls fn(name, value) for each counter, in a stable order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    fn("requests", requests);
    fn("accepted", accepted);
    fn("dispatched", dispatched);
    fn("replied", replied);
    fn("timeouts", timeouts);
    fn("requeued", requeued);
    fn("worker_lost", worker_lost);
    fn("workers_expired", workers_expired);
    fn("busy_rejects", busy_rejects);
    fn("dedup_hits", dedup_hits);
    fn("attached", attached);
    fn("unknown_intent", unknown_intent);
    fn("late_replies_dropped", late_replies_dropped);
    fn("bad_requests", bad_requests);
    fn("bad_worker_messages", bad_worker_messages);
    fn("dropped_unroutable", dropped_unroutable);
    fn("dropped_full", dropped_full);
    fn("published", published);
    fn("zap_denied", zap_denied);
    fn("unknown_account", unknown_account);
    fn("coalesced", coalesced);
    fn("reuse_hits", reuse_hits);
    fn("reuse_misses", reuse_misses);
    fn("budget_deferrals", budget_deferrals);
    fn("gateway_unreachable", gateway_unreachable);
    fn("no_worker", no_worker);
    fn("forged_reply_ids", forged_reply_ids);
    fn("stats_repeated", stats_repeated);
    fn("historical_deferrals", historical_deferrals);
    fn("historical_timeouts", historical_timeouts);
    fn("cancelled", cancelled);
    fn("cancels_unknown", cancels_unknown);
    fn("jobs_stopped", jobs_stopped);
    fn("subscribers_cut", subscribers_cut);
    fn("clients_cut", clients_cut);
    fn("unfinished_cut", unfinished_cut);
  }

  // Counts a request the broker answered with an error of its own (BUSY, BAD_REQUEST, ...).
  void count_reject(ErrorCode code) {
    // The counter of each error the broker answers on its own; other codes are not counted here.
    static constexpr std::pair<ErrorCode, uint64_t Counters::*> kRejects[] = {
        {ErrorCode::kBusy, &Counters::busy_rejects},
        {ErrorCode::kBadRequest, &Counters::bad_requests},
        {ErrorCode::kUnknownIntent, &Counters::unknown_intent},
        {ErrorCode::kUnknownAccount, &Counters::unknown_account},
        {ErrorCode::kGatewayUnreachable, &Counters::gateway_unreachable},
        {ErrorCode::kNoWorker, &Counters::no_worker},
    };
    for (const auto& [rejected, counter] : kRejects)
      if (rejected == code) ++(this->*counter);
  }
};

class WorkerRegistry;

// One gateway's budget figures and the jobs waiting for its budget.
struct GatewayStats {
  std::string id;
  GatewayBudget::View view{};
  size_t waiting = 0;
  // Historical pacing (issue 20), when a worker of the gateway announced a historical service.
  bool historical = false;
  HistoricalBudget::View hist{};
  uint32_t hist_limit = 0;      // weighted requests allowed in the window
  uint64_t hist_window_ms = 0;  // the window (after the time scale)
  uint32_t hist_open_limit = 0;
  size_t hist_queued = 0;          // queued jobs of the historical services its workers serve
  uint64_t hist_next_slot_ms = 0;  // until one more request fits the window and open rules (0: now)
};

// Broker-wide figures of the mmi.stats body besides the services and counters.
struct StatsSummary {
  size_t workers = 0;
  size_t jobs = 0;
  size_t unanswered = 0;
  size_t dedup_entries = 0;
  size_t dedup_bytes = 0;
  size_t jobs_bytes = 0;  // request bytes of unfinished jobs
  size_t held = 0;        // requests held for the startup grace
  size_t held_bytes = 0;
  bool draining = false;
  uint64_t uptime_ms = 0;
  std::vector<GatewayStats> gateways;
  const ReuseCache* reuse = nullptr;
  Clock::time_point now;
};

// The mmi.stats body: a msgpack map (fields in docs/protocol.md).
std::string encode_stats(const WorkerRegistry& registry, const Counters& counters,
                         const StatsSummary& summary);

}  // namespace intentq::broker
