// What POST /v1/jobs/{intent} carries, and what its answer looks like: the JSON body turned into
// an intentq request envelope, and intentq replies (or errors made here) turned into an HTTP
// status and a JSON body. No networking here; docs/http.md is the description.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/job_store.hpp"

namespace intentq::http {

// A request this front refuses before the broker sees it; what() is the message (-> 400).
struct BadJobRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct JobSubmission {
  std::string intent;
  std::string id;  // given, or generated ("http-" + 32 hex digits)
  bool id_given = false;
  nlohmann::json params = nlohmann::json::object();
  std::optional<uint64_t> deadline_ms;
  uint64_t max_age_ms = 0;
  std::optional<std::string> priority;  // interactive | normal | bulk (passed to the broker)
  std::string envelope;                 // the msgpack request body for the broker
  std::string params_key;               // what makes two submissions of one id the same question
};

// Checks the intent name (docs/protocol.md 2.1: [A-Za-z0-9_-] segments joined by '.', at most 64
// bytes, not mmi.*) and the JSON body {params?, id?, deadline_ms?, max_age_ms?, priority?}; an
// empty body is {}. Unknown keys are refused (a typo would otherwise be silently ignored).
// Throws BadJobRequest.
JobSubmission parse_submission(std::string_view intent, std::string_view body);

// A fresh unguessable job id: "http-" + 32 hex digits from the kernel's CSPRNG.
std::string generate_job_id();

// The HTTP status of an intentq reply's error code (docs/http.md, "Status mapping"), and the
// Retry-After seconds that go with it (0: none).
int status_of(std::string_view error_code);
int retry_after_of(std::string_view error_code);

// A broker reply body (msgpack) as HTTP sends it: the reply map as JSON with the status of its
// error code (200 when ok). A body that is not msgpack becomes a 502 INTERNAL error map.
StoredReply reply_from_broker(std::string_view msgpack_body, std::string* id_out = nullptr);

// An error map made by the HTTP front, shaped like an intentq error reply:
// {id, intent, status: "error", error: {code, message}, timings_ms: {}, worker: "http"}.
StoredReply error_reply(int status, std::string_view code, std::string_view message,
                        std::string_view id = {}, std::string_view intent = {});

// JSON text the way every response prints it (invalid UTF-8 from peers becomes U+FFFD).
std::string json_text(const nlohmann::json& value);

}  // namespace intentq::http
