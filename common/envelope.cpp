#include "common/envelope.hpp"

#include <string>

#include "common/msgpack_entry.hpp"

namespace intentq {
namespace {

namespace mc = msgpack_codec;
using nlohmann::json;

[[noreturn]] void field_error(std::string_view field, std::string_view problem) {
  throw EnvelopeError("field '" + std::string(field) + "' " + std::string(problem));
}

void expect(const mc::Value& v, std::string_view field, mc::Type want, std::string_view what) {
  if (v.type != want)
    field_error(field,
                "must be " + std::string(what) + ", found " + std::string(mc::type_name(v.type)));
}

std::string_view string_field(const mc::Value& v, std::string_view field) {
  expect(v, field, mc::Type::kStr, "a string");
  return v.text;
}

uint64_t uint_field(const mc::Value& v, std::string_view field) {
  expect(v, field, mc::Type::kUint, "an unsigned integer");
  return v.uint;
}

bool bool_field(const mc::Value& v, std::string_view field) {
  expect(v, field, mc::Type::kBool, "a boolean");
  return v.boolean;
}

// Requests: what the broker checks at the door. Strings must be UTF-8 (they end up in replies,
// published results and logs that JSON readers parse) and keys strings (params are JSON).
mc::Limits request_limits() {
  mc::Limits limits;
  limits.check_utf8 = true;
  limits.string_keys = true;
  return limits;
}

// A nested map as JSON (results, timings). Replies are not UTF-8 checked: whoever prints them
// renders invalid bytes safely.
json json_map(const mc::Value& v, std::string_view field) {
  expect(v, field, mc::Type::kMap, "a map");
  return mc::to_json(v.raw, {}, field);
}

JobError read_error(const mc::Value& v) {
  expect(v, "error", mc::Type::kMap, "a map");
  JobError err;
  bool have_code = false;
  mc::read_map(v.raw, {}, [&](std::string_view key, const mc::Value& f) {
    if (f.type == mc::Type::kNil) return true;
    if (key == "code") {
      const auto text = string_field(f, "error.code");
      if (auto code = error_code_from_string(text)) {
        err.code = *code;
      } else {
        // A newer peer may send a code this build does not know; keep it visible, don't fail.
        err.code = ErrorCode::kInternal;
        err.message = std::string(text) + ": " + err.message;
      }
      have_code = true;
    } else if (key == "message") {
      err.message += string_field(f, "error.message");
    } else if (key == "gateway_code") {
      if (f.type != mc::Type::kInt && f.type != mc::Type::kUint)
        field_error("error.gateway_code",
                    "must be an integer, found " + std::string(mc::type_name(f.type)));
      const bool fits = f.type == mc::Type::kInt ? f.integer >= INT32_MIN : f.uint <= INT32_MAX;
      if (!fits) field_error("error.gateway_code", "is out of range");
      err.gateway_code = static_cast<int>(f.type == mc::Type::kInt ? f.integer : f.uint);
    } else if (key == "gateway_message") {
      err.gateway_message = std::string(string_field(f, "error.gateway_message"));
    }
    return true;
  });
  if (!have_code) field_error("error", "must contain a 'code' string");
  return err;
}

void write_json_map(mc::Writer& w, const json& value) {
  if (value.is_null())
    w.map_header(0);
  else
    w.json(value);
}

}  // namespace

std::optional<Priority> parse_priority(std::string_view text) {
  if (text == "interactive") return Priority::kInteractive;
  if (text == "normal") return Priority::kNormal;
  if (text == "bulk") return Priority::kBulk;
  return std::nullopt;
}

bool valid_client_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxClientNameBytes) return false;
  for (unsigned char c : name)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

RequestFields read_request_fields(std::string_view body) {
  RequestFields f;
  mc::read_map(body, request_limits(), [&](std::string_view key, const mc::Value& v) {
    // nil means "not given" for every optional field, as in most msgpack clients.
    if (v.type == mc::Type::kNil) return true;
    if (key == "id") {
      const auto id = string_field(v, "id");
      if (id.empty()) field_error("id", "must not be empty");
      if (id.size() > kMaxIdBytes)
        field_error("id", "is longer than " + std::to_string(kMaxIdBytes) + " bytes");
      f.id = id;
    } else if (key == "params") {
      expect(v, "params", mc::Type::kMap, "a map");
      f.params = v.raw;
    } else if (key == "deadline_ms") {
      const auto ms = uint_field(v, "deadline_ms");
      if (ms == 0) field_error("deadline_ms", "must be greater than 0");
      f.deadline_ms = ms;
    } else if (key == "reply") {
      f.reply = bool_field(v, "reply");
    } else if (key == "queued_ms") {
      f.queued_ms = uint_field(v, "queued_ms");
    } else if (key == "max_age_ms") {
      f.max_age_ms = uint_field(v, "max_age_ms");
    } else if (key == "priority") {
      const auto p = v.type == mc::Type::kStr ? parse_priority(v.text) : std::nullopt;
      if (!p) field_error("priority", "must be \"interactive\", \"normal\" or \"bulk\"");
      f.priority = *p;
    } else if (key == "client") {
      const auto name = string_field(v, "client");
      if (!valid_client_name(name))
        field_error("client", "must be 1.." + std::to_string(kMaxClientNameBytes) +
                                  " printable ASCII characters without spaces");
      f.client = name;
    }
    return true;  // unknown fields are ignored: newer clients may send more
  });
  if (!f.params.empty()) {
    f.account.reset();
    mc::read_map(f.params, request_limits(), [&](std::string_view key, const mc::Value& v) {
      if (key == "account")
        f.account = v.type == mc::Type::kStr ? std::optional(v.text) : std::nullopt;
      return true;
    });
  }
  return f;
}

