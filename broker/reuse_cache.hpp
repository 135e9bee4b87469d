// The latest successful answer per (intent, routing, canonical params), for requests that accept
// an answer up to `max_age_ms` old (issue 11; docs/protocol.md "Freshness window").
//
// Bounded in bytes (--reuse-max-bytes: bodies + keys + a fixed per-entry overhead; the oldest
// entries go first) and in time (--reuse-ttl-ms: no entry outlives it, whatever a caller's
// max_age_ms). Bodies are copied in: a cached answer never pins a libzmq message buffer.
//
// All entries share one TTL and a replaced entry is re-stored as the newest, so storage order is
// expiry order: a FIFO of (key, generation) gives O(1) expiry and eviction.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/config.hpp"

namespace intentq::broker {

class ReuseCache {
 public:
  ReuseCache(size_t max_bytes, Ms ttl) : max_bytes_(max_bytes), ttl_(ttl) {}

  struct Hit {
    std::string_view body;       // valid until the next call that changes the cache
    std::string_view source_id;  // the id of the job that fetched it
    Ms age{0};
  };
  // Stores the answer for `key`, replacing an older one. Not stored when the entry alone exceeds
  // the byte budget.
  void put(const std::string& key, std::string_view body, std::string_view source_id,
           Clock::time_point now);
  // The answer for `key` if it is at most `max_age` old (and younger than the TTL); counts a hit
  // or a miss.
  std::optional<Hit> find(const std::string& key, Ms max_age, Clock::time_point now);
  void expire(Clock::time_point now);

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }
  size_t max_bytes() const { return max_bytes_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  uint64_t stores() const { return stores_; }
  uint64_t evictions() const { return evictions_; }  // dropped for room, not for age

  static constexpr size_t kEntryOverhead = 96;  // map node, FIFO slot, bookkeeping (estimate)

 private:
  struct Entry {
    std::string body;
    std::string source_id;
    Clock::time_point stored;
    uint64_t generation = 0;
    size_t cost = 0;
  };
  void pop_front();
  size_t max_bytes_;
  Ms ttl_;
  size_t bytes_ = 0;
  uint64_t next_generation_ = 0;
  uint64_t hits_ = 0, misses_ = 0, stores_ = 0, evictions_ = 0;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, uint64_t>> order_;  // (key, generation), oldest first
};

}  // namespace intentq::broker
