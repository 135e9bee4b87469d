#include "broker/reuse_cache.hpp"

namespace intentq::broker {

void ReuseCache::put(const std::string& key, std::string_view body, std::string_view source_id,
                     Clock::time_point now) {
  const size_t cost = key.size() * 2 + body.size() + source_id.size() + kEntryOverhead;
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second.cost;
    entries_.erase(it);  // its FIFO slot becomes stale (generation mismatch)
  }
  if (cost > max_bytes_ || ttl_.count() <= 0) return;
  expire(now);
  while (bytes_ + cost > max_bytes_ && !order_.empty()) {
    const auto before = entries_.size();
    pop_front();
    if (entries_.size() < before) ++evictions_;
  }
  Entry e;
  e.body.assign(body);
  e.source_id.assign(source_id);
  e.stored = now;
  e.generation = ++next_generation_;
  e.cost = cost;
  order_.emplace_back(key, e.generation);
  entries_[key] = std::move(e);
  bytes_ += cost;
  ++stores_;
  // Stale FIFO slots (replaced keys) are dropped as they reach the front; keep them bounded.
  if (order_.size() > 2 * entries_.size() + 1024) {
    std::deque<std::pair<std::string, uint64_t>> live;
    for (auto& slot : order_) {
      auto it = entries_.find(slot.first);
      if (it != entries_.end() && it->second.generation == slot.second)
        live.push_back(std::move(slot));
    }
    order_.swap(live);
  }
}

std::optional<ReuseCache::Hit> ReuseCache::find(const std::string& key, Ms max_age,
                                                Clock::time_point now) {
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    const auto age = std::chrono::duration_cast<Ms>(now - it->second.stored);
    if (age <= max_age && age < ttl_) {
      ++hits_;
      return Hit{it->second.body, it->second.source_id, age};
    }
  }
  ++misses_;
  return std::nullopt;
}

void ReuseCache::pop_front() {
  const auto& [key, generation] = order_.front();
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.generation == generation) {
    bytes_ -= it->second.cost;
    entries_.erase(it);
  }
  order_.pop_front();
}

void ReuseCache::expire(Clock::time_point now) {
  while (!order_.empty()) {
    const auto& [key, generation] = order_.front();
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.generation == generation &&
        now - it->second.stored < ttl_)
      break;
    pop_front();
  }
}

}  // namespace intentq::broker
