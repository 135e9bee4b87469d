// What the broker needs to decide whether two requests ask the same thing (issues 11 and 16): the
// request's routing fields and the canonical form of its params. docs/protocol.md "Canonical
// params" lists the rules; two requests share a fetch or a stored answer only when their
// canonical params are byte-equal.
//
// For an intent of the shared schema (common/params_schema.hpp) the params are validated with it
// first, exactly as the worker will validate them: a request the worker would refuse is refused
// here (ParamsError, BAD_REQUEST with the worker's message) before it can be coalesced with, or
// answered from, an honest one. The canonical form is what the worker is then sent (the broker
// rewrites the request's params), so the worker runs exactly the params the key was built from.
//
// A gateway service the schema does not know keys on the params' exact bytes (only identical
// bytes share, and the worker gets them unchanged), after refusing a key given twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/envelope.hpp"
#include "common/params_schema.hpp"

namespace intentq::broker {

struct ReuseFields {
  std::string params;                  // canonical params (msgpack); "{}" (0x80) when absent
  bool rewrite = false;                // `params` is what the worker must be sent instead
  std::optional<std::string> account;  // params.account, trimmed; nullopt when absent or nil
  std::optional<std::string> gateway;  // params.gateway (schemas that have it): pins the job
  uint64_t max_age_ms = 0;             // the envelope's max_age_ms (0 = always fresh)
};

// Takes max_age_ms and params from a request envelope's fields as read_request_fields (the
// broker's parse_request) read them, so the envelope is read once, and validates and
// canonicalises the params for `service`. Throws params::ParamsError (the worker's BAD_REQUEST
// message) for params the service's schema refuses; EnvelopeError for a service without a schema
// whose params.account is not a non-empty string or whose params repeat a key.
ReuseFields read_reuse_fields(std::string_view service, const RequestFields& request);
// The same from the envelope's bytes (read_request_fields first: its errors too).
ReuseFields read_reuse_fields(std::string_view service, std::string_view body);

// The canonical form of a params map (msgpack bytes of one map) for `service`: the schema's, or
// the bytes themselves for a service without one. Throws as read_reuse_fields.
std::string canonical_params(std::string_view service, std::string_view params);

}  // namespace intentq::broker
