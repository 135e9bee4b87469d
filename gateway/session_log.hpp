// Rate limit for log lines a peer can trigger at will (a gateway flooding unmatched error
// messages wrote 1.9 M warning lines in 8 s): at most `burst` lines per `period`; the rest are
// counted and reported in one line when the next period lets a line through.
#pragma once

#include <chrono>
#include <cstdint>

namespace intentq::gw {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogLimiter(uint32_t burst = 10, Clock::duration period = std::chrono::seconds(1))
      : burst_(burst), period_(period) {}

  // True if a line may be written now. `suppressed` receives the number of lines swallowed since
  // the last line that was let through (0 usually), for a "(N similar lines suppressed)" suffix.
  bool allow(Clock::time_point now, uint64_t& suppressed) {
    if (now - window_start_ >= period_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ < burst_) {
      ++in_window_;
      suppressed = suppressed_;
      suppressed_ = 0;
      return true;
    }
    ++suppressed_;
    ++total_suppressed_;
    return false;
  }
  uint64_t total_suppressed() const { return total_suppressed_; }

 private:
  uint32_t burst_;
  Clock::duration period_;
  Clock::time_point window_start_{};
  uint32_t in_window_ = 0;
  uint64_t suppressed_ = 0;
  uint64_t total_suppressed_ = 0;
};

}  // namespace intentq::gw
