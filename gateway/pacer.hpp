// Outgoing message pacing for one TWS API connection.
//
// IB allows 50 messages per second from a client and answers a faster client with error 100 (and
// then disconnects it). Two rules together keep the session under `rate` messages per second:
// - a sliding window: at most floor(rate) messages in any 1.1 s window (rates below 1/s: one
//   message per 1/rate + 0.1 seconds); the extra 100 ms absorb the gateway reading late;
// - a token bucket of at most 10 tokens refilled at `rate`: a job's first few requests leave at
//   once, a longer stream is spread evenly (1/rate apart) instead of in window-sized bursts. The
//   gateway counts messages when it reads them, so a burst of 45 followed one second later by the
//   next 45 can land inside one of its windows when it is slow to read; an even stream cannot.
// The pacer only does arithmetic on time points; the session's writer asks it when the next
// message may go and waits on an asio timer until then, so nothing ever blocks the thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace intentq::gw {

class Pacer {
 public:
  using clock = std::chrono::steady_clock;

  // Throws std::invalid_argument unless `messages_per_second` > 0.
  explicit Pacer(double messages_per_second);

  // The earliest time at or after `now` at which one more message may be sent.
  clock::time_point earliest(clock::time_point now) const;
  // Records that a message was sent at `at` (call it with a time >= earliest()).
  void record(clock::time_point at);

  size_t per_window() const { return per_window_; }
  clock::duration window() const { return window_; }
  double bucket_capacity() const { return capacity_; }

 private:
  double tokens_at(clock::time_point t) const;

  double rate_;
  size_t per_window_;
  clock::duration window_;
  std::deque<clock::time_point> sent_;  // the last `per_window_` send times, oldest first
  double capacity_;
  double tokens_;                          // as of last_
  std::optional<clock::time_point> last_;  // the last send
};

}  // namespace intentq::gw
