// msgpack for envelopes, on msgpack-c: a bounded reader for untrusted bodies and a writer.
//
// msgpack-c's DOM unpacker (msgpack::unpack) trusts length prefixes: it allocates
// `count * sizeof(msgpack::object)` as soon as it reads an array header, so a 5-byte header can
// ask for gigabytes. Its event parser (msgpack::parse with a visitor) is iterative and allocates
// nothing per element; the visitor here refuses, before the parser goes on:
//   - a container that declares more entries than there are bytes left (each entry needs >= 1),
//   - nesting deeper than Limits::max_depth,
//   - with Limits::check_utf8, a string (map key or value) that is not valid UTF-8.
// Strings, bins and exts can never claim more than the bytes present: msgpack-c checks that.
//
// Nothing here is hand-decoded except one fact msgpack-c's event API does not report: where a
// value ends inside a larger one. read_map() therefore gets the top-level map's header length
// from its type byte (1, 3 or 5 bytes: fixmap, map16, map32) and lets msgpack-c parse each key
// and value on its own, so every value's raw bytes are known. That is what lets the broker pass
// `params` through to workers without decoding or re-encoding them.
//
// Every function throws EnvelopeError (common/envelope.hpp) with a message naming the problem.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <msgpack/pack.hpp>
// Only names nlohmann::json: units that build or read JSON include <nlohmann/json.hpp>.
#include <nlohmann/json_fwd.hpp>

namespace intentq::msgpack_codec {

// Deepest nesting accepted (maps/arrays inside maps/arrays). Envelopes and their params are flat
// in practice; 64 leaves room for odd results while keeping any recursion in consumers (e.g.
// nlohmann's dump) shallow.
inline constexpr size_t kMaxDepth = 64;

enum class Type { kNil, kBool, kUint, kInt, kFloat, kStr, kBin, kArray, kMap, kExt };
std::string_view type_name(Type type);  // kInt reads "negative integer"

struct Limits {
  size_t max_depth = kMaxDepth;
  // Refuse strings (keys and values, at any depth) that are not valid UTF-8. The error names the
  // field: "field 'params.tags[1]' is not valid UTF-8".
  bool check_utf8 = false;
  // Refuse maps with keys that are not strings at any depth (JSON has string keys only).
  bool string_keys = false;
};

// One value as read by read_value()/read_map(). Integers stored with a signed encoding but a
// non-negative value (e.g. d0 01 = int8 1) are kUint: msgpack does not fix the encoding.
struct Value {
  Type type = Type::kNil;
  std::string_view raw;   // the value's complete encoding (points into the input)
  uint64_t uint = 0;      // kUint
  int64_t integer = 0;    // kInt (always negative) and kUint values that fit int64
  bool boolean = false;   // kBool
  std::string_view text;  // kStr (points into the input)
  uint32_t entries = 0;   // kArray: elements, kMap: key/value pairs
};

// Reads exactly one value from `data` (no trailing bytes), checked against `limits`. `field`
// names the value in error messages (e.g. "params").
Value read_value(std::string_view data, const Limits& limits = {}, std::string_view field = "");

// Reads a body that must be one map, checks all of it against `limits`, then calls `entry` with
// each key and value in order. Keys must be strings. `entry` may stop early by returning false.
// Errors: "body is empty: ...", "body is not a msgpack map (found array)", "envelope keys must
// be strings (found ...)", "truncated msgpack: ...", "trailing bytes ...", and the limits'.
void read_map(std::string_view body, const Limits& limits,
              const std::function<bool(std::string_view key, const Value& value)>& entry);

// The value as JSON. Map keys must be strings (JSON has no other kind); bin and ext values become
// nlohmann binary values. Strings are copied as they are: dump with error_handler_t::replace to
// print a tree whose strings were not checked.
nlohmann::json to_json(std::string_view data, const Limits& limits = {},
                       std::string_view field = "");

bool is_valid_utf8(std::string_view text);

// Appends msgpack to a std::string through msgpack::packer (shortest encodings).
class Writer {
 public:
  explicit Writer(std::string& out) : sink_{out}, packer_(sink_) {}
  void map_header(uint32_t count) { packer_.pack_map(count); }
  void array_header(uint32_t count) { packer_.pack_array(count); }
  void str(std::string_view text);
  void uint(uint64_t value) { packer_.pack_uint64(value); }
  void integer(int64_t value) { packer_.pack_int64(value); }
  void boolean(bool value) { value ? packer_.pack_true() : packer_.pack_false(); }
  void nil() { packer_.pack_nil(); }
  void real(double value) { packer_.pack_double(value); }
  void raw(std::string_view encoded) { sink_.out.append(encoded); }  // an encoded value
  void json(const nlohmann::json& value);  // objects, arrays, scalars, binary

 private:
  struct Sink {
    std::string& out;
    void write(const char* data, size_t size) { out.append(data, size); }
  };
  Sink sink_;
  msgpack::packer<Sink> packer_;
};

}  // namespace intentq::msgpack_codec
