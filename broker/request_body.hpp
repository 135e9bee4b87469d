// The broker's view of request and reply envelopes: it reads only the top-level fields it needs
// and copies the rest as raw msgpack (params stay undecoded), so the hot path never builds a
// JSON tree. The rules are common/envelope's (read_request_fields): one rule set for the broker,
// workers and clients.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/envelope.hpp"

namespace intentq::broker {

using intentq::RequestFields;

// Validates the request envelope (intentq::read_request_fields: a map with string keys, UTF-8
// strings, id a non-empty string up to 256 bytes, params a map or nil, deadline_ms an unsigned
// integer > 0, reply a boolean, max_age_ms an unsigned integer). Throws EnvelopeError naming the
// problem ("field 'params.symbol' is not valid UTF-8").
RequestFields parse_request(std::string_view body);

// The id of a request envelope that parse_request refused for another field (deadline_ms 0, a
// bad param), so the refusal carries it: "" when the body is not a map or its id is not a
// non-empty UTF-8 string of at most kMaxIdBytes. Never throws.
std::string readable_id(std::string_view body);

// The body a worker gets: every field of `body` except id/deadline_ms/queued_ms copied as is,
// plus the given id, the remaining deadline and the time spent queued. `body` must have passed
// parse_request.
std::string reencode_request(std::string_view body, std::string_view id, uint64_t deadline_ms,
                             uint64_t queued_ms);

// `body` (which passed parse_request) with its params replaced by `params` (the msgpack bytes of
// one map): what a gateway service's worker gets, so that it runs exactly the canonical params
// the broker keyed sharing on. The other fields are copied as they are.
std::string replace_params(std::string_view body, std::string_view params);

struct ReplyFields {
  std::optional<std::string_view> id;  // the last string "id"
  size_t id_keys = 0;                  // "id" keys of any type (a well-formed reply has one)
  bool ok = false;
  // An error reply's error.code; INTERNAL when it is missing or not a known code (readers treat
  // unknown codes as INTERNAL, docs/protocol.md §5.2).
  ErrorCode code = ErrorCode::kInternal;
};

// Checks a worker's reply envelope enough to route and publish it: a map whose "status" is
// "ok" or "error". Throws EnvelopeError otherwise.
ReplyFields parse_reply(std::string_view body);

// True when the reply names exactly `id`, once: what a client may receive as the answer to `id`.
inline bool names_job(const ReplyFields& f, std::string_view id) {
  return f.id_keys == 1 && f.id == id;
}

}  // namespace intentq::broker
