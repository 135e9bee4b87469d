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

// `body` (a reply envelope from the dedup cache) with "dedup": true and "dedup_age_ms" (how long
// ago the first submission of its id was accepted), so a resubmission sees that the answer is
// the first one's. Throws EnvelopeError if body is not a msgpack map.
std::string mark_dedup(std::string_view body, uint64_t age_ms);

// `body` (a reply envelope) with "id" set to `id` (added when missing, every "id" key before
// dropped); every other key as it was. The broker uses it on a worker's reply that names another
// job's id. Throws EnvelopeError if body is not a msgpack map.
std::string rewrite_reply_id(std::string_view body, std::string_view id);

}  // namespace intentq::broker
