#include "broker/request_body.hpp"

#include <exception>

#include "common/msgpack_codec.hpp"

namespace intentq::broker {
namespace {

namespace mc = msgpack_codec;

bool replaced_by_broker(std::string_view key) {
  return key == "id" || key == "deadline_ms" || key == "queued_ms";
}

// The request map `body` without the keys `drop` accepts, followed by `added` entries `append`
// writes. Kept fields pass through as their encoded bytes (params and unknown fields are not
// re-encoded). The body passed parse_request when it was accepted, so these reads only find
// entries (the limits are the defaults: nothing here is newly trusted).
template <typename Drop, typename Append>
std::string rewrite_map(std::string_view body, size_t extra_bytes, Drop drop, uint32_t added,
                        Append append) {
  // Count the fields kept first: a map header carries its size up front.
  uint32_t kept = 0;
  mc::read_map(body, {}, [&](std::string_view key, const mc::Value&) {
    if (!drop(key)) ++kept;
    return true;
  });
  std::string out;
  out.reserve(body.size() + extra_bytes);
  mc::Writer w(out);
  w.map_header(kept + added);
  mc::read_map(body, {}, [&](std::string_view key, const mc::Value& value) {
    if (drop(key)) return true;
    w.str(key);
    w.raw(value.raw);
    return true;
  });
  append(w);
  return out;
}

}  // namespace

RequestFields parse_request(std::string_view body) {
  return read_request_fields(body);
}

std::string readable_id(std::string_view body) {
  std::string id;
  try {
    mc::Limits limits;
    limits.check_utf8 = true;
    mc::read_map(body, limits, [&](std::string_view key, const mc::Value& v) {
      if (key != "id") return true;
      if (v.type == mc::Type::kStr && !v.text.empty() && v.text.size() <= kMaxIdBytes)
        id = std::string(v.text);
      return false;
    });
  } catch (const std::exception&) {
    id.clear();  // a body that cannot be read has no id to tell
  }
  return id;
}

std::string reencode_request(std::string_view body, std::string_view id, uint64_t deadline_ms,
                             uint64_t queued_ms) {
  return rewrite_map(body, id.size() + 40, replaced_by_broker, 3, [&](mc::Writer& w) {
    w.str("id");
    w.str(id);
    w.str("deadline_ms");
    w.uint(deadline_ms);
    w.str("queued_ms");
    w.uint(queued_ms);
  });
}

std::string replace_params(std::string_view body, std::string_view params) {
  auto is_params = [](std::string_view key) { return key == "params"; };
  return rewrite_map(body, params.size() + 8, is_params, 1, [&](mc::Writer& w) {
    w.str("params");
    w.raw(params);
  });
}

ReplyFields parse_reply(std::string_view body) {
  ReplyFields f;
  bool have_status = false;
  mc::read_map(body, {}, [&](std::string_view key, const mc::Value& v) {
    if (key == "status" && v.type == mc::Type::kStr) {
      if (v.text != "ok" && v.text != "error")
        throw EnvelopeError("field 'status' must be \"ok\" or \"error\", found \"" +
                            std::string(v.text) + "\"");
      f.ok = v.text == "ok";
      have_status = true;
    } else if (key == "id") {
      ++f.id_keys;
      if (v.type == mc::Type::kStr) f.id = v.text;
    } else if (key == "error" && v.type == mc::Type::kMap) {
      // Only for the metrics' outcome label: an odd error map leaves INTERNAL and does not make
      // the reply invalid (routing and publishing need only the status).
      try {
        mc::read_map(v.raw, {}, [&](std::string_view k, const mc::Value& c) {
          if (k != "code" || c.type != mc::Type::kStr) return true;
          if (auto code = error_code_from_string(c.text)) f.code = *code;
          return false;
        });
      } catch (const std::exception&) {
      }
    }
    return true;
  });
  if (!have_status) throw EnvelopeError("reply lacks a string field 'status'");
  return f;
}

}  // namespace intentq::broker
