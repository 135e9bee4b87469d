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
    if (!read || *read < r.base) {  // not the connection we knew
      it = connections_.erase(it);
      continue;
    }
    uint64_t held = *read - r.base > r.delivered ? *read - r.base - r.delivered : 0;
    const bool progressed = r.messages != r.checked_at;
    r.checked_at = r.messages;
    if (held > limit_ && !progressed) {
      cut.push_back(it->first);
      ++cuts_;
      it = connections_.erase(it);
      continue;
    }
    // What `delivered` leaves out (CURVE boxes, ZMTP heartbeats) would add up over a long
    // connection: while whole messages arrive, the figure is kept at most half the limit, so
    // only bytes that arrived since the last message can take it over.
    if (progressed && held > limit_ / 2) r.base += held - limit_ / 2;
    ++it;
  }
  return cut;
}

}  // namespace intentq::broker
