#include "gateway/pacer.hpp"

#include <cmath>
#include <stdexcept>

namespace intentq::gw {

Pacer::Pacer(double messages_per_second) {
  if (!(messages_per_second > 0) || !std::isfinite(messages_per_second))
    throw std::invalid_argument("max_messages_per_second must be a positive number");
  if (messages_per_second >= 1) {
    // IB counts messages per second, so the window stays 1 s and a fractional rate rounds down
    // (a longer window would allow two bursts inside one second).
    burst_ = static_cast<size_t>(std::floor(messages_per_second));
    window_ = std::chrono::seconds(1);
  } else {
    burst_ = 1;
    window_ = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(1.0 / messages_per_second));
  }
}

Pacer::clock::time_point Pacer::earliest(clock::time_point now) const {
  if (sent_.size() < burst_) return now;
  // The oldest of the last `burst_` sends must leave the window before another may go.
  auto free_at = sent_.front() + window_;
  return free_at > now ? free_at : now;
}

void Pacer::record(clock::time_point at) {
  sent_.push_back(at);
  while (sent_.size() > burst_) sent_.pop_front();
}

}  // namespace intentq::gw
