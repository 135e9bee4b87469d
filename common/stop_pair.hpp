// How the owner of a thread that polls ZeroMQ sockets tells it to stop: a connected pair of inproc
// PAIR sockets. The thread polls receiver() with its other sockets; the owner's destructor calls
// signal() and joins the thread.
#pragma once

#include <string>

#include <zmq.hpp>

namespace intentq {

class StopPair {
 public:
  StopPair(zmq::context_t& context, const std::string& endpoint)
      : send_(context, zmq::socket_type::pair), recv_(context, zmq::socket_type::pair) {
    for (auto* s : {&send_, &recv_}) s->set(zmq::sockopt::linger, 0);
    recv_.bind(endpoint);
    send_.connect(endpoint);
  }

  zmq::socket_t& receiver() { return recv_; }

  void signal() noexcept {
    try {
      send_.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
    }
  }

 private:
  zmq::socket_t send_;  // the owner's
  zmq::socket_t recv_;  // the thread's
};

}  // namespace intentq
