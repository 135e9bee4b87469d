#include "broker/inbound_watch.hpp"

namespace intentq::broker {

void InboundWatch::on_connected(int fd) {
  // A descriptor number seen before belongs to a connection that closed: start afresh.
  connections_.erase(fd);
  const auto read = probe_(fd);
  if (!read) return;  // not TCP: not watched
  connections_[fd].base = *read;
}

void InboundWatch::on_delivered(int fd, size_t bytes) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  it->second.delivered += bytes;
  ++it->second.messages;
}

std::vector<int> InboundWatch::check() {
  std::vector<int> cut;
  for (auto it = connections_.begin(); it != connections_.end();) {
    Record& r = it->second;
    const auto read = probe_(it->first);
    // No figure, or one below the base, is not a sign of another connection: a reused
    // descriptor is announced by on_connected before its bytes matter, and a closed one by
    // on_disconnected. The kernel's two figures come from two calls, so an estimate can dip
    // below an earlier one while data moves, and a probe can fail for a moment. Dropping the
    // record there left an attacker's connection unwatched for good (1.6 GB held in one CI
    // run); the connection is judged again at the next check instead.
    if (!read || *read < r.base) {
      ++it;
      continue;
    }
    const uint64_t since = *read - r.base;
    const uint64_t held = since > r.delivered ? since - r.delivered : 0;
    const bool progressed = r.messages != r.checked_at;
    r.checked_at = r.messages;
    if (held > limit_ && !progressed) {
      cut.push_back(it->first);
      ++cuts_;
      it = connections_.erase(it);
      continue;
    }
    // Start afresh from here when whole messages arrived (what `delivered` leaves out, CURVE
    // boxes and ZMTP heartbeats, cannot add up over a long connection), and whenever more was
    // delivered than read since the last look (messages read before it): no credit is carried
    // over, so from the check an unfinished message starts after, it is cut once it alone
    // passes the limit.
    if (progressed || held == 0) {
      r.base = *read;
      r.delivered = 0;
    }
    ++it;
  }
  return cut;
}

}  // namespace intentq::broker
