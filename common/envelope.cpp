#include "common/envelope.hpp"

#include <string>

#include "common/msgpack_lite.hpp"

namespace intentq {
namespace {

namespace mp = msgpack_lite;
using nlohmann::json;

// Longest job id accepted. Ids are keys of the broker's job table and dedup cache; a bound keeps
// one request from pinning megabytes there.
constexpr size_t kMaxIdBytes = 256;

[[noreturn]] void field_error(std::string_view field, std::string_view problem) {
  throw EnvelopeError("field '" + std::string(field) + "' " + std::string(problem));
}

void expect_type(mp::Reader& r, std::string_view field, mp::Type want, std::string_view what) {
  const auto got = r.peek_type();
  if (got == want) return;
  if (want == mp::Type::kUint && got == mp::Type::kInt)
    field_error(field, "must be " + std::string(what) + ", found a negative integer");
  field_error(field, "must be " + std::string(what) + ", found " + std::string(mp::type_name(got)));
}

std::string read_string_field(mp::Reader& r, std::string_view field) {
  expect_type(r, field, mp::Type::kStr, "a string");
  return std::string(r.read_str());
}

uint64_t read_uint_field(mp::Reader& r, std::string_view field) {
  const auto t = r.peek_type();
  if (t != mp::Type::kUint) expect_type(r, field, mp::Type::kUint, "an unsigned integer");
  return r.read_uint();
}

// A nested map decoded into JSON. Safe because the whole body passed mp::validate() first.
json read_json_map(mp::Reader& r, std::string_view field) {
  expect_type(r, field, mp::Type::kMap, "a map");
  const auto raw = r.skip_value();
  try {
    return json::from_msgpack(raw.begin(), raw.end(), /*strict=*/true);
  } catch (const json::exception& e) {
    // nlohmann rejects what JSON cannot hold, chiefly non-string map keys.
    field_error(
        field, "is not a JSON-compatible map (map keys must be strings): " + std::string(e.what()));
  }
}

// Reads the top-level map header after checking the body is one well-formed msgpack value.
uint32_t open_body(mp::Reader& r, std::string_view body) {
  if (body.empty()) throw EnvelopeError("body is empty: expected a msgpack map");
  const auto t = r.peek_type();
  if (t != mp::Type::kMap)
    throw EnvelopeError("body is not a msgpack map (found " + std::string(mp::type_name(t)) + ")");
  mp::validate(body);  // after the type check: plain text gets "not a map", not a syntax error
  return r.read_map_header();
}

std::string read_key(mp::Reader& r) {
  const auto t = r.peek_type();
  if (t != mp::Type::kStr)
    throw EnvelopeError("envelope keys must be strings (found " + std::string(mp::type_name(t)) +
                        ")");
  return std::string(r.read_str());
}

void append_json(std::string& out, const json& value) {
  json::to_msgpack(value, nlohmann::detail::output_adapter<char>(out));
}

JobError read_error(mp::Reader& r) {
  expect_type(r, "error", mp::Type::kMap, "a map");
  JobError err;
  bool have_code = false;
  const auto n = r.read_map_header();
  for (uint32_t i = 0; i < n; ++i) {
    const auto key = read_key(r);
    if (r.try_read_nil()) continue;
    if (key == "code") {
      auto text = read_string_field(r, "error.code");
      if (auto code = error_code_from_string(text)) {
        err.code = *code;
      } else {
        // A newer peer may send a code this build does not know; keep it visible, don't fail.
        err.code = ErrorCode::kInternal;
        err.message = text + ": " + err.message;
      }
      have_code = true;
    } else if (key == "message") {
      err.message += read_string_field(r, "error.message");
    } else if (key == "gateway_code") {
      const auto t = r.peek_type();
      if (t != mp::Type::kInt && t != mp::Type::kUint)
        field_error("error.gateway_code",
                    "must be an integer, found " + std::string(mp::type_name(t)));
      const auto v = r.read_int();
      if (v < INT32_MIN || v > INT32_MAX) field_error("error.gateway_code", "is out of range");
      err.gateway_code = static_cast<int>(v);
    } else if (key == "gateway_message") {
      err.gateway_message = read_string_field(r, "error.gateway_message");
    } else {
      r.skip_value();
    }
  }
  if (!have_code) field_error("error", "must contain a 'code' string");
  return err;
}

}  // namespace

std::string encode_request(const JobRequest& request) {
  if (!request.params.is_null() && !request.params.is_object())
    throw EnvelopeError("field 'params' must be a map");
  std::string out;
  out.reserve(64);
  mp::Writer w(out);
  w.map_header(2 + (request.id ? 1 : 0) + (request.deadline_ms ? 1 : 0) +
               (request.queued_ms ? 1 : 0));
  if (request.id) {
    w.str("id");
    w.str(*request.id);
  }
  w.str("params");
  if (request.params.is_null())
    w.map_header(0);
  else
    append_json(out, request.params);
  if (request.deadline_ms) {
    w.str("deadline_ms");
    w.uint(*request.deadline_ms);
  }
  w.str("reply");
  w.boolean(request.reply);
  if (request.queued_ms) {
    w.str("queued_ms");
    w.uint(*request.queued_ms);
  }
  return out;
}

JobRequest decode_request(std::string_view body) {
  mp::Reader r(body);
  const auto n = open_body(r, body);
  JobRequest req;
  for (uint32_t i = 0; i < n; ++i) {
    const auto key = read_key(r);
    // nil means "not given" for every optional field, as in most msgpack clients.
    if (r.try_read_nil()) continue;
    if (key == "id") {
      auto id = read_string_field(r, "id");
      if (id.empty()) field_error("id", "must not be empty");
      if (id.size() > kMaxIdBytes)
        field_error("id", "is longer than " + std::to_string(kMaxIdBytes) + " bytes");
      req.id = std::move(id);
    } else if (key == "params") {
      req.params = read_json_map(r, "params");
    } else if (key == "deadline_ms") {
      const auto v = read_uint_field(r, "deadline_ms");
      if (v == 0) field_error("deadline_ms", "must be greater than 0");
      req.deadline_ms = v;
    } else if (key == "reply") {
      expect_type(r, "reply", mp::Type::kBool, "a boolean");
      req.reply = r.read_bool();
    } else if (key == "queued_ms") {
      req.queued_ms = read_uint_field(r, "queued_ms");
    } else {
      r.skip_value();  // unknown fields are ignored: newer clients may send more
    }
  }
  return req;
}

std::string encode_reply(const JobReply& reply) {
  std::string out;
  out.reserve(128);
  mp::Writer w(out);
  w.map_header(6);
  w.str("id");
  w.str(reply.id);
  w.str("intent");
  w.str(reply.intent);
  w.str("status");
  w.str(reply.ok ? "ok" : "error");
  if (reply.ok) {
    w.str("result");
    if (reply.result.is_null())
      w.map_header(0);
    else
      append_json(out, reply.result);
  } else {
    const JobError fallback{ErrorCode::kInternal, "error reply without error details", {}, {}};
    const JobError& e = reply.error ? *reply.error : fallback;
    w.str("error");
    w.map_header(2 + (e.gateway_code ? 1 : 0) + (e.gateway_message ? 1 : 0));
    w.str("code");
    w.str(to_string(e.code));
    w.str("message");
    w.str(e.message);
    if (e.gateway_code) {
      w.str("gateway_code");
      w.integer(*e.gateway_code);
    }
    if (e.gateway_message) {
      w.str("gateway_message");
      w.str(*e.gateway_message);
    }
  }
  w.str("timings_ms");
  if (reply.timings_ms.is_null())
    w.map_header(0);
  else
    append_json(out, reply.timings_ms);
  w.str("worker");
  w.str(reply.worker);
  return out;
}

JobReply decode_reply(std::string_view body) {
  mp::Reader r(body);
  const auto n = open_body(r, body);
  JobReply rep;
  bool have_id = false, have_intent = false, have_status = false;
  for (uint32_t i = 0; i < n; ++i) {
    const auto key = read_key(r);
    if (r.try_read_nil()) continue;
    if (key == "id") {
      rep.id = read_string_field(r, "id");
      have_id = true;
    } else if (key == "intent") {
      rep.intent = read_string_field(r, "intent");
      have_intent = true;
    } else if (key == "status") {
      const auto status = read_string_field(r, "status");
      if (status != "ok" && status != "error")
        field_error("status", "must be \"ok\" or \"error\", found \"" + status + "\"");
      rep.ok = status == "ok";
      have_status = true;
    } else if (key == "result") {
      rep.result = read_json_map(r, "result");
    } else if (key == "error") {
      rep.error = read_error(r);
    } else if (key == "timings_ms") {
      rep.timings_ms = read_json_map(r, "timings_ms");
    } else if (key == "worker") {
      rep.worker = read_string_field(r, "worker");
    } else {
      r.skip_value();
    }
  }
  if (!have_id) throw EnvelopeError("reply lacks field 'id'");
  if (!have_intent) throw EnvelopeError("reply lacks field 'intent'");
  if (!have_status) throw EnvelopeError("reply lacks field 'status'");
  if (!rep.ok && !rep.error) throw EnvelopeError("reply with status \"error\" lacks field 'error'");
  if (rep.ok) rep.error.reset();
  return rep;
}

json reply_to_json(const JobReply& reply) {
  json j = json::object();
  j["id"] = reply.id;
  j["intent"] = reply.intent;
  j["status"] = reply.ok ? "ok" : "error";
  if (reply.ok) {
    j["result"] = reply.result.is_null() ? json::object() : reply.result;
  } else if (reply.error) {
    json e = json::object();
    e["code"] = std::string(to_string(reply.error->code));
    e["message"] = reply.error->message;
    if (reply.error->gateway_code) e["gateway_code"] = *reply.error->gateway_code;
    if (reply.error->gateway_message) e["gateway_message"] = *reply.error->gateway_message;
    j["error"] = std::move(e);
  }
  j["timings_ms"] = reply.timings_ms.is_null() ? json::object() : reply.timings_ms;
  j["worker"] = reply.worker;
  return j;
}

JobReply make_error_reply(std::string id, std::string intent, ErrorCode code, std::string message) {
  JobReply reply;
  reply.id = std::move(id);
  reply.intent = std::move(intent);
  reply.ok = false;
  reply.result = json::object();
  reply.error = JobError{code, std::move(message), std::nullopt, std::nullopt};
  reply.worker = "broker";
  return reply;
}

}  // namespace intentq
