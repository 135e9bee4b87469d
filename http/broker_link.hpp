// The HTTP front's two connections to the broker, on the front's io_context: one MDP client
// (a DEALER, common/mdp_client) for jobs and mmi.* requests, and one subscriber of the broker's
// results feed. ZeroMQ sockets join the Asio loop through their ZMQ_FD (readable when the
// socket's events may have changed; the socket is drained until ZMQ_EVENTS says nothing is left).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.hpp"
#include "common/curve_socket.hpp"

namespace intentq::http {

struct BrokerLinkOptions {
  std::string frontend = "tcp://127.0.0.1:5555";
  std::string publish = "tcp://127.0.0.1:5557";
  std::optional<curve::ClientKeys> curve;
};

class BrokerLink {
 public:
  // service: the reply's service frame; body: its body frames.
  using OnReply = std::function<void(std::string_view service, std::vector<std::string> body)>;
  using OnResult = std::function<void(std::string_view topic, std::string_view body)>;

  // Connects (ZeroMQ connects lazily: no broker needed yet). Throws on a bad endpoint.
  BrokerLink(asio::io_context& io, BrokerLinkOptions options, OnReply on_reply, OnResult on_result);
  ~BrokerLink();
  BrokerLink(const BrokerLink&) = delete;
  BrokerLink& operator=(const BrokerLink&) = delete;

  // Queues a request without blocking. false: the broker cannot take it now (no connection to
  // it: never made, or its CURVE handshake refused); the caller answers 503 at once. (A DEALER
  // with no peer blocks a plain send: the front's one thread would hang.)
  bool send(std::string_view service, std::string_view body);

  uint64_t malformed_replies() const;
  // Reads whatever is waiting on both sockets. The front calls it on a timer as a safety net:
  // a lost ZMQ_FD edge then costs at most one tick, never a stalled feed.
  void poll();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace intentq::http
