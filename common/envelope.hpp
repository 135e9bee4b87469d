// Job envelopes: the msgpack map carried in the body frame of an MDP request or reply for the
// services of intentq workers. docs/protocol.md is the normative description.
//
// Request:  { "id": str?, "params": map?, "deadline_ms": uint?, "reply": bool?,
//             "max_age_ms": uint? }
//   The broker fills in "id" when missing, replaces "deadline_ms" with the time remaining when it
//   hands the job to a worker, and adds "queued_ms" (time spent in its queue).
// Reply:    { "id", "intent", "status": "ok"|"error", "result"?: map,
//             "error"?: {"code", "message", "gateway_code"?, "gateway_message"?},
//             "timings_ms": {"queued", "run", ...}, "worker" }
//
// Params and results are nlohmann::json trees in memory (they are arbitrary maps); they travel as
// msgpack, read and written by common/msgpack_codec (msgpack-c with bounds).
//
// One rule set for requests: read_request_fields() is what the broker checks at the door and what
// decode_request() builds on, so a body the broker accepts is one a worker can decode.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"

namespace intentq {

// Thrown by the decoders (and common/msgpack_codec) for a body that is not a valid envelope;
// what() names the problem ("body is not a msgpack map", "field 'deadline_ms' must be an unsigned
// integer", "field 'params.name' is not valid UTF-8", ...).
struct EnvelopeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Longest job id accepted. Ids are keys of the broker's job table and dedup cache; a bound keeps
// one request from pinning megabytes there.
inline constexpr size_t kMaxIdBytes = 256;

// The envelope's `priority` (docs/protocol.md §5.1): the order of service within a historical
// queue (§6.11). Other services accept and ignore it.
enum class Priority : uint8_t { kInteractive = 0, kNormal = 1, kBulk = 2 };
// "interactive", "normal", "bulk"; nullopt for anything else.
std::optional<Priority> parse_priority(std::string_view text);
// The envelope's `client`: who submits, for fair shares (§6.11); 1..kMaxClientNameBytes printable
// ASCII bytes without spaces.
inline constexpr size_t kMaxClientNameBytes = 128;
bool valid_client_name(std::string_view name);

// The top-level fields of a request envelope, checked but not decoded: views into the body.
// Rules (docs/protocol.md section 5): a map; every map key at any depth a string; every string
// valid UTF-8; id a non-empty string up to kMaxIdBytes; params a map; deadline_ms an unsigned
// integer > 0 (any msgpack integer encoding); reply a boolean; queued_ms and max_age_ms unsigned
// integers; priority one of "interactive", "normal", "bulk"; client a valid client name; nil for
// any of them means "not given"; unknown fields are ignored.
struct RequestFields {
  std::optional<std::string_view> id;
  std::string_view params;  // the params map's msgpack bytes; empty when not given
  std::optional<uint64_t> deadline_ms;
  bool reply = true;
  std::optional<uint64_t> queued_ms;
  uint64_t max_age_ms = 0;                  // 0: do not answer from a stored reply
  std::optional<std::string_view> account;  // params.account when it is a string
  Priority priority = Priority::kNormal;    // "priority": one of the three names
  std::optional<std::string_view> client;   // "client": a valid client name
};
RequestFields read_request_fields(std::string_view body);  // throws EnvelopeError

struct JobRequest {
  std::optional<std::string> id;
  nlohmann::json params = nlohmann::json::object();
  std::optional<uint64_t> deadline_ms;
  bool reply = true;
  std::optional<uint64_t> queued_ms;  // set by the broker when it dispatches
  uint64_t max_age_ms = 0;            // sent only when > 0
};

struct JobError {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::optional<int> gateway_code;
  std::optional<std::string> gateway_message;
};

struct JobReply {
  std::string id;
  std::string intent;
  bool ok = true;
  nlohmann::json result = nlohmann::json::object();  // used when ok
  std::optional<JobError> error;                     // set when !ok
  nlohmann::json timings_ms = nlohmann::json::object();
  std::string worker;
  // Set by a broker that answered from a stored reply (docs/protocol.md, answer reuse).
  bool cached = false;
  std::optional<uint64_t> age_ms;
  std::optional<std::string> source_id;
  // Set by a broker that answered a resubmitted id from its dedup cache (docs/protocol.md 6.4):
  // this is the first submission's answer, whatever the resubmission's params; dedup_age_ms is
  // how long ago that first submission was accepted.
  bool dedup = false;
  std::optional<uint64_t> dedup_age_ms;
};

std::string encode_request(const JobRequest& request);
JobRequest decode_request(std::string_view body);  // throws EnvelopeError

std::string encode_reply(const JobReply& reply);
JobReply decode_reply(std::string_view body);  // throws EnvelopeError

// The whole reply as JSON, as the CLI prints it and `watch` shows it. Strings are copied as they
// came: print with nlohmann::json::error_handler_t::replace (invalid UTF-8 becomes U+FFFD).
nlohmann::json reply_to_json(const JobReply& reply);

// An error reply with the given code and message (timings empty, worker "broker").
JobReply make_error_reply(std::string id, std::string intent, ErrorCode code, std::string message);

}  // namespace intentq
