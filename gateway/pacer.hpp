// Outgoing message pacing for one TWS API connection.
//
// IB allows 50 messages per second from a client and answers a faster client with error 100 (and
// then disconnects it). The pacer is a sliding window: at most floor(rate) messages in any 1 s
// window (rates below 1/s: one message per 1/rate seconds). It only does arithmetic on
// time points; the session's writer asks it when the next message may go and waits on an asio
// timer until then, so nothing ever blocks the thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

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

  size_t burst() const { return burst_; }
  clock::duration window() const { return window_; }

 private:
  size_t burst_;
  clock::duration window_;
  std::deque<clock::time_point> sent_;  // the last `burst_` send times, oldest first
};

}  // namespace intentq::gw
