// One worker reply serving several requests (issue 11): coalesced requests and answers from the
// reuse cache get the reply envelope re-written with their own id and with fields saying where the
// answer came from (docs/protocol.md "Coalescing and freshness").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentq::broker {

// `body` (a reply envelope) with "id" set to `id` and "source_id" set to `source_id` (the job that
// fetched the answer); with `cached_age_ms` also "cached": true and "age_ms". Any of these keys
// already present is replaced. Throws EnvelopeError if body is not a msgpack map.
std::string rewrite_reply(std::string_view body, std::string_view id, std::string_view source_id,
                          std::optional<uint64_t> cached_age_ms);

// `body` (a reply envelope) with "id" set to `id` (added when missing); every other key as it
// was. The broker uses it on a worker's reply that names another job's id. Throws EnvelopeError
// if body is not a msgpack map.
std::string rewrite_reply_id(std::string_view body, std::string_view id);

}  // namespace intentq::broker
