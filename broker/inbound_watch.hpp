// Bytes a peer has sent that the broker has not received as whole messages (issue 16). libzmq
// hands a multipart message to the application only once its last frame is in, and it bounds
// a connection's inbound queue in whole messages (ZMQ_RCVHWM) and each frame in bytes
// (ZMQ_MAXMSGSIZE), never the frames of an unfinished message: one multipart message whose
// frames all carry MORE grows in the broker without bound (1.5 GB in plain mode before this).
//
// Per connection (its descriptor, from the socket monitor) the watch compares what libzmq has
// read from the kernel (TCP_INFO bytes received minus the kernel's unread queue,
// broker/peer_socket.hpp) with what the broker received from that connection. A connection
// holding more than `limit` bytes in libzmq, with no whole message delivered since the previous
// check, is to be cut: one message in flight is at most a few frames of --max-message-bytes and
// whole messages are read within a poll round, so only an unfinished message stays there. The
// count starts afresh at each check that saw whole messages arrive.
//
// Pure bookkeeping with an injectable probe (tested in tests/unit/broker_bounds_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace intentq::broker {

class InboundWatch {
 public:
  // Bytes libzmq has read from connection `fd` so far (broker/peer_socket.hpp kernel_read);
  // nullopt when `fd` is not a TCP connection.
  using Probe = std::function<std::optional<uint64_t>(int fd)>;

  InboundWatch(size_t limit, Probe probe) : limit_(limit), probe_(std::move(probe)) {}

  // A connection was accepted / closed (socket monitor).
  void on_connected(int fd);
  void on_disconnected(int fd) { connections_.erase(fd); }
  // A whole message of `bytes` arrived from connection `fd` (its frames as ZMTP writes them in
  // plain mode: payload and header; broker/server.cpp wire_bytes).
  void on_delivered(int fd, size_t bytes);
  // The connections to cut now (they are forgotten here).
  std::vector<int> check();

  size_t connections() const { return connections_.size(); }
  uint64_t cut_count() const { return cuts_; }

 private:
  struct Record {
    uint64_t base = 0;        // read from the kernel at the last fresh start
    uint64_t delivered = 0;   // bytes of whole messages received since
    uint64_t messages = 0;    // whole messages received since
    uint64_t checked_at = 0;  // `messages` at the previous check
  };
  size_t limit_;
  Probe probe_;
  std::unordered_map<int, Record> connections_;
  uint64_t cuts_ = 0;
};

}  // namespace intentq::broker
