#include "broker/dedup_cache.hpp"

namespace intentq::broker {

void DedupCache::put(const std::string& key, zmq::message_t& body, Clock::time_point now) {
  if (max_entries_ == 0 || ttl_.count() <= 0) return;
  expire(now);
  while (entries_.size() >= max_entries_ && !order_.empty()) pop_front();
  const uint64_t gen = ++next_generation_;
  auto& entry = entries_[key];
  entry.body.copy(body);
  entry.expires = now + ttl_;
  entry.generation = gen;
  order_.emplace_back(key, gen);
}

zmq::message_t* DedupCache::find(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return nullptr;
  return &it->second.body;
}

void DedupCache::pop_front() {
  auto& [key, gen] = order_.front();
  auto it = entries_.find(key);
  // A key stored again later has a newer generation: its FIFO slot is further back.
  if (it != entries_.end() && it->second.generation == gen) entries_.erase(it);
  order_.pop_front();
}

void DedupCache::expire(Clock::time_point now) {
  while (!order_.empty()) {
    auto it = entries_.find(order_.front().first);
    const bool stale = it == entries_.end() || it->second.generation != order_.front().second;
    if (!stale && it->second.expires > now) break;
    pop_front();
  }
}

}  // namespace intentq::broker
