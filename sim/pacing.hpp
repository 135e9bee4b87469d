// IB's API pacing rule as the simulator enforces it: at most `limit` messages per sliding
// one-second window per client. Over the limit a message is refused (error 100); a client that
// keeps sending at twice the limit is disconnected, as a real gateway does on sustained abuse.
#pragma once

#include <chrono>
#include <deque>

namespace intentq::sim {

class PacingMeter {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Verdict {
    kOk,          // serve the message
    kExceeded,    // refuse it with error 100
    kDisconnect,  // refuse it with error 100 and close the connection
  };
  struct Result {
    Verdict verdict;
    int received;  // messages in the window, this one included (the "rec=" of error 100)
  };

  explicit PacingMeter(int limit = 50, Clock::duration window = std::chrono::seconds(1))
      : limit_(limit), window_(window) {}

  // Records one message that arrived at `now` (monotonic, non-decreasing) and judges it.
  Result on_message(Clock::time_point now) {
    while (!arrivals_.empty() && now - arrivals_.front() >= window_) arrivals_.pop_front();
    arrivals_.push_back(now);
    int n = static_cast<int>(arrivals_.size());
    if (n > 2 * limit_) return {Verdict::kDisconnect, n};
    if (n > limit_) return {Verdict::kExceeded, n};
    return {Verdict::kOk, n};
  }

  int limit() const { return limit_; }

 private:
  int limit_;
  Clock::duration window_;
  std::deque<Clock::time_point> arrivals_;  // every message of the last window, refused ones too
};

}  // namespace intentq::sim
