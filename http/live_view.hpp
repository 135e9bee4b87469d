// What the dashboard shows besides the broker's stats, built from the results feed: the last 100
// results (intent, status, latency, worker, accounts) and jobs/s and errors per second over the
// last 15 minutes. Bounded: 100 results and 900 one-second buckets.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace intentq::http {

class LiveView {
 public:
  static constexpr size_t kRecent = 100;
  static constexpr size_t kSeconds = 900;
  static constexpr size_t kWaitSamples = 256;
  static constexpr size_t kMaxIntents = 256;  // intents tracked for waits (names from results)

  // One published result (the reply map as JSON) at `now`.
  void add(const nlohmann::json& reply, std::chrono::system_clock::time_point now);
  // Moves the series on to `now` (empty seconds count as 0).
  void advance(std::chrono::system_clock::time_point now);

  // [{seq, time_ms, id, intent, status, code?, latency_ms?, worker, accounts}] oldest first,
  // those with seq > after.
  nlohmann::json recent(uint64_t after = 0) const;
  // [[epoch second, ok, error], ...] oldest first.
  nlohmann::json series() const;
  nlohmann::json last_point() const;
  // Queue wait (timings_ms.queued) per intent over its last kWaitSamples results:
  // {"<intent>": {"p50": ms, "p99": ms, "samples": n}}. The broker's mmi.stats has no wait
  // percentiles; every published result carries its own wait.
  nlohmann::json waits() const;
  uint64_t seq() const { return seq_; }

 private:
  struct Bucket {
    int64_t second = 0;
    uint32_t ok = 0, error = 0;
  };
  std::deque<nlohmann::json> recent_;
  std::deque<Bucket> buckets_;
  std::map<std::string, std::deque<double>> waits_;
  uint64_t seq_ = 0;
};

}  // namespace intentq::http
