#include "http/broker_link.hpp"

#include <spdlog/spdlog.h>

#include "common/mdp.hpp"
#include "common/mdp_client.hpp"
#include "common/mdp_frames.hpp"

namespace intentq::http {

struct BrokerLink::Impl {
  Impl(asio::io_context& io, BrokerLinkOptions o, OnReply r, OnResult p)
      : options(std::move(o)),
        on_reply(std::move(r)),
        on_result(std::move(p)),
        context(1),
        client(context, options.frontend, {.curve = options.curve, .unbounded_queues = true}),
        subscriber(context, zmq::socket_type::sub),
        client_fd(io),
        subscriber_fd(io) {
    subscriber.set(zmq::sockopt::linger, 0);
    if (options.curve) curve::apply_curve_client(subscriber, *options.curve);
    subscriber.set(zmq::sockopt::subscribe, "result.");
    subscriber.connect(options.publish);
    client_fd.assign(client.socket().get(zmq::sockopt::fd));
    subscriber_fd.assign(subscriber.get(zmq::sockopt::fd));
    arm(client_fd, &Impl::drain_client);
    arm(subscriber_fd, &Impl::drain_subscriber);
  }
  ~Impl() {
    // The descriptors belong to ZeroMQ: Asio must not close them.
    client_fd.release();
    subscriber_fd.release();
  }

  // ZMQ_FD is edge-triggered and shared with libzmq's own command mailbox: a recv can consume
  // the signal of a message that arrives meanwhile. So a drain ends only when ZMQ_EVENTS says
  // nothing is readable (libzmq's documented rule); stopping at the first EAGAIN stalled the
  // results feed for good under load (no new edge comes while the pipe is not empty).
  static bool readable(zmq::socket_t& socket) {
    return (socket.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
  }
  void drain_client() {
    mdp::Frames frames;
    do {
      while (client.receive_frames(frames)) {
        if (frames.size() < 3 || frames[0].size() != 0 || mdp::view(frames[1]) != mdp::kClient) {
          ++malformed;
          continue;
        }
        std::vector<std::string> body;
        for (size_t i = 3; i < frames.size(); ++i) body.emplace_back(mdp::view(frames[i]));
        on_reply(mdp::view(frames[2]), std::move(body));
      }
    } while (readable(client.socket()));
  }
  void drain_subscriber() {
    mdp::Frames frames;
    do {
      while (mdp::recv_frames(subscriber, frames)) {
        if (frames.size() != 2) continue;  // not [topic, body]
        on_result(mdp::view(frames[0]), mdp::view(frames[1]));
      }
    } while (readable(subscriber));
  }
  // Calls drain() whenever ZeroMQ's descriptor `fd` signals (ZeroMQ sockets are edge-triggered:
  // drain reads until nothing is left), until the descriptor is cancelled.
  void arm(asio::posix::stream_descriptor& fd, void (Impl::*drain)()) {
    fd.async_wait(asio::posix::descriptor_base::wait_read,
                  [this, &fd, drain](boost::system::error_code ec) {
                    if (ec) return;
                    (this->*drain)();
                    arm(fd, drain);
                  });
  }

  BrokerLinkOptions options;
  OnReply on_reply;
  OnResult on_result;
  zmq::context_t context;
  mdp::Client client;
  zmq::socket_t subscriber;
  asio::posix::stream_descriptor client_fd;
  asio::posix::stream_descriptor subscriber_fd;
  bool drain_posted = false;
  uint64_t malformed = 0;
};

BrokerLink::BrokerLink(asio::io_context& io, BrokerLinkOptions options, OnReply on_reply,
                       OnResult on_result)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(on_reply),
                                   std::move(on_result))) {}

BrokerLink::~BrokerLink() = default;

bool BrokerLink::send(std::string_view service, std::string_view body) {
  mdp::Frames frames;
  frames.push_back(mdp::frame(body));
  auto request = mdp::client_request(service, std::move(frames));
  if (mdp::send_frames(impl_->client.socket(), request, true) != mdp::SendResult::kOk) return false;
  // Sending can consume the edge ZMQ_FD would signal for a reply that is already waiting: look
  // once more from the loop (once per batch of sends).
  if (!impl_->drain_posted) {
    impl_->drain_posted = true;
    asio::post(impl_->client_fd.get_executor(), [impl = impl_.get()] {
      impl->drain_posted = false;
      impl->drain_client();
    });
  }
  return true;
}

uint64_t BrokerLink::malformed_replies() const {
  return impl_->malformed;
}

void BrokerLink::poll() {
  impl_->drain_client();
  impl_->drain_subscriber();
}

}  // namespace intentq::http
