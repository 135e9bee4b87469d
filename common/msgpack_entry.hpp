// Writing a msgpack map entry by entry: the key and its value in one call, the value encoded as
// its C++ type says. Apart from msgpack_codec.hpp so that only the units that write maps this way
// include it.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/msgpack_codec.hpp"

namespace intentq::msgpack_codec {

// The key, then the value: bool, unsigned -> uint, signed -> integer, floating point -> real, a
// list of strings -> an array of them, anything else as text.
template <typename T>
void entry(Writer& w, std::string_view key, const T& value) {
  w.str(key);
  if constexpr (std::is_same_v<T, bool>) {
    w.boolean(value);
  } else if constexpr (std::is_unsigned_v<T>) {
    w.uint(value);
  } else if constexpr (std::is_integral_v<T>) {
    w.integer(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    w.real(value);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    w.array_header(static_cast<uint32_t>(value.size()));
    for (const auto& text : value) w.str(text);
  } else {
    w.str(value);
  }
}

}  // namespace intentq::msgpack_codec
