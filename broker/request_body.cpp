#include "broker/request_body.hpp"

#include "common/envelope.hpp"
#include "common/msgpack_lite.hpp"

namespace intentq::broker {
namespace {

namespace mp = msgpack_lite;
constexpr size_t kMaxIdBytes = 256;

[[noreturn]] void field_error(std::string_view field, std::string_view problem) {
  throw EnvelopeError("field '" + std::string(field) + "' " + std::string(problem));
}

std::string found(mp::Reader& r) {
  return ", found " + std::string(mp::type_name(r.peek_type()));
}

uint32_t open_map(mp::Reader& r, std::string_view body) {
  if (body.empty()) throw EnvelopeError("body is empty: expected a msgpack map");
  if (r.peek_type() != mp::Type::kMap)
    throw EnvelopeError("body is not a msgpack map (found " +
                        std::string(mp::type_name(r.peek_type())) + ")");
  mp::validate(body);  // after the type check: plain text gets "not a map", not a syntax error
  return r.read_map_header();
}

std::string_view read_key(mp::Reader& r) {
  if (r.peek_type() != mp::Type::kStr)
    throw EnvelopeError("envelope keys must be strings (found " +
                        std::string(mp::type_name(r.peek_type())) + ")");
  return r.read_str();
}

}  // namespace

RequestFields parse_request(std::string_view body) {
  mp::Reader r(body);
  const auto n = open_map(r, body);
  RequestFields f;
  for (uint32_t i = 0; i < n; ++i) {
    const auto key = read_key(r);
    if (r.try_read_nil()) continue;
    if (key == "id") {
      if (r.peek_type() != mp::Type::kStr) field_error("id", "must be a string" + found(r));
      const auto id = r.read_str();
      if (id.empty()) field_error("id", "must not be empty");
      if (id.size() > kMaxIdBytes)
        field_error("id", "is longer than " + std::to_string(kMaxIdBytes) + " bytes");
      f.id = id;
    } else if (key == "params") {
      if (r.peek_type() != mp::Type::kMap) field_error("params", "must be a map" + found(r));
      r.skip_value();
    } else if (key == "deadline_ms") {
      const auto t = r.peek_type();
      if (t != mp::Type::kUint)
        field_error(
            "deadline_ms",
            "must be an unsigned integer" +
                (t == mp::Type::kInt ? std::string(", found a negative integer") : found(r)));
      const auto v = r.read_uint();
      if (v == 0) field_error("deadline_ms", "must be greater than 0");
      f.deadline_ms = v;
    } else if (key == "reply") {
      if (r.peek_type() != mp::Type::kBool) field_error("reply", "must be a boolean" + found(r));
      f.reply = r.read_bool();
    } else {
      r.skip_value();
    }
  }
  return f;
}

std::string reencode_request(std::string_view body, std::string_view id, uint64_t deadline_ms,
                             uint64_t queued_ms) {
  // The body was validated by parse_request when it was accepted; the reader still checks.
  mp::Reader r(body);
  const auto n = r.read_map_header();
  std::string out;
  out.reserve(body.size() + id.size() + 40);
  mp::Writer w(out);
  // Count the fields kept first: a map header carries its size up front.
  uint32_t kept = 0;
  {
    mp::Reader scan(body);
    scan.read_map_header();
    for (uint32_t i = 0; i < n; ++i) {
      const auto key = scan.read_str();
      scan.skip_value();
      if (key != "id" && key != "deadline_ms" && key != "queued_ms") ++kept;
    }
  }
  w.map_header(kept + 3);
  for (uint32_t i = 0; i < n; ++i) {
    const auto start = r.position();
    const auto key = r.read_str();
    r.skip_value();
    if (key == "id" || key == "deadline_ms" || key == "queued_ms") continue;
    w.raw(body.substr(start, r.position() - start));
  }
  w.str("id");
  w.str(id);
  w.str("deadline_ms");
  w.uint(deadline_ms);
  w.str("queued_ms");
  w.uint(queued_ms);
  return out;
}

ReplyFields parse_reply(std::string_view body) {
  mp::Reader r(body);
  const auto n = open_map(r, body);
  ReplyFields f;
  bool have_status = false;
  for (uint32_t i = 0; i < n; ++i) {
    const auto key = read_key(r);
    if (key == "status" && r.peek_type() == mp::Type::kStr) {
      const auto s = r.read_str();
      if (s != "ok" && s != "error")
        field_error("status", "must be \"ok\" or \"error\", found \"" + std::string(s) + "\"");
      f.ok = s == "ok";
      have_status = true;
    } else if (key == "id" && r.peek_type() == mp::Type::kStr) {
      f.id = r.read_str();
    } else {
      r.skip_value();
    }
  }
  if (!have_status) throw EnvelopeError("reply lacks a string field 'status'");
  return f;
}

}  // namespace intentq::broker
