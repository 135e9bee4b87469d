// Load for the relay, rtt and soak scenarios (and the CURVE bench): no-op MDP workers on threads
// of the bench, pipelined clients (each keeps a window of requests in flight) and one synchronous
// client, all on the MDP client and worker sockets of common/.
//
// Requests carry intentq envelopes with a unique id each (as real clients send them, so the
// broker's dedup cache works as in production) or, for `opaque`, raw bytes to a stock MDP worker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "common/curve_socket.hpp"

namespace intentq::bench {

// Builds request bodies with distinct ids without re-encoding: the id's digits are patched in
// place in one encoded envelope.
class RequestBodies {
 public:
  RequestBodies(int client, bool intentq, size_t payload_bytes);
  const std::string& next();

 private:
  std::string body_;
  size_t digits_at_ = std::string::npos;
  unsigned long long seq_ = 0;
};

// The reply body a no-op worker sends: a valid reply envelope (or "ok" for stock MDP).
std::string noop_reply_body(bool intentq);

// `n` no-op workers on their own threads, answering every REQUEST at once with the same body.
class NoopWorkers {
 public:
  // `curve`: the workers connect as CURVE clients with these keys.
  NoopWorkers(zmq::context_t& ctx, const std::string& endpoint, const std::string& service, int n,
              bool intentq, const std::optional<curve::ClientKeys>& curve = std::nullopt);
  ~NoopWorkers();
  NoopWorkers(const NoopWorkers&) = delete;
  NoopWorkers& operator=(const NoopWorkers&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

struct LoadResult {
  long jobs = 0;    // replies received
  long errors = 0;  // replies that are not status "ok" (intentq) / clients that stalled
  double seconds = 0;
  double jobs_per_s() const { return seconds > 0 ? static_cast<double>(jobs) / seconds : 0; }
};

// `clients` threads each send jobs/clients requests keeping `window` in flight. `progress`, when
// given, counts replies as they arrive (the soak samples memory by it).
LoadResult run_pipelined(zmq::context_t& ctx, const std::string& frontend,
                         const std::string& service, int clients, int window, long jobs,
                         bool intentq, size_t payload_bytes, std::atomic<long>* progress = nullptr);

// One synchronous client: `count` round trips (after `warmup` unmeasured ones); the latencies in
// microseconds, sorted. Throws on a missing reply, or an error reply when `check_status` (off for
// the raw echo, which returns the request).
std::vector<double> run_sync(zmq::context_t& ctx, const std::string& frontend,
                             const std::string& service, long count, long warmup, bool intentq,
                             size_t payload_bytes, bool check_status = true);

// The p-quantile (0..1) of the values, by nearest rank; 0 for none. Sorts its copy (cheap when
// already sorted).
double percentile(std::vector<double> values, double p);

}  // namespace intentq::bench
