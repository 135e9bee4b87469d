#include "cli/params.hpp"

#include <stdexcept>

namespace intentq::cli {

nlohmann::json param_value(std::string_view text) {
  auto parsed =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  // Only scalars: "[1,2]" or "{...}" stay strings unless given through --params-json, so a value
  // is never silently turned into a structure.
  if (!parsed.is_discarded() &&
      (parsed.is_number() || parsed.is_boolean() || parsed.is_null() || parsed.is_string()))
    return parsed;
  return std::string(text);
}

nlohmann::json build_params(std::string_view params_json, const std::vector<std::string>& params) {
  nlohmann::json result = nlohmann::json::object();
  if (!params_json.empty()) {
    result = nlohmann::json::parse(params_json.begin(), params_json.end(), nullptr, false);
    if (result.is_discarded()) throw std::invalid_argument("--params-json is not valid JSON");
    if (!result.is_object()) throw std::invalid_argument("--params-json must be a JSON object");
  }
  for (const auto& kv : params) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("--param must be key=value, got '" + kv + "'");
    result[kv.substr(0, eq)] = param_value(std::string_view(kv).substr(eq + 1));
  }
  return result;
}

}  // namespace intentq::cli
