#include "broker/time_text.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace intentq::broker {

uint64_t ms_between(Clock::time_point from, Clock::time_point to) {
  if (to <= from) return 0;
  return static_cast<uint64_t>(std::chrono::duration_cast<Ms>(to - from).count());
}

std::string duration_text(Clock::duration d, bool hours) {
  const double s = std::chrono::duration<double>(std::max(d, Clock::duration::zero())).count();
  char buf[64];
  if (s < 10)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 120)
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 7200 || !hours)
    std::snprintf(buf, sizeof buf, "%d min %d s", static_cast<int>(s) / 60,
                  static_cast<int>(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%d h %d min", static_cast<int>(s) / 3600,
                  static_cast<int>(s) / 60 % 60);
  return buf;
}

std::string utc_text(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace intentq::broker
