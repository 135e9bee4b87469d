// What subscribers may make the broker hold on the publish socket (issue 16). libzmq's XPUB
// keeps every subscribed topic in a trie that costs 32-94 times the topic's length, and a PUB
// socket gives the application no say. The broker binds an XPUB with ZMQ_XPUB_VERBOSER, so it
// sees every subscription and unsubscription with the descriptor of the connection that sent it
// (broker/peer_socket.hpp), and this guard decides which connection must be cut:
//
// - a subscription longer than max_topic_bytes (libzmq itself cuts a connection whose frame is
//   over ZMQ_MAXMSGSIZE, set just above it, before buffering it);
// - a connection holding more than max_topics distinct topics;
// - a connection past max_subscribers open at once.
//
// Pure bookkeeping (no sockets), driven by broker/server.cpp and tested in
// tests/unit/broker_bounds_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace intentq::broker {

struct SubscriberLimits {
  size_t max_topic_bytes = 128;
  size_t max_topics = 32;
  size_t max_subscribers = 64;
};

class SubscriberGuard {
 public:
  enum class Verdict { kOk, kTooLong, kTooManyTopics, kTooManySubscribers };

  explicit SubscriberGuard(SubscriberLimits limits) : limits_(limits) {}

  // A connection to the publish socket was accepted (socket monitor); kTooManySubscribers when
  // it is one too many.
  Verdict on_connected(int fd);
  // It closed (or was cut): its topics are forgotten (libzmq drops them from its trie too).
  void on_disconnected(int fd);
  // A subscription (`subscribe`) or unsubscription of `topic` from connection `fd` (-1: unknown,
  // e.g. the unsubscriptions libzmq reports for a connection that closed). Anything but kOk means
  // the connection must be cut; its topics are forgotten at once.
  Verdict on_subscription(int fd, bool subscribe, std::string_view topic);

  bool anyone_subscribed() const { return topics_ > 0 || unattributed_ > 0; }
  // Calls fn(fd) for each known connection with a subscription that is a prefix of `topic` (the
  // connections libzmq sends a message with that first frame to).
  template <typename Fn>
  void for_each_matching(std::string_view topic, Fn&& fn) const {
    for (const auto& [fd, topics] : connections_)
      for (const auto& t : topics)
        if (topic.substr(0, t.size()) == t) {
          fn(fd);
          break;
        }
  }
  size_t subscribers() const { return connections_.size(); }
  size_t topics() const { return topics_; }
  uint64_t refused() const { return refused_; }  // connections cut, all reasons

 private:
  void forget(int fd);

  SubscriberLimits limits_;
  std::unordered_map<int, std::set<std::string, std::less<>>> connections_;
  // Connections already cut whose close the monitor has not reported yet: what libzmq had
  // already queued from them is ignored (and not counted as another cut).
  std::unordered_set<int> cut_;
  size_t topics_ = 0;        // topics held by known connections, summed
  size_t unattributed_ = 0;  // subscriptions without a descriptor (inproc)
  uint64_t refused_ = 0;
};

}  // namespace intentq::broker
