// systemd's notification protocol (sd_notify(3)), through libsystemd. Outside systemd (no
// $NOTIFY_SOCKET) every call is a cheap no-op.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace intentq {

// Sends `state` (e.g. "READY=1\nSTATUS=serving"); false if not under systemd or on error.
bool sd_notify(std::string_view state);

// The watchdog interval systemd expects pings within ($WATCHDOG_USEC, for this process only),
// or nullopt when the watchdog is off.
std::optional<std::chrono::microseconds> sd_watchdog_interval();

}  // namespace intentq
