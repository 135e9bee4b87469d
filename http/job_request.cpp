#include "http/job_request.hpp"

#include <random>

#include "common/envelope.hpp"
#include "common/msgpack_entry.hpp"

namespace intentq::http {
namespace {

bool valid_segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

void check_intent(std::string_view intent) {
  if (intent.empty() || intent.size() > 64) throw BadJobRequest("intent name must be 1..64 bytes");
  bool segment_empty = true;
  for (char c : intent) {
    if (c == '.') {
      if (segment_empty) throw BadJobRequest("intent name has an empty segment");
      segment_empty = true;
    } else if (valid_segment_char(c)) {
      segment_empty = false;
    } else {
      throw BadJobRequest("intent name may hold only [A-Za-z0-9_-] segments joined by '.'");
    }
  }
  if (segment_empty) throw BadJobRequest("intent name has an empty segment");
  if (intent.substr(0, 4) == "mmi.")
    throw BadJobRequest("mmi.* services are the broker's, not jobs (GET /v1/stats)");
}

uint64_t unsigned_field(const nlohmann::json& value, const char* name, bool positive) {
  if (!value.is_number_integer() ||
      (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() < 0))
    throw BadJobRequest(std::string("field '") + name + "' must be an unsigned integer");
  const auto n = value.get<uint64_t>();
  if (positive && n == 0) throw BadJobRequest(std::string("field '") + name + "' must be > 0");
  return n;
}

}  // namespace

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string generate_job_id() {
  static thread_local std::random_device device;  // /dev/urandom-backed on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "http-";
  for (int i = 0; i < 4; ++i) {
    uint32_t bits = device();
    for (int j = 0; j < 8; ++j, bits >>= 4) id += kHex[bits & 0xf];
  }
  return id;
}

JobSubmission parse_submission(std::string_view intent, std::string_view body) {
  check_intent(intent);
  JobSubmission job;
  job.intent = std::string(intent);
  nlohmann::json doc = nlohmann::json::object();
  bool blank = true;
  for (char c : body)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') blank = false;
  if (!blank) {
    try {
      // Depth is bounded by the body limit and by the broker's 64 levels; nlohmann parses
      // recursively, so refuse deep nesting before parsing.
      size_t depth = 0, max_depth = 0;
      bool in_string = false, escaped = false;
      for (char c : body) {
        if (in_string) {
          if (escaped)
            escaped = false;
          else if (c == '\\')
            escaped = true;
          else if (c == '"')
            in_string = false;
        } else if (c == '"')
          in_string = true;
        else if (c == '{' || c == '[')
          max_depth = std::max(max_depth, ++depth);
        else if ((c == '}' || c == ']') && depth > 0)
          --depth;
      }
      if (max_depth > msgpack_codec::kMaxDepth)
        throw BadJobRequest("body nests deeper than " + std::to_string(msgpack_codec::kMaxDepth) +
                            " levels");
      doc = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
      throw BadJobRequest(std::string("body is not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) throw BadJobRequest("body must be a JSON object");
  }
  for (auto& [key, value] : doc.items()) {
    if (value.is_null()) continue;  // null counts as absent, as in the envelope
    if (key == "params") {
      if (!value.is_object()) throw BadJobRequest("field 'params' must be an object");
      job.params = value;
    } else if (key == "id") {
      if (!value.is_string()) throw BadJobRequest("field 'id' must be a string");
      job.id = value.get<std::string>();
      if (job.id.empty() || job.id.size() > kMaxIdBytes)
        throw BadJobRequest("field 'id' must be 1.." + std::to_string(kMaxIdBytes) + " bytes");
      job.id_given = true;
    } else if (key == "deadline_ms") {
      job.deadline_ms = unsigned_field(value, "deadline_ms", true);
      if (*job.deadline_ms > 86400000)
        throw BadJobRequest("field 'deadline_ms' must be <= 86400000");
    } else if (key == "max_age_ms") {
      job.max_age_ms = unsigned_field(value, "max_age_ms", false);
    } else if (key == "priority") {
      if (!value.is_string() || (value != "interactive" && value != "normal" && value != "bulk"))
        throw BadJobRequest("field 'priority' must be \"interactive\", \"normal\" or \"bulk\"");
      job.priority = value.get<std::string>();
    } else {
      throw BadJobRequest("field '" + key +
                          "' is not known (known: params, id, deadline_ms, max_age_ms, priority)");
    }
  }
  if (!job.id_given) job.id = generate_job_id();

  // The envelope: docs/protocol.md 5.1; `priority` is an extension field brokers that do not know
  // it ignore.
  std::string out;
  msgpack_codec::Writer w(out);
  w.map_header(2 + (job.deadline_ms ? 1 : 0) + (job.max_age_ms ? 1 : 0) + (job.priority ? 1 : 0));
  msgpack_codec::entry(w, "id", job.id);
  w.str("params");
  w.json(job.params);
  if (job.deadline_ms) msgpack_codec::entry(w, "deadline_ms", *job.deadline_ms);
  if (job.max_age_ms) msgpack_codec::entry(w, "max_age_ms", job.max_age_ms);
  if (job.priority) msgpack_codec::entry(w, "priority", *job.priority);
  job.envelope = std::move(out);
  job.params_key = json_text(job.params);
  return job;
}

int status_of(std::string_view code) {
  if (code.empty()) return 200;
  if (code == "BAD_REQUEST") return 400;
  if (code == "UNKNOWN_INTENT" || code == "UNKNOWN_ACCOUNT" || code == "UNKNOWN_JOB") return 404;
  if (code == "CONFLICT" || code == "CANCELLED") return 409;
  if (code == "BUSY" || code == "NO_WORKER" || code == "GATEWAY_UNREACHABLE") return 503;
  if (code == "TIMEOUT") return 504;
  if (code == "GATEWAY_REFUSED" || code == "GATEWAY_ERROR" || code == "GATEWAY_PACING" ||
      code == "WORKER_LOST" || code == "RESULT_TOO_LARGE")
    return 502;
  return 500;  // INTERNAL and codes this front does not know (docs/protocol.md 5.2)
}

int retry_after_of(std::string_view code) {
  if (code == "BUSY") return 1;
  if (code == "NO_WORKER") return 2;
  if (code == "GATEWAY_UNREACHABLE" || code == "BROKER_UNREACHABLE") return 5;
  return 0;
}

StoredReply error_reply(int status, std::string_view code, std::string_view message,
                        std::string_view id, std::string_view intent) {
  nlohmann::json body{{"id", std::string(id)},
                      {"intent", std::string(intent)},
                      {"status", "error"},
                      {"error", {{"code", std::string(code)}, {"message", std::string(message)}}},
                      {"timings_ms", nlohmann::json::object()},
                      {"worker", "http"}};
  return {status, retry_after_of(code), json_text(body)};
}

StoredReply reply_from_broker(std::string_view msgpack_body, std::string* id_out) {
  nlohmann::json reply;
  try {
    reply = msgpack_codec::to_json(
        msgpack_body,
        {.max_depth = msgpack_codec::kMaxDepth, .check_utf8 = false, .string_keys = true});
  } catch (const std::exception& e) {
    return error_reply(502, "INTERNAL",
                       std::string("the broker's reply is not msgpack: ") + e.what());
  }
  if (!reply.is_object()) return error_reply(502, "INTERNAL", "the broker's reply is not a map");
  if (id_out) {
    auto id = reply.find("id");
    *id_out = id != reply.end() && id->is_string() ? id->get<std::string>() : std::string();
  }
  std::string code;
  auto status = reply.find("status");
  if (status == reply.end() || *status != "ok") {
    code = "INTERNAL";
    auto error = reply.find("error");
    if (error != reply.end() && error->is_object()) {
      auto c = error->find("code");
      if (c != error->end() && c->is_string()) code = c->get<std::string>();
    }
  }
  return {status_of(code), retry_after_of(code), json_text(reply)};
}

}  // namespace intentq::http
