#include "cli/lazy_pirate.hpp"

#include <algorithm>
#include <thread>

#include "common/mdp.hpp"

namespace intentq::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<std::vector<std::string>> try_once(
    zmq::context_t& context, const std::string& endpoint, const std::string& service,
    const std::vector<std::string>& body, std::chrono::milliseconds timeout,
    const std::function<bool(const std::vector<std::string>&)>& accept,
    const curve::ClientKeys* curve) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  if (curve) curve::apply_curve_client(socket, *curve);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(endpoint);

  std::vector<std::string> out{"", std::string(mdp::kClient), service};
  out.insert(out.end(), body.begin(), body.end());
  for (size_t i = 0; i < out.size(); ++i) {
    auto flags = i + 1 < out.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    socket.send(zmq::buffer(out[i]), flags);
  }

  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
    if (!(item.revents & ZMQ_POLLIN)) continue;
    std::vector<std::string> frames;
    zmq::message_t part;
    do {
      if (!socket.recv(part, zmq::recv_flags::dontwait)) break;
      frames.emplace_back(part.to_string());
    } while (part.more());
    // ["", "MDPC01", service, body...]; anything else is not an answer to us.
    if (frames.size() < 3 || !frames[0].empty() || frames[1] != mdp::kClient ||
        frames[2] != service)
      continue;
    std::vector<std::string> reply_body(frames.begin() + 3, frames.end());
    if (accept && !accept(reply_body)) continue;
    return reply_body;
  }
}

}  // namespace

std::optional<std::vector<std::string>> request_with_retries(
    zmq::context_t& context, const std::string& endpoint, const std::string& service,
    const std::vector<std::string>& body, const RetryPolicy& policy,
    const std::function<bool(const std::vector<std::string>&)>& accept,
    const std::function<void(int attempt)>& on_retry, const curve::ClientKeys* curve) {
  auto backoff = policy.backoff;
  for (int attempt = 0; attempt <= policy.retries; ++attempt) {
    if (attempt > 0) {
      if (on_retry) on_retry(attempt);
      // Back off so a restarting broker gets time to come up; this is pacing, not syncing.
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, policy.backoff_max);
    }
    if (auto reply = try_once(context, endpoint, service, body, policy.timeout, accept, curve))
      return reply;
  }
  return std::nullopt;
}

}  // namespace intentq::cli
