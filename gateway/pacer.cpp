#include "gateway/pacer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace intentq::gw {
namespace {
constexpr double kMaxBucket = 10;
constexpr auto kWindowSlack = std::chrono::milliseconds(100);
}  // namespace

Pacer::Pacer(double messages_per_second) : rate_(messages_per_second) {
  if (!(messages_per_second > 0) || !std::isfinite(messages_per_second))
    throw std::invalid_argument("max_messages_per_second must be a positive number");
  // The window is a little longer than IB's second: the gateway counts messages when it reads
  // them, and a gateway that reads one message late must still see at most `per_window_` in any
  // of its seconds.
  if (messages_per_second >= 1) {
    // A fractional rate rounds down (never more than `rate` messages in one second).
    per_window_ = static_cast<size_t>(std::floor(messages_per_second));
    window_ = std::chrono::seconds(1) + kWindowSlack;
  } else {
    per_window_ = 1;
    window_ = std::chrono::duration_cast<clock::duration>(
                  std::chrono::duration<double>(1.0 / messages_per_second)) +
              kWindowSlack;
  }
  capacity_ = std::min(kMaxBucket, static_cast<double>(per_window_));
  tokens_ = capacity_;
}

double Pacer::tokens_at(clock::time_point t) const {
  if (!last_) return capacity_;
  double elapsed = std::chrono::duration<double>(t - *last_).count();
  return std::min(capacity_, tokens_ + std::max(0.0, elapsed) * rate_);
}

Pacer::clock::time_point Pacer::earliest(clock::time_point now) const {
  auto at = now;
  // Window: the oldest of the last `per_window_` sends must have left it.
  if (sent_.size() >= per_window_) at = std::max(at, sent_.front() + window_);
  // Bucket: wait until one whole token has accumulated. Both rules only get easier with time,
  // so the later of the two times satisfies both.
  double tokens = tokens_at(at);
  if (tokens < 1) {
    auto wait = std::chrono::duration<double>((1 - tokens) / rate_);
    at += std::chrono::ceil<clock::duration>(wait);
  }
  return at;
}

void Pacer::record(clock::time_point at) {
  tokens_ = tokens_at(at) - 1;
  last_ = at;
  sent_.push_back(at);
  while (sent_.size() > per_window_) sent_.pop_front();
}

}  // namespace intentq::gw
