// A bounded wait on a condition another process makes true (a counter reached, a series
// published): polled, never a sleep standing in for synchronisation.
#pragma once

#include <chrono>
#include <thread>

namespace intentq::test {

// Polls `done` every `poll` until it returns true (then true) or `timeout` passes (then false).
template <typename Done>
bool wait_until(Done&& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);  // a poll interval, not a synchronisation
  }
}

}  // namespace intentq::test
