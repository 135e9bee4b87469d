#include "common/mdp_client.hpp"

#include <algorithm>
#include <thread>

namespace intentq::mdp {

using Clock = std::chrono::steady_clock;

Client::Client(zmq::context_t& context, std::string endpoint, ClientOptions options)
    : context_(&context), endpoint_(std::move(endpoint)), options_(std::move(options)) {
  open();
}

void Client::open() {
  socket_ = zmq::socket_t(*context_, zmq::socket_type::dealer);
  if (options_.curve) curve::apply_curve_client(socket_, *options_.curve);
  // Requests for a broker that is gone are worthless: drop them on close.
  socket_.set(zmq::sockopt::linger, 0);
  if (options_.unbounded_queues) {
    socket_.set(zmq::sockopt::sndhwm, 0);
    socket_.set(zmq::sockopt::rcvhwm, 0);
  }
  socket_.connect(endpoint_);
}

void Client::reconnect() {
  socket_.close();
  open();
}

void Client::send(std::string_view service, const std::vector<std::string>& body) {
  Frames frames;
  for (const auto& b : body) frames.push_back(frame(b));
  auto request = client_request(service, std::move(frames));
  if (send_frames(socket_, request, false) != SendResult::kOk)
    throw MdpError("cannot send a request to " + endpoint_);
}

void Client::send(std::string_view service, std::string_view body) {
  Frames frames;
  frames.push_back(frame(body));
  auto request = client_request(service, std::move(frames));
  if (send_frames(socket_, request, false) != SendResult::kOk)
    throw MdpError("cannot send a request to " + endpoint_);
}

bool Client::wait(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::max(timeout, std::chrono::milliseconds(0)));
  return item.revents & ZMQ_POLLIN;
}

bool Client::receive_frames(Frames& out) {
  return recv_frames(socket_, out);
}

std::optional<Reply> Client::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Frames frames;
  for (;;) {
    if (!receive_frames(frames)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return std::nullopt;
      wait(left);
      continue;
    }
    if (frames.size() < 3 || frames[0].size() != 0 || view(frames[1]) != kClient)
      throw MdpError("malformed client reply from " + endpoint_ + " (" +
                     std::to_string(frames.size()) + " frames)");
    Reply reply;
    reply.service = std::string(view(frames[2]));
    for (size_t i = 3; i < frames.size(); ++i) reply.body.emplace_back(view(frames[i]));
    return reply;
  }
}

namespace {

std::optional<std::vector<std::string>> try_once(
    Client& client, const std::string& service, const std::vector<std::string>& body,
    std::chrono::milliseconds timeout,
    const std::function<bool(const std::vector<std::string>&)>& accept) {
  client.send(service, body);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<Reply> reply;
    try {
      reply = client.receive(left);
    } catch (const MdpError&) {
      continue;  // not an answer to us
    }
    if (!reply) return std::nullopt;
    if (reply->service != service) continue;
    if (accept && !accept(reply->body)) continue;
    return std::move(reply->body);
  }
}

}  // namespace

std::optional<std::vector<std::string>> request_with_retries(
    zmq::context_t& context, const std::string& endpoint, const std::string& service,
    const std::vector<std::string>& body, const RetryPolicy& policy,
    const std::function<bool(const std::vector<std::string>&)>& accept,
    const std::function<void(int attempt)>& on_retry,
    const std::optional<curve::ClientKeys>& curve) {
  Client client(context, endpoint, ClientOptions{curve, false});
  auto backoff = policy.backoff;
  for (int attempt = 0; attempt <= policy.retries; ++attempt) {
    if (attempt > 0) {
      if (on_retry) on_retry(attempt);
      // Back off so a restarting broker gets time to come up; this is pacing, not syncing.
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, policy.backoff_max);
      client.reconnect();
    }
    if (auto reply = try_once(client, service, body, policy.timeout, accept)) return reply;
  }
  return std::nullopt;
}

}  // namespace intentq::mdp
