#include "common/logging.hpp"

#include <stdexcept>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace intentq {

void init_logging(std::string_view program, std::string_view level) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (lvl == spdlog::level::off && level != "off")
    throw std::invalid_argument("unknown log level '" + std::string(level) + "'");
  auto logger = spdlog::get(std::string(program));
  if (!logger) logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_level(lvl);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %^%l%$ %v");
  spdlog::set_default_logger(logger);
}

}  // namespace intentq
