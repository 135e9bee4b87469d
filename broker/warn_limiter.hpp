// Warnings a peer can cause over and over (a full queue, a cut connection): at most one line a
// second; the ones in between are counted and the count is said in the next line written.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "broker/config.hpp"

namespace intentq::broker {

class WarnLimiter {
 public:
  void warn(const std::string& message, Clock::time_point now);

 private:
  Clock::time_point last_{};
  size_t suppressed_ = 0;
};

}  // namespace intentq::broker