std::string encode_request(const JobRequest& request) {
  if (!request.params.is_null() && !request.params.is_object())
    throw EnvelopeError("field 'params' must be a map");
  std::string out;
  out.reserve(64);
  mc::Writer w(out);
  w.map_header(2 + (request.id ? 1 : 0) + (request.deadline_ms ? 1 : 0) +
               (request.queued_ms ? 1 : 0) + (request.max_age_ms > 0 ? 1 : 0) +
               (request.priority ? 1 : 0) + (request.client ? 1 : 0));
  if (request.id) mc::entry(w, "id", *request.id);
  w.str("params");
  write_json_map(w, request.params);
  if (request.deadline_ms) mc::entry(w, "deadline_ms", *request.deadline_ms);
  mc::entry(w, "reply", request.reply);
  if (request.queued_ms) mc::entry(w, "queued_ms", *request.queued_ms);
  if (request.max_age_ms > 0) mc::entry(w, "max_age_ms", request.max_age_ms);
  if (request.priority) {
    static constexpr std::string_view kNames[] = {"interactive", "normal", "bulk"};
    mc::entry(w, "priority", kNames[static_cast<size_t>(*request.priority)]);
  }
  if (request.client) mc::entry(w, "client", *request.client);
  return out;
}

JobRequest decode_request(std::string_view body) {
  const auto f = read_request_fields(body);
  JobRequest req;
  if (f.id) req.id = std::string(*f.id);
  if (!f.params.empty()) req.params = mc::to_json(f.params, request_limits(), "params");
  req.deadline_ms = f.deadline_ms;
  req.reply = f.reply;
  req.queued_ms = f.queued_ms;
  req.max_age_ms = f.max_age_ms;
  return req;
}

std::string encode_reply(const JobReply& reply) {
  std::string out;
  out.reserve(128);
  mc::Writer w(out);
  w.map_header(6 + (reply.cached ? 1 : 0) + (reply.age_ms ? 1 : 0) + (reply.source_id ? 1 : 0) +
               (reply.dedup ? 1 : 0) + (reply.dedup_age_ms ? 1 : 0));
  mc::entry(w, "id", reply.id);
  mc::entry(w, "intent", reply.intent);
  mc::entry(w, "status", reply.ok ? "ok" : "error");
  if (reply.ok) {
    w.str("result");
    write_json_map(w, reply.result);
  } else {
    const JobError fallback{ErrorCode::kInternal, "error reply without error details", {}, {}};
    const JobError& e = reply.error ? *reply.error : fallback;
    w.str("error");
    w.map_header(2 + (e.gateway_code ? 1 : 0) + (e.gateway_message ? 1 : 0));
    mc::entry(w, "code", to_string(e.code));
    mc::entry(w, "message", e.message);
    if (e.gateway_code) mc::entry(w, "gateway_code", *e.gateway_code);
    if (e.gateway_message) mc::entry(w, "gateway_message", *e.gateway_message);
  }
  w.str("timings_ms");
  write_json_map(w, reply.timings_ms);
  mc::entry(w, "worker", reply.worker);
  if (reply.cached) mc::entry(w, "cached", true);
  if (reply.age_ms) mc::entry(w, "age_ms", *reply.age_ms);
  if (reply.source_id) mc::entry(w, "source_id", *reply.source_id);
  if (reply.dedup) mc::entry(w, "dedup", true);
  if (reply.dedup_age_ms) mc::entry(w, "dedup_age_ms", *reply.dedup_age_ms);
  return out;
}

JobReply decode_reply(std::string_view body) {
  JobReply rep;
  bool have_id = false, have_intent = false, have_status = false;
  mc::read_map(body, {}, [&](std::string_view key, const mc::Value& v) {
    if (v.type == mc::Type::kNil) return true;
    if (key == "id") {
      rep.id = string_field(v, "id");
      have_id = true;
    } else if (key == "intent") {
      rep.intent = string_field(v, "intent");
      have_intent = true;
    } else if (key == "status") {
      const auto status = string_field(v, "status");
      if (status != "ok" && status != "error")
        field_error("status", "must be \"ok\" or \"error\", found \"" + std::string(status) + "\"");
      rep.ok = status == "ok";
      have_status = true;
    } else if (key == "result") {
      rep.result = json_map(v, "result");
    } else if (key == "error") {
      rep.error = read_error(v);
    } else if (key == "timings_ms") {
      rep.timings_ms = json_map(v, "timings_ms");
    } else if (key == "worker") {
      rep.worker = string_field(v, "worker");
    } else if (key == "cached") {
      rep.cached = bool_field(v, "cached");
    } else if (key == "age_ms") {
      rep.age_ms = uint_field(v, "age_ms");
    } else if (key == "source_id") {
      rep.source_id = std::string(string_field(v, "source_id"));
    } else if (key == "dedup") {
      rep.dedup = bool_field(v, "dedup");
    } else if (key == "dedup_age_ms") {
      rep.dedup_age_ms = uint_field(v, "dedup_age_ms");
    }
    return true;
  });
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
  if (reply.cached) j["cached"] = true;
  if (reply.age_ms) j["age_ms"] = *reply.age_ms;
  if (reply.source_id) j["source_id"] = *reply.source_id;
  if (reply.dedup) j["dedup"] = true;
  if (reply.dedup_age_ms) j["dedup_age_ms"] = *reply.dedup_age_ms;
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
