// A small, allocation-free msgpack reader and writer for the top level of envelopes.
//
// Why not only msgpack-c or nlohmann::from_msgpack: both trust the length prefixes of untrusted
// input. msgpack-c allocates `count * sizeof(object)` as soon as it reads an array header (a
// 5-byte header can ask for gigabytes), and nlohmann's msgpack parser recurses once per nesting
// level (a body of 0x91 bytes overflows the stack). The Reader here checks every value before
// anything else looks at it: nesting is bounded, and no container may claim more elements than
// there are bytes left. After `validate()` the nlohmann parser is safe to run on any sub-span.
//
// The broker uses Reader/Writer directly on its hot path: it reads the few top-level fields it
// needs and copies the rest (params, unknown fields) as raw byte spans, so re-encoding a request
// for dispatch costs one string allocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace intentq::msgpack_lite {

// Deepest nesting accepted (maps/arrays inside maps/arrays). Envelopes and their params are flat
// in practice; 64 leaves room for odd results while keeping recursion in consumers bounded.
inline constexpr size_t kMaxDepth = 64;

enum class Type { kNil, kBool, kUint, kInt, kFloat, kStr, kBin, kArray, kMap, kExt };
std::string_view type_name(Type type);

// Reads msgpack values from a byte span. Every method throws EnvelopeError (common/envelope.hpp)
// with a message naming the problem when the input does not hold what was asked for.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool at_end() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }
  Type peek_type() const;  // the type of the next value (throws at end of input)

  uint32_t read_map_header();
  uint32_t read_array_header();
  std::string_view read_str();
  uint64_t read_uint();  // also accepts non-negative signed encodings
  int64_t read_int();    // any integer encoding that fits int64
  bool read_bool();
  bool try_read_nil();  // consumes a nil and returns true, else leaves the input alone
  // Skips one complete value (any depth, checked as in validate) and returns its raw bytes.
  std::string_view skip_value(size_t max_depth = kMaxDepth);

 private:
  unsigned char byte_at(size_t pos) const;
  uint64_t read_be(size_t pos, size_t width) const;
  std::string_view take(size_t n);
  std::string_view data_;
  size_t pos_ = 0;
};

// Checks that `data` is exactly one well-formed msgpack value (no trailing bytes) within the
// depth bound. Throws EnvelopeError otherwise.
void validate(std::string_view data, size_t max_depth = kMaxDepth);

// Appends msgpack encodings to a std::string. Chooses the shortest encoding, as msgpack asks.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void map_header(uint32_t count);
  void array_header(uint32_t count);
  void str(std::string_view text);
  void uint(uint64_t value);
  void integer(int64_t value);
  void boolean(bool value);
  void nil();
  void raw(std::string_view encoded) { out_.append(encoded); }  // an already-encoded value

 private:
  void be(uint64_t value, size_t width);
  std::string& out_;
};

}  // namespace intentq::msgpack_lite
