// The broker's view of request and reply envelopes: it reads only the top-level fields it needs
// and copies the rest as raw msgpack (params stay undecoded), so the hot path never builds a
// JSON tree. common/envelope.hpp is the full decoder that workers and clients use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentq::broker {

struct RequestFields {
  std::optional<std::string_view> id;  // points into the body
  std::optional<uint64_t> deadline_ms;
  bool reply = true;
};

// Validates the request envelope (same rules as intentq::decode_request for the top level:
// a map with string keys; id a non-empty string up to 256 bytes; params a map or nil;
// deadline_ms an unsigned integer > 0; reply a boolean). Throws EnvelopeError naming the problem.
RequestFields parse_request(std::string_view body);

// The body a worker gets: every field of `body` except id/deadline_ms/queued_ms copied as is,
// plus the given id, the remaining deadline and the time spent queued.
std::string reencode_request(std::string_view body, std::string_view id, uint64_t deadline_ms,
                             uint64_t queued_ms);

struct ReplyFields {
  std::optional<std::string_view> id;
  bool ok = false;
};

// Checks a worker's reply envelope enough to route and publish it: a map whose "status" is
// "ok" or "error". Throws EnvelopeError otherwise.
ReplyFields parse_reply(std::string_view body);

}  // namespace intentq::broker
