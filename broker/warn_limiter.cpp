#include "broker/warn_limiter.hpp"

#include <spdlog/spdlog.h>

namespace intentq::broker {

void WarnLimiter::warn(const std::string& message, Clock::time_point now) {
  if (now - last_ < std::chrono::seconds(1)) {
    ++suppressed_;
    return;
  }
  if (suppressed_)
    spdlog::warn("{} (and {} similar warnings suppressed)", message, suppressed_);
  else
    spdlog::warn("{}", message);
  last_ = now;
  suppressed_ = 0;
}

}  // namespace intentq::broker
