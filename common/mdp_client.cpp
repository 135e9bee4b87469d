#include "common/mdp_client.hpp"

#include <algorithm>
#include <thread>

namespace intentq::mdp {

using Clock = std::chrono::steady_clock;

Client::Client(zmq::context_t& context, std::string endpoint, ClientOptions options)
    : context_(&context), endpoint_(std::move(endpoint)), options_(std::move(options)) {
  open();
}

namespace {
bool watchable(const std::string& endpoint) {
  return endpoint.starts_with("tcp://") || endpoint.starts_with("ipc://");
}
}  // namespace

void Client::open() {
  socket_ = zmq::socket_t(*context_, zmq::socket_type::dealer);
  if (options_.watch_link && watchable(endpoint_))
    watch_ = std::make_unique<ConnectionWatch>(*context_, socket_);
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
  if (watch_) {
    watch_->update(link_);
    watch_.reset();
  }
  socket_.close();
  // The fresh socket is not up until its own handshake; a link that was up counts as down from
  // now, one that never came up keeps counting from when it started trying.
  if (link_.up) {
    link_.up = false;
    link_.down_since = LinkStatus::Clock::now();
  }
  open();
}

std::optional<LinkStatus> Client::link() {
  if (!watch_) return std::nullopt;
  watch_->update(link_);
  return link_;
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

// How often a waiting try looks at the link: a refused handshake ends the wait this soon.
constexpr std::chrono::milliseconds kLinkCheck{50};

enum class TryEnd { kReply, kSilence, kHopeless };

TryEnd try_once(Client& client, const std::string& service, const std::vector<std::string>& body,
                std::chrono::milliseconds timeout, std::chrono::milliseconds unconnected_limit,
                const std::function<bool(const std::vector<std::string>&)>& accept,
                std::vector<std::string>& out, LinkStatus* link_out) {
  client.send(service, body);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    // The link first: a try that ends just as the link has been down for `unconnected_limit`
    // ends the request rather than announcing a resend that would give up at once.
    std::optional<LinkStatus> link = client.link();
    if (link) {
      if (link_out) *link_out = *link;
      // Retrying cannot fix a refused handshake, and a link down this long is no restart.
      if (link->hopeless() || (!link->up && link->down_for() >= unconnected_limit))
        return TryEnd::kHopeless;
    }
    const auto now = Clock::now();
    if (now >= deadline) return TryEnd::kSilence;
    // Rounded up: a wait rounded down to 0 ms would end the try just before its deadline.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (link) left = std::min(left, kLinkCheck);
    std::optional<Reply> reply;
    try {
      reply = client.receive(left);
    } catch (const MdpError&) {
      continue;  // not an answer to us
    }
    if (!reply) continue;  // the loop's head ends the try when its time is up
    if (reply->service != service) continue;
    if (accept && !accept(reply->body)) continue;
    out = std::move(reply->body);
    return TryEnd::kReply;
  }
}

}  // namespace

std::optional<std::vector<std::string>> request_with_retries(
    zmq::context_t& context, const std::string& endpoint, const std::string& service,
    const std::vector<std::string>& body, const RetryPolicy& policy,
    const std::function<bool(const std::vector<std::string>&)>& accept,
    const std::function<void(int attempt)>& on_retry, const std::optional<curve::ClientKeys>& curve,
    LinkStatus* link) {
  Client client(context, endpoint, ClientOptions{curve, false});
  const auto start = Clock::now();
  auto backoff = policy.backoff;
  std::vector<std::string> reply;
  for (int attempt = 0; attempt <= policy.retries; ++attempt) {
    if (attempt > 0) {
      // A link down for connect_timeout by now (the try just missed the moment): give up rather
      // than announce a resend that would end at once.
      if (auto now = client.link()) {
        if (link) *link = *now;
        if (now->hopeless() || (!now->up && now->down_for() >= policy.connect_timeout))
          return std::nullopt;
      }
      if (on_retry) on_retry(attempt);
      // Back off so a restarting broker gets time to come up; this is pacing, not syncing.
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, policy.backoff_max);
      client.reconnect();
    }
    auto wait = policy.timeout;
    if (attempt == policy.retries)
      wait = std::max(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                start + policy.budget - Clock::now()));
    switch (try_once(client, service, body, wait, policy.connect_timeout, accept, reply, link)) {
      case TryEnd::kReply:
        if (auto now = client.link(); now && link) *link = *now;
        return reply;
      case TryEnd::kHopeless:
        return std::nullopt;
      case TryEnd::kSilence:
        break;
    }
  }
  if (auto now = client.link(); now && link) *link = *now;
  return std::nullopt;
}

}  // namespace intentq::mdp
