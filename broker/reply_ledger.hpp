// Bytes of replies a client has not read yet (issue 16). The frontend ROUTER queues up to
// ZMQ_SNDHWM *messages* per client, whatever their size: a client that sends requests and never
// reads can pin gigabytes of replies (3,000 unread mmi.stats replies took a broker to 1.3 GiB).
// libzmq reports no per-peer byte figures, so the broker keeps its own: per client, the bytes it
// handed to libzmq, minus the bytes the kernel has since taken from that connection (TCP_INFO
// bytes acknowledged plus the kernel's send queue, read through the connection's descriptor;
// broker/peer_socket.hpp). The difference is what libzmq holds for the client.
//
// Policy: a client over its own budget, or the largest holder when all clients together are over
// the total, is disconnected (its queued replies are freed with the connection; a resubmission
// with the same id finds the answer in the dedup cache). The kernel is asked only when the
// cheap upper bound (nothing read since the last look) crosses a budget.
//
// Connections whose descriptor is not TCP (ipc, inproc) are not accounted. Pure bookkeeping with
// an injectable probe, tested in tests/unit/broker_bounds_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace intentq::broker {

class ReplyLedger {
 public:
  // Bytes the kernel has taken from the connection so far (broker/peer_socket.hpp kernel_taken).
  using Probe = std::function<std::optional<uint64_t>(int fd)>;

  ReplyLedger(size_t per_client, size_t total, Probe probe);

  // A message from `client` arrived on connection `fd` (-1: unknown).
  void on_message(const std::string& client, int fd);
  // The connection closed (socket monitor): forget whoever used it.
  void on_disconnected(int fd);

  struct Decision {
    bool send = true;
    std::vector<int> cut;  // connections to cut (the client's own when send is false)
  };
  // About to hand `bytes` for `client` to libzmq. When the send is allowed it is counted.
  Decision before_send(const std::string& client, size_t bytes);

  size_t clients() const { return clients_.size(); }
  uint64_t held_upper_bound() const { return stale_total_; }  // sum of the cheap upper bounds
  uint64_t cut_count() const { return cuts_; }

 private:
  struct Record {
    int fd = -1;
    uint64_t sent = 0;   // bytes handed to libzmq
    uint64_t base = 0;   // kernel bytes at the first look (greeting, handshake)
    uint64_t taken = 0;  // kernel bytes since base, at the last look
    uint64_t held() const { return sent - taken; }  // an upper bound until refreshed
  };
  // Asks the kernel; false when it gave no figure this time (the record keeps its last one).
  bool refresh(Record& r);
  void erase(const std::string& client);

  size_t per_client_, total_;
  Probe probe_;
  std::unordered_map<std::string, Record> clients_;
  std::unordered_map<int, std::string> by_fd_;
  uint64_t stale_total_ = 0;  // sum of held() over the records
  uint64_t cuts_ = 0;
};

}  // namespace intentq::broker
