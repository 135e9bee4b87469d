#include "broker/dedup_cache.hpp"

namespace intentq::broker {

namespace {
// Below this a reply is copied out of libzmq's receive buffer (see put()).
constexpr size_t kCopyBelow = 8192;
}  // namespace

void DedupCache::put(const std::string& key, zmq::message_t& body, Clock::time_point now,
                     std::optional<Clock::time_point> submitted) {
  if (max_entries_ == 0 || ttl_.count() <= 0) return;
  const size_t need = cost(key, body);
  if (need > max_bytes_) return;
  expire(now);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= cost(key, it->second.body);
    entries_.erase(it);  // its FIFO slot becomes stale
  }
  while ((entries_.size() >= max_entries_ || bytes_ + need > max_bytes_) && !order_.empty())
    pop_front();
  const uint64_t gen = ++next_generation_;
  auto& entry = entries_[key];
  if (body.size() < kCopyBelow)
    entry.body.rebuild(body.data(), body.size());
  else
    entry.body.copy(body);
  bytes_ += need;
  entry.expires = now + ttl_;
  entry.submitted = submitted.value_or(now);
  entry.generation = gen;
  order_.emplace_back(key, gen);
}

zmq::message_t* DedupCache::find(const std::string& key, Clock::time_point now,
                                 Clock::time_point* submitted) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return nullptr;
  if (submitted) *submitted = it->second.submitted;
  return &it->second.body;
}

void DedupCache::pop_front() {
  auto& [key, gen] = order_.front();
  auto it = entries_.find(key);
  // A key stored again later has a newer generation: its FIFO slot is further back.
  if (it != entries_.end() && it->second.generation == gen) {
    bytes_ -= cost(key, it->second.body);
    entries_.erase(it);
  }
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
