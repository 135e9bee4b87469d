// What the broker needs to decide whether two requests ask the same thing (issue 11): the
// request's routing fields and a canonical byte form of its params. docs/protocol.md
// "Canonical params" lists the rules; two requests share a fetch or a cached answer only when
// their canonical params are byte-equal.
//
// Reads with msgpack-c. The envelope was validated (a map, string keys, depth <= 64) before this
// runs; the functions still bound their walk and throw EnvelopeError on anything unexpected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/envelope.hpp"

namespace intentq::broker {

struct ReuseFields {
  std::string params;                  // canonical params (msgpack); "{}" (0x80) when absent
  std::optional<std::string> account;  // params.account, trimmed; nullopt when absent or nil
  uint64_t max_age_ms = 0;             // the envelope's max_age_ms (0 = always fresh)
};

// Takes max_age_ms and params from a request envelope's fields as read_request_fields (the
// broker's parse_request) read them, so the envelope is read once, and canonicalises the params
// for `service`. Throws EnvelopeError naming the field when params.account is not a non-empty
// string.
ReuseFields read_reuse_fields(std::string_view service, const RequestFields& request);
// The same from the envelope's bytes (read_request_fields first: its errors too).
ReuseFields read_reuse_fields(std::string_view service, std::string_view body);

// The canonical form of a params map (msgpack bytes of one map) for `service`.
std::string canonical_params(std::string_view service, std::string_view params);

}  // namespace intentq::broker
