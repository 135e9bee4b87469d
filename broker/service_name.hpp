// Which service names the broker accepts, at READY and at request (docs/protocol.md §2.1).
//
// A name is 1..64 bytes of segments joined by '.', each segment one or more of [A-Za-z0-9_-],
// and no segment begins with "ok" or "error". Results are published under
// "result.<name>.ok|error" and SUB matches by prefix: the segment rule makes sure no name's
// topic begins with another name's "result.<name>.ok" or "result.<name>.error", so a request to
// a made-up name (e.g. "summary.ok") can never reach the subscribers of another service.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace intentq::broker {

constexpr size_t kMaxServiceNameBytes = 64;

// Why `name` is not a valid service name, or nullopt when it is.
std::optional<std::string> service_name_problem(std::string_view name);

}  // namespace intentq::broker
