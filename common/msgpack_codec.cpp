#include "common/msgpack_codec.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <msgpack.hpp>  // parse.hpp alone misses the unpack definitions it uses
#include <nlohmann/json.hpp>

#include "common/enum_names.hpp"

#include "common/envelope.hpp"

namespace intentq::msgpack_codec {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& what) {
  throw EnvelopeError(what);
}

// The msgpack-c visitor that checks one value against the limits while msgpack::parse walks it,
// records the value's top level, and (when asked) builds its JSON tree. Returning false from a
// callback stops the parser; the reason is kept in error_.
class Checker : public msgpack::null_visitor {
 public:
  struct Setup {
    std::string_view data;  // the whole input; positions below are offsets into it
    size_t start = 0;       // where the value begins
    size_t base_depth = 0;  // containers around the value (1 for a value inside the body's map)
    const Limits* limits = nullptr;
    std::string_view field;  // names the value in errors ("" = the body or a top-level key)
    json* out = nullptr;     // build the JSON tree here when set
  };

  explicit Checker(const Setup& s) : s_(s), min_pos_(s.start) {}

  // Parses the value at s_.start; returns the offset just past it. Throws EnvelopeError.
  size_t run() {
    size_t off = s_.start;
    if (off >= s_.data.size()) fail("truncated msgpack: expected a value at the end of the body");
    const bool ok = msgpack::parse(s_.data.data(), s_.data.size(), off, *this);
    if (!ok) fail(error_.empty() ? "invalid msgpack" : error_);
    root_.raw = s_.data.substr(s_.start, off - s_.start);
    return off;
  }
  const Value& root() const { return root_; }

  bool visit_nil() { return scalar(Type::kNil, json()); }
  bool visit_boolean(bool v) {
    if (frames_.empty()) root_.boolean = v;
    return scalar(Type::kBool, json(v));
  }
  bool visit_positive_integer(uint64_t v) { return unsigned_value(v); }
  bool visit_negative_integer(int64_t v) {
    // msgpack-c reports every signed encoding here, also int8 1 (d0 01): msgpack lets a sender
    // pick any encoding that holds the value, so a non-negative one is an unsigned integer.
    if (v >= 0) return unsigned_value(static_cast<uint64_t>(v));
    if (frames_.empty()) root_.integer = v;
    return scalar(Type::kInt, json(v));
  }
  bool visit_float32(float v) { return scalar(Type::kFloat, json(static_cast<double>(v))); }
  bool visit_float64(double v) { return scalar(Type::kFloat, json(v)); }
  bool visit_str(const char* v, uint32_t size) {
    const std::string_view text(v, size);
    if (s_.limits->check_utf8 && !is_valid_utf8(text)) {
      if (in_key()) return stop(where() + " has a key that is not valid UTF-8");
      return stop(where() + " is not valid UTF-8");
    }
    if (in_key()) {
      counted(v + size);
      frames_.back().key = text;
      return start_value();
    }
    if (frames_.empty()) root_.text = text;
    return scalar(Type::kStr, s_.out ? json(std::string(text)) : json(), v + size);
  }
  bool visit_bin(const char* v, uint32_t size) {
    return scalar(Type::kBin, s_.out ? json::binary({v, v + size}) : json(), v + size);
  }
  bool visit_ext(const char* v, uint32_t size) {  // v: the type byte, then size - 1 data bytes
    if (!s_.out) return scalar(Type::kExt, json(), v + size);
    return scalar(Type::kExt, json::binary({v + 1, v + size}, static_cast<uint8_t>(v[0])),
                  v + size);
  }

  bool start_array(uint32_t n) { return start_container(Type::kArray, n, n); }
  bool start_map(uint32_t n) { return start_container(Type::kMap, n, 2ull * n); }
  bool start_map_key() {
    frames_.back().in_key = true;
    return true;
  }
  bool end_map_value() {
    ++frames_.back().index;
    return true;
  }
  bool end_array_item() {
    ++frames_.back().index;
    return true;
  }
  bool end_array() { return end_container(); }
  bool end_map() { return end_container(); }

  void parse_error(size_t, size_t) {
    // 0xc1 is the only type byte msgpack leaves unused.
    error_ = "invalid msgpack: byte 0xc1 is not a valid type";
  }
  void insufficient_bytes(size_t, size_t) {
    error_ = "truncated msgpack: value ends past the end of the body";
  }

 private:
  struct Frame {
    Type type;
    uint32_t index = 0;
    bool in_key = false;
    std::string_view key;  // the current key of a map (when it is a string)
    json* node = nullptr;  // the container being built (JSON mode)
  };

  bool in_key() const { return !frames_.empty() && frames_.back().in_key; }

