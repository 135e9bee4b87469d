// Logging setup shared by the programs: spdlog's default logger writes to stderr (stdout is kept
// for readiness lines and results), tagged with the program name.
#pragma once

#include <string_view>

namespace intentq {

// level: trace, debug, info, warn, error, critical, off. Throws std::invalid_argument otherwise.
void init_logging(std::string_view program, std::string_view level);

}  // namespace intentq
