// A rate limit for warnings a peer can trigger at will (refused handshakes, denied keys): at most
// `burst` lines per `interval`, the rest counted, so a flood of hostile connections cannot fill
// the log or the disk while every event is still counted (in metrics) and the suppressed lines
// are summed up in the next line that is written.
#pragma once

#include <chrono>
#include <cstdint>

namespace intentq {

class LogBudget {
 public:
  using Clock = std::chrono::steady_clock;
  LogBudget(int burst, std::chrono::milliseconds interval) : burst_(burst), interval_(interval) {}
  LogBudget() : LogBudget(10, std::chrono::seconds(60)) {}

  // True when a line may be written now (the window's budget is not spent); otherwise counts the
  // line as suppressed.
  bool take(Clock::time_point now = Clock::now()) {
    if (now - window_start_ >= interval_) {
      window_start_ = now;
      used_ = 0;
    }
    if (used_ < burst_) {
      ++used_;
      return true;
    }
    ++suppressed_;
    return false;
  }
  // The lines suppressed since the last call (and resets the count): for "... (N more
  // suppressed)" in the next line written.
  uint64_t take_suppressed() {
    const auto n = suppressed_;
    suppressed_ = 0;
    return n;
  }
  // True when this take() used the window's last line: say so in it ("further ... are summed up").
  bool spent() const { return used_ >= burst_; }

 private:
  int burst_;
  std::chrono::milliseconds interval_;
  Clock::time_point window_start_{};
  int used_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace intentq
