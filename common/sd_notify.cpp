#include "common/sd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace intentq {

bool sd_notify(std::string_view state) {
  // libsystemd returns 0 when $NOTIFY_SOCKET is unset (not under systemd), > 0 once sent.
  return ::sd_notify(0, std::string(state).c_str()) > 0;
}

std::optional<std::chrono::microseconds> sd_watchdog_interval() {
  uint64_t usec = 0;
  // > 0: enabled for this process ($WATCHDOG_USEC, and $WATCHDOG_PID when set, names us).
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace intentq
