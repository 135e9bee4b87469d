// msgpack bytes of a JSON value as a string: a frame body, a params blob or an envelope that
// breaks the rules on purpose, written the way a client writes it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace intentq::test {

inline std::string mp(const nlohmann::json& j) {
  const auto bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

}  // namespace intentq::test
