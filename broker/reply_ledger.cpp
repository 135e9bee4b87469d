#include "broker/reply_ledger.hpp"

#include <algorithm>

namespace intentq::broker {

ReplyLedger::ReplyLedger(size_t per_client, size_t total, Probe probe)
    : per_client_(per_client), total_(total), probe_(std::move(probe)) {}

void ReplyLedger::on_message(const std::string& client, int fd) {
  auto it = clients_.find(client);
  if (it != clients_.end() && it->second.fd == fd) return;
  if (it != clients_.end()) erase(client);  // same routing id on a new connection
  if (fd < 0) return;
  if (auto other = by_fd_.find(fd); other != by_fd_.end()) erase(other->second);  // reused fd
  Record r;
  r.fd = fd;
  const auto taken = probe_(fd);
  if (!taken) return;  // not TCP: not accounted
  r.base = *taken;
  clients_.emplace(client, r);
  by_fd_[fd] = client;
}

void ReplyLedger::on_disconnected(int fd) {
  if (auto it = by_fd_.find(fd); it != by_fd_.end()) erase(it->second);
}

void ReplyLedger::erase(const std::string& client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  stale_total_ -= it->second.held();
  if (auto f = by_fd_.find(it->second.fd); f != by_fd_.end() && f->second == client)
    by_fd_.erase(f);
  clients_.erase(it);
}

bool ReplyLedger::refresh(Record& r) {
  const auto now = probe_(r.fd);
  // No figure, or one below what was known, is not a sign of another connection (a reused
  // descriptor is seen by on_message or on_disconnected first): the kernel's two figures come
  // from two calls and can dip while data moves, and a probe can fail for a moment. What the
  // kernel took never shrinks, so the last figure stands; the client stays accounted (giving
  // up accounting on a dip let one client's unread replies grow without bound).
  if (!now) return false;
  if (*now < r.base + r.taken) return true;
  stale_total_ -= r.held();
  r.taken = *now - r.base;
  // Our count of bytes sent leaves out protocol overhead (frame headers over 2 bytes, CURVE
  // boxes), so the kernel may have taken more than we counted: that means everything was taken.
  if (r.taken > r.sent) {
    r.base += r.taken - r.sent;
    r.taken = r.sent;
  }
  stale_total_ += r.held();
  return true;
}

ReplyLedger::Decision ReplyLedger::before_send(const std::string& client, size_t bytes) {
  Decision d;
  auto it = clients_.find(client);
  if (it == clients_.end()) return d;
  Record& r = it->second;
  if (r.held() + bytes > per_client_ && refresh(r) && r.held() + bytes > per_client_) {
    d.send = false;
    d.cut.push_back(r.fd);
    ++cuts_;
    erase(client);
    return d;
  }
  if (stale_total_ + bytes > total_) {
    for (auto& [name, other] : clients_) refresh(other);
    while (stale_total_ + bytes > total_) {
      // Cut the largest holder (possibly this client) until the reply fits the total.
      auto largest = std::max_element(clients_.begin(), clients_.end(), [](auto& a, auto& b) {
        return a.second.held() < b.second.held();
      });
      if (largest == clients_.end() || largest->second.held() == 0) break;
      d.cut.push_back(largest->second.fd);
      ++cuts_;
      const bool self = largest->first == client;
      erase(largest->first);
      if (self) {
        d.send = false;
        return d;
      }
    }
    it = clients_.find(client);
    if (it == clients_.end()) return d;
  }
  it->second.sent += bytes;
  stale_total_ += bytes;
  return d;
}

}  // namespace intentq::broker
