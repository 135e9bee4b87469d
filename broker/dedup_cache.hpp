// Replies of finished jobs, by job key, kept for a fixed TTL so a resubmitted id is answered
// without running again. Bounded: the oldest entries go first when the cache is full.
//
// All entries share one TTL, so insertion order is expiry order: a FIFO of keys gives O(1)
// expiry without scanning or a heap.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include <zmq.hpp>

#include "broker/config.hpp"

namespace intentq::broker {

class DedupCache {
 public:
  DedupCache(Ms ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  // Stores (or replaces) the reply for `key`. The body is shared, not copied (zmq refcounts).
  void put(const std::string& key, zmq::message_t& body, Clock::time_point now);
  // The cached reply, or nullptr if none or expired.
  zmq::message_t* find(const std::string& key, Clock::time_point now);
  void expire(Clock::time_point now);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    zmq::message_t body;
    Clock::time_point expires;
    uint64_t generation;
  };
  void pop_front();
  Ms ttl_;
  size_t max_entries_;
  uint64_t next_generation_ = 0;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, uint64_t>> order_;  // (key, generation), oldest first
};

}  // namespace intentq::broker
