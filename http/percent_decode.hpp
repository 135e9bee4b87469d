// %XX decoding of request paths and query strings (RFC 3986); a '%' not followed by two hex
// digits stays as it is.
#pragma once

#include <string>
#include <string_view>

namespace intentq::http {

// `plus_is_space`: a query string's form encoding, where '+' stands for a space.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace intentq::http
