#include "broker/handshake_watch.hpp"

#include <zmq.h>

#include <cstring>
#include <string_view>

#include <spdlog/spdlog.h>

namespace intentq::broker {
namespace {

constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

std::string endpoint_for(const void* self, size_t i) {
  return "inproc://intentq-handshakes-" + std::to_string(reinterpret_cast<uintptr_t>(self)) + "-" +
         std::to_string(i);
}

RefusedReason reason_of(uint16_t event, int32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
    if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) return RefusedReason::kNoKey;
    // The client's HELLO does not open with our secret key: it was made for another server key.
    if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC) return RefusedReason::kWrongServerKey;
  }
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && value == 400)
    return RefusedReason::kKeyNotAllowed;
  // The peer closed the connection mid-handshake (value: errno). Most often a peer without keys
  // that saw our CURVE greeting first.
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) return RefusedReason::kHungUp;
  return RefusedReason::kOther;
}

// What the reasons with a fixed text mean, in RefusedReason order (kNoKey .. kKeyNotAllowed).
constexpr std::array<std::string_view, 3> kExplanations{
    "the peer has no CURVE keys (or another mechanism)",
    "the peer's HELLO is not for our public key (it uses a wrong server key)",
    "the peer's key is not in the allow directory (ZAP 400; the ZAP line names it)"};

std::string explain(RefusedReason reason, uint16_t event, int32_t value) {
  if (reason == RefusedReason::kHungUp)
    return "the peer closed the connection during the handshake (" +
           std::string(std::strerror(value)) +
           "; most often a peer without CURVE keys, which sees our CURVE greeting and leaves)";
  if (const auto i = static_cast<size_t>(reason); i < kExplanations.size())
    return std::string(kExplanations[i]);
  char text[64];
  std::snprintf(text, sizeof text, "event 0x%x, value 0x%x", event, static_cast<unsigned>(value));
  return text;
}

}  // namespace

HandshakeWatch::HandshakeWatch(zmq::context_t& context, std::vector<Watched> sockets, int burst,
                               std::chrono::milliseconds interval, int other_events,
                               Forward forward)
    : sockets_(std::move(sockets)),
      stop_(context, endpoint_for(this, 1000)),
      counts_(sockets_.size()),
      interval_(interval),
      window_start_(std::chrono::steady_clock::now()),
      forward_(std::move(forward)) {
  budgets_.reserve(sockets_.size());
  for (size_t i = 0; i < sockets_.size(); ++i) {
    budgets_.emplace_back();
    for (auto& b : budgets_.back()) b = LogBudget(burst, interval);
  }
  for (auto& per_socket : counts_)
    for (auto& c : per_socket) c.store(0, std::memory_order_relaxed);
  for (size_t i = 0; i < sockets_.size(); ++i) {
    domains_.push_back(sockets_[i].domain);
    const auto endpoint = endpoint_for(this, i);
    if (zmq_socket_monitor(sockets_[i].socket->handle(), endpoint.c_str(),
                           kEvents | (forward_ ? other_events : 0)) != 0)
      throw std::runtime_error(std::string("cannot monitor the ") + sockets_[i].role +
                               " socket: " + zmq_strerror(zmq_errno()));
    events_.emplace_back(context, zmq::socket_type::pair);
    events_.back().set(zmq::sockopt::linger, 0);
    events_.back().connect(endpoint);
  }
  thread_ = std::thread([this] { run(); });
}

HandshakeWatch::~HandshakeWatch() {
  stop_.signal();
  if (thread_.joinable()) thread_.join();
  flush_summary();
  for (auto& w : sockets_)
    if (w.socket->handle()) zmq_socket_monitor(w.socket->handle(), nullptr, 0);
}

uint64_t HandshakeWatch::refused(const std::string& domain, RefusedReason reason) const {
  uint64_t total = 0;
  for (size_t i = 0; i < sockets_.size(); ++i)
    if (sockets_[i].domain == domain)
      total += counts_[i][static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  return total;
}

void HandshakeWatch::note(size_t i, uint16_t event, int32_t value, const std::string& endpoint) {
  const auto reason = reason_of(event, value);
  const auto r = static_cast<size_t>(reason);
  counts_[i][r].fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= interval_) flush_summary();
  auto& budget = budgets_[i][r];
  if (!budget.take(now)) return;  // counted as held back; the summary tells
  spdlog::warn("refused a CURVE handshake on {} ({}, domain '{}'): {}{}", sockets_[i].role,
               endpoint, sockets_[i].domain, explain(reason, event, value),
               budget.spent() ? "; further ones of this kind this minute are summed up" : "");
}

void HandshakeWatch::flush_summary() {
  std::string parts;
  uint64_t total = 0;
  for (size_t i = 0; i < sockets_.size(); ++i)
    for (size_t r = 0; r < kRefusedReasons; ++r) {
      const auto n = budgets_[i][r].take_suppressed();
      if (n == 0) continue;
      total += n;
      parts += (parts.empty() ? "" : ", ") + sockets_[i].domain + " " + kRefusedReasonNames[r] +
               " " + std::to_string(n);
    }
  if (total > 0)
    spdlog::warn("refused CURVE handshakes: {} more not logged in the last {} s ({})", total,
                 interval_.count() / 1000, parts);
  window_start_ = std::chrono::steady_clock::now();
}

void HandshakeWatch::run() {
  std::vector<zmq::pollitem_t> items;
  for (auto& s : events_) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
  items.push_back({stop_.receiver().handle(), 0, ZMQ_POLLIN, 0});
  zmq::message_t head, address;
  while (true) {
    // Wake at the end of the window too, so a summary is not held back until the next refusal.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        window_start_ + interval_ - std::chrono::steady_clock::now());
    try {
      zmq::poll(items.data(), items.size(), std::max(left, std::chrono::milliseconds(1)));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() != ETERM) spdlog::error("handshake watch stopped: {}", e.what());
      return;
    }
    if (items.back().revents & ZMQ_POLLIN) return;
    if (std::chrono::steady_clock::now() - window_start_ >= interval_) flush_summary();
    for (size_t i = 0; i < events_.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      while (events_[i].recv(head, zmq::recv_flags::dontwait)) {
        std::string endpoint;
        if (head.more() && events_[i].recv(address, zmq::recv_flags::dontwait))
          endpoint = address.to_string();
        if (head.size() < 6) continue;
        uint16_t event = 0;
        int32_t value = 0;
        std::memcpy(&event, head.data(), 2);
        std::memcpy(&value, static_cast<const char*>(head.data()) + 2, 4);
        if (event & kEvents)
          note(i, event, value, endpoint);
        else if (forward_)
          forward_(i, event, value);
      }
    }
  }
}

}  // namespace intentq::broker
