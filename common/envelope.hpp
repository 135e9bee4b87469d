// Job envelopes: the msgpack map carried in the body frame of an MDP request or reply for the
// services of intentq workers. docs/protocol.md is the normative description.
//
// Request:  { "id": str?, "params": map?, "deadline_ms": uint?, "reply": bool? }
//   The broker fills in "id" when missing, replaces "deadline_ms" with the time remaining when it
//   hands the job to a worker, and adds "queued_ms" (time spent in its queue).
// Reply:    { "id", "intent", "status": "ok"|"error", "result"?: map,
//             "error"?: {"code", "message", "gateway_code"?, "gateway_message"?},
//             "timings_ms": {"queued", "run", ...}, "worker" }
//
// Params and results are nlohmann::json trees in memory (they are arbitrary maps); they travel as
// msgpack.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"

namespace intentq {

// Thrown by the decoders for a body that is not a valid envelope; what() names the problem
// ("body is not a msgpack map", "field 'deadline_ms' must be an unsigned integer", ...).
struct EnvelopeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct JobRequest {
  std::optional<std::string> id;
  nlohmann::json params = nlohmann::json::object();
  std::optional<uint64_t> deadline_ms;
  bool reply = true;
  std::optional<uint64_t> queued_ms;  // set by the broker when it dispatches
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
};

std::string encode_request(const JobRequest& request);
JobRequest decode_request(std::string_view body);  // throws EnvelopeError

std::string encode_reply(const JobReply& reply);
JobReply decode_reply(std::string_view body);  // throws EnvelopeError

// The whole reply as JSON, as the CLI prints it and `watch` shows it.
nlohmann::json reply_to_json(const JobReply& reply);

// An error reply with the given code and message (timings empty, worker "broker").
JobReply make_error_reply(std::string id, std::string intent, ErrorCode code, std::string message);

}  // namespace intentq