  // "field 'params.tags[1]'" for errors, from the field name and the path into it.
  std::string where() const {
    std::string path(s_.field);
    for (const auto& f : frames_) {
      if (f.type == Type::kArray) {
        path += "[" + std::to_string(f.index) + "]";
      } else if (!f.in_key) {
        if (!path.empty()) path += ".";
        path += f.key;
      }
    }
    // An empty path is a key of the body's map (read_map reads those with no field name).
    return path.empty() ? "an envelope key" : "field '" + path + "'";
  }

  bool stop(std::string why) {
    error_ = std::move(why);
    return false;
  }

  // Every value is at least one byte; str/bin/ext tell exactly where they end.
  void counted(const char* end = nullptr) {
    ++min_pos_;
    if (pending_ > 0) --pending_;
    if (end) min_pos_ = std::max(min_pos_, static_cast<size_t>(end - s_.data.data()));
  }

  // A map key that was not a string: envelopes and JSON have string keys only.
  bool key_check(Type type) {
    if (!in_key()) return true;
    if (s_.out || s_.limits->string_keys)
      return stop(where() + " is not a JSON-compatible map (map keys must be strings, found " +
                  std::string(type_name(type)) + ")");
    return start_value();  // keys are not kept when nobody builds a tree
  }
  bool start_value() {
    frames_.back().in_key = false;
    return true;
  }

  bool unsigned_value(uint64_t v) {
    if (frames_.empty()) {
      root_.uint = v;
      root_.integer = v > static_cast<uint64_t>(INT64_MAX) ? 0 : static_cast<int64_t>(v);
    }
    return scalar(Type::kUint, json(v));
  }

  bool scalar(Type type, json value, const char* end = nullptr) {
    counted(end);
    if (!key_check(type)) return false;
    if (frames_.empty()) {
      root_.type = type;
      if (s_.out) *s_.out = std::move(value);
      return true;
    }
    place(std::move(value));
    return true;
  }

  // Puts a finished value into the container being built; returns where it landed.
  json* place(json value) {
    auto& f = frames_.back();
    if (!s_.out) return nullptr;
    if (f.type == Type::kArray) {
      f.node->push_back(std::move(value));
      return &f.node->back();
    }
    auto& slot = (*f.node)[std::string(f.key)];
    slot = std::move(value);
    return &slot;
  }

  bool start_container(Type type, uint32_t n, uint64_t children) {
    counted();
    if (!key_check(type)) return false;
    if (s_.base_depth + frames_.size() + 1 > s_.limits->max_depth)
      return stop("msgpack nested deeper than " + std::to_string(s_.limits->max_depth) + " levels");
    pending_ += children;
    // Each entry still to come needs at least one byte: a header cannot promise more.
    if (pending_ > s_.data.size() - std::min(min_pos_, s_.data.size()))
      return stop("truncated msgpack: " + std::string(type_name(type)) + " of " +
                  std::to_string(n) + " entries is longer than the body");
    json* node = nullptr;
    json fresh = type == Type::kMap ? json::object() : json::array();
    if (frames_.empty()) {
      root_.type = type;
      root_.entries = n;
      if (s_.out) {
        *s_.out = std::move(fresh);
        node = s_.out;
      }
    } else {
      node = place(std::move(fresh));
    }
    frames_.push_back(Frame{type, 0, false, {}, node});
    return true;
  }

  bool end_container() {
    frames_.pop_back();
    return true;
  }

  Setup s_;
  size_t min_pos_;        // a lower bound of the parser's position
  uint64_t pending_ = 0;  // entries declared by open containers and not started yet
  std::vector<Frame> frames_;
  Value root_;
  std::string error_;
};

// The first value's type (and a container's count), read by msgpack-c, stopping right there.
class Head : public msgpack::null_visitor {
 public:
  Value value;
  std::string error;
  bool visit_nil() { return seen(Type::kNil); }
  bool visit_boolean(bool) { return seen(Type::kBool); }
  bool visit_positive_integer(uint64_t) { return seen(Type::kUint); }
  bool visit_negative_integer(int64_t v) { return seen(v >= 0 ? Type::kUint : Type::kInt); }
  bool visit_float32(float) { return seen(Type::kFloat); }
  bool visit_float64(double) { return seen(Type::kFloat); }
  bool visit_str(const char*, uint32_t) { return seen(Type::kStr); }
  bool visit_bin(const char*, uint32_t) { return seen(Type::kBin); }
  bool visit_ext(const char*, uint32_t) { return seen(Type::kExt); }
  bool start_array(uint32_t n) {
    value.entries = n;
    return seen(Type::kArray);
  }
  bool start_map(uint32_t n) {
    value.entries = n;
    return seen(Type::kMap);
  }
  void parse_error(size_t, size_t) { error = "invalid msgpack: byte 0xc1 is not a valid type"; }
  void insufficient_bytes(size_t, size_t) {
    error = "truncated msgpack: value ends past the end of the body";
  }

