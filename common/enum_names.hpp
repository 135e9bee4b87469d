// An enum's names listed once and read in both directions: enum -> name for messages and stats,
// name -> enum for configuration and scenario files. The enums these serve number their values
// 0..N-1 in declaration order; a table lists the names in that order, and its user checks the
// count against the enum's last value with enum_count().
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace intentq {

// The number of values of an enum whose last value is `last`.
template <typename E>
constexpr std::size_t enum_count(E last) {
  return static_cast<std::size_t>(last) + 1;
}

// The name of `value`, or `unknown` when the table has none for it.
template <typename E>
constexpr std::string_view name_of(std::span<const std::string_view> names, E value,
                                   std::string_view unknown = "?") {
  const auto i = static_cast<std::size_t>(value);
  return i < names.size() ? names[i] : unknown;
}

// The value named `name` (exact spelling), or nullopt.
template <typename E>
constexpr std::optional<E> value_of(std::span<const std::string_view> names,
                                    std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace intentq
