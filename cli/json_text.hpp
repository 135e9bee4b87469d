// JSON as the CLI prints it. Replies carry whatever bytes a worker or gateway put in them; a
// string that is not valid UTF-8 is printed with U+FFFD in place of the bad bytes instead of
// failing the command (docs/protocol.md: results are not UTF-8 checked at the door).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace intentq::cli {

inline std::string json_text(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace intentq::cli