 private:
  bool seen(Type type) {
    value.type = type;
    stopped_ = true;
    return false;  // stop: only the head was asked for
  }
  bool stopped_ = false;
  friend Value read_head(std::string_view data);
};

Value read_head(std::string_view data) {
  Head head;
  size_t off = 0;
  msgpack::parse(data.data(), data.size(), off, head);
  if (!head.stopped_) fail(head.error.empty() ? "invalid msgpack" : head.error);
  return head.value;
}

}  // namespace

// In declaration order.
constexpr std::string_view kTypeNames[] = {
    "nil",   "boolean", "unsigned integer", "negative integer", "float", "string", "binary",
    "array", "map",     "extension"};
static_assert(std::size(kTypeNames) == enum_count(Type::kExt));

std::string_view type_name(Type type) {
  return name_of(kTypeNames, type, "unknown");
}

Value read_value(std::string_view data, const Limits& limits, std::string_view field) {
  if (data.empty()) fail("empty body: expected one msgpack value");
  Checker c({data, 0, 0, &limits, field, nullptr});
  const size_t end = c.run();
  if (end != data.size())
    fail("trailing bytes after the msgpack value (" + std::to_string(data.size() - end) +
         " bytes)");
  return c.root();
}

nlohmann::json to_json(std::string_view data, const Limits& limits, std::string_view field) {
  if (data.empty()) fail("empty body: expected one msgpack value");
  json out;
  Checker c({data, 0, 0, &limits, field, &out});
  const size_t end = c.run();
  if (end != data.size())
    fail("trailing bytes after the msgpack value (" + std::to_string(data.size() - end) +
         " bytes)");
  return out;
}

void read_map(std::string_view body, const Limits& limits,
              const std::function<bool(std::string_view key, const Value& value)>& entry) {
  if (body.empty()) fail("body is empty: expected a msgpack map");
  const auto head = read_head(body);  // throws on 0xc1 and on a truncated first value
  if (head.type != Type::kMap)
    fail("body is not a msgpack map (found " + std::string(type_name(head.type)) + ")");
  // msgpack-c read the count; where the header ends it does not say, and that is needed to parse
  // the entries one by one: fixmap, map16 and map32 headers are 1, 3 and 5 bytes long.
  const auto b = static_cast<unsigned char>(body[0]);
  const size_t header = b == 0xde ? 3 : b == 0xdf ? 5 : 1;
  if (2ull * head.entries > body.size() - header)
    fail("truncated msgpack: map of " + std::to_string(head.entries) +
         " entries is longer than the body");
  size_t off = header;
  for (uint32_t i = 0; i < head.entries; ++i) {
    Checker key({body, off, 1, &limits, "", nullptr});
    off = key.run();
    if (key.root().type != Type::kStr)
      fail("envelope keys must be strings (found " + std::string(type_name(key.root().type)) + ")");
    Checker value({body, off, 1, &limits, key.root().text, nullptr});
    off = value.run();
    if (!entry(key.root().text, value.root())) return;
  }
  if (off != body.size())
    fail("trailing bytes after the msgpack value (" + std::to_string(body.size() - off) +
         " bytes)");
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong 2-byte lead (c0, c1) or past U+10FFFF
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

void Writer::str(std::string_view text) {
  packer_.pack_str(static_cast<uint32_t>(text.size()));
  packer_.pack_str_body(text.data(), static_cast<uint32_t>(text.size()));
}

void Writer::json(const nlohmann::json& value) {
  using T = nlohmann::json::value_t;
  switch (value.type()) {
    case T::null:
    case T::discarded:
      packer_.pack_nil();
      return;
    case T::boolean:
      boolean(value.get<bool>());
      return;
    case T::number_integer:
      integer(value.get<int64_t>());
      return;
    case T::number_unsigned:
      uint(value.get<uint64_t>());
      return;
    case T::number_float:
      packer_.pack_double(value.get<double>());
      return;
    case T::string:
      str(value.get_ref<const std::string&>());
      return;
    case T::binary: {
      const auto& bytes = value.get_binary();
      const auto size = static_cast<uint32_t>(bytes.size());
      const auto* data = reinterpret_cast<const char*>(bytes.data());
      if (bytes.has_subtype()) {
        packer_.pack_ext(size, static_cast<int8_t>(bytes.subtype()));
        packer_.pack_ext_body(data, size);
      } else {
        packer_.pack_bin(size);
        packer_.pack_bin_body(data, size);
      }
      return;
    }
    case T::array:
      array_header(static_cast<uint32_t>(value.size()));
      for (const auto& item : value) json(item);
      return;
    case T::object:
      map_header(static_cast<uint32_t>(value.size()));
      for (const auto& [key, item] : value.items()) {
        str(key);
        json(item);
      }
      return;
  }
}

}  // namespace intentq::msgpack_codec
