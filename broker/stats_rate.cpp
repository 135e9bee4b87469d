#include "broker/stats_rate.hpp"

#include <algorithm>

namespace intentq::broker {
namespace {
// More clients than this in the table (an attacker opening connections): new ones share the
// broker-wide bucket only. Each entry is a routing id and two words.
constexpr size_t kMaxClients = 4096;
}  // namespace

bool StatsRate::take(Bucket& b, double per_second, Clock::time_point now) {
  // Bursts of one second's worth, and at least one request.
  const double capacity = std::max(1.0, per_second);
  if (b.at == Clock::time_point{}) {
    b.tokens = capacity;
  } else {
    const double seconds = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(capacity, b.tokens + std::max(0.0, seconds) * per_second);
  }
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

bool StatsRate::allow(const std::string& client, Clock::time_point now) {
  if (rate_ <= 0) return true;
  auto it = clients_.find(client);
  if (it == clients_.end() && clients_.size() < kMaxClients)
    it = clients_.emplace(client, Bucket{}).first;
  if (it != clients_.end()) {
    // Peek first so a refused client does not also drain the shared bucket.
    Bucket probe = it->second;
    if (!take(probe, rate_, now)) {
      it->second = probe;
      return false;
    }
    if (!take(all_.bucket, all_.per_second, now)) return false;
    it->second = probe;
    return true;
  }
  return take(all_.bucket, all_.per_second, now);
}

void StatsRate::collect(Clock::time_point now) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    // Full again: the entry says nothing a new one would not.
    if (std::chrono::duration<double>(now - it->second.at).count() * rate_ >= std::max(1.0, rate_))
      it = clients_.erase(it);
    else
      ++it;
  }
}

}  // namespace intentq::broker
