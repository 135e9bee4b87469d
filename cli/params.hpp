// Turning `intentq submit` arguments into a params map.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace intentq::cli {

// A --param value: a JSON number, true/false or null when the whole text parses as one, else the
// text itself as a string ("42" -> 42, "1.5" -> 1.5, "true" -> true, "AAPL" -> "AAPL",
// "\"42\"" -> "42" since a quoted JSON string parses too).
nlohmann::json param_value(std::string_view text);

// --params-json (a JSON object, or empty for {}) overlaid with every --param key=value in order.
// Throws std::invalid_argument naming the bad argument.
nlohmann::json build_params(std::string_view params_json, const std::vector<std::string>& params);

}  // namespace intentq::cli
