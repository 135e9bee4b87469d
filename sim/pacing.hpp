// IB's API pacing rule as the simulator enforces it. Pure (time is passed in) so unit tests can
// drive it.
//
// - Combined (the default, what a real gateway does since it has one budget per login): at most
//   `limit` served messages per sliding one-second window over ALL connections. A message over
//   the budget is refused (error 100) and dropped; it does not use the budget. Each refusal is a
//   violation of the connection that sent it; a connection with more than `close_after`
//   violations within one window is disconnected ("sustained violation").
// - Per connection (the old rule, `--pacing per-connection`): `limit` messages per sliding
//   second per client, refused ones counted too; a client that keeps sending at twice the limit
//   is disconnected.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string_view>

namespace intentq::sim {

enum class PacingMode { kCombined, kPerConnection, kOff };
inline std::optional<PacingMode> pacing_mode_from_string(std::string_view name) {
  if (name == "combined") return PacingMode::kCombined;
  if (name == "per-connection") return PacingMode::kPerConnection;
  if (name == "off") return PacingMode::kOff;
  return std::nullopt;
}

using PacingClock = std::chrono::steady_clock;

enum class PacingVerdict {
  kOk,          // serve the message
  kExceeded,    // refuse it with error 100
  kDisconnect,  // refuse it with error 100 and close the connection
};
struct PacingResult {
  PacingVerdict verdict;
  int received;  // messages in the window, this one included (the "rec=" of error 100)
};

// Timestamps of the last window; the oldest leave as time passes.
class SlidingWindow {
 public:
  explicit SlidingWindow(PacingClock::duration window = std::chrono::seconds(1))
      : window_(window) {}
  // Forgets what left the window at `now` (monotonic, non-decreasing) and returns the count.
  int count(PacingClock::time_point now) {
    while (!times_.empty() && now - times_.front() >= window_) times_.pop_front();
    return static_cast<int>(times_.size());
  }
  void add(PacingClock::time_point now) { times_.push_back(now); }

 private:
  PacingClock::duration window_;
  std::deque<PacingClock::time_point> times_;
};

// The per-connection rule.
class PacingMeter {
 public:
  explicit PacingMeter(int limit = 50, PacingClock::duration window = std::chrono::seconds(1))
      : limit_(limit), arrivals_(window) {}

  PacingResult on_message(PacingClock::time_point now) {
    arrivals_.count(now);
    arrivals_.add(now);
    int n = arrivals_.count(now);
    if (n > 2 * limit_) return {PacingVerdict::kDisconnect, n};
    if (n > limit_) return {PacingVerdict::kExceeded, n};
    return {PacingVerdict::kOk, n};
  }
  int limit() const { return limit_; }

 private:
  int limit_;
  SlidingWindow arrivals_;  // every message of the last window, refused ones too
};

// The combined rule: one budget shared by every connection; violations are judged per
// connection (each holds a Violations of its own).
class CombinedPacing {
 public:
  struct Violations {
    SlidingWindow window;
  };

  CombinedPacing(int limit, int close_after, PacingClock::duration window = std::chrono::seconds(1))
      : limit_(limit), close_after_(close_after), served_(window) {}

  PacingResult on_message(Violations& client, PacingClock::time_point now) {
    int served = served_.count(now);
    if (served < limit_) {
      served_.add(now);
      return {PacingVerdict::kOk, served + 1};
    }
    client.window.count(now);
    client.window.add(now);
    bool sustained = client.window.count(now) > close_after_;
    return {sustained ? PacingVerdict::kDisconnect : PacingVerdict::kExceeded, served + 1};
  }
  int limit() const { return limit_; }
  int close_after() const { return close_after_; }

 private:
  int limit_;
  int close_after_;
  SlidingWindow served_;  // messages served in the last window, all connections
};

}  // namespace intentq::sim
