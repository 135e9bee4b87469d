// Durations and times as the broker writes them into messages and logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "broker/config.hpp"

namespace intentq::broker {

// Whole milliseconds from `from` to `to`; 0 when `to` is not later.
uint64_t ms_between(Clock::time_point from, Clock::time_point to);

// "0.4 s", "9.9 s", "41 s", "3 min 20 s", and from two hours on "2 h 5 min" (or, without
// `hours`, "125 min 0 s"). Negative durations read as 0.
std::string duration_text(Clock::duration d, bool hours = true);

// "14:03:07 UTC".
std::string utc_text(std::chrono::system_clock::time_point t);

}  // namespace intentq::broker
