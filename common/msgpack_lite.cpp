#include "common/msgpack_lite.hpp"

#include <array>
#include <string>

#include "common/envelope.hpp"

namespace intentq::msgpack_lite {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw EnvelopeError(what);
}

// Length of a value's header and the size of the payload that follows it, plus how many
// child values it contains (maps count keys and values).
struct Header {
  Type type;
  size_t header_len;  // bytes of the type byte and length fields
  uint64_t payload;   // bytes following the header that belong to this value (str/bin/ext/num)
  uint64_t children;  // nested values (array elements, map keys + values)
};

}  // namespace

namespace {

uint64_t be_at(std::string_view data, size_t pos, size_t width) {
  if (pos + width > data.size()) fail("truncated msgpack: value ends past the end of the body");
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
  return v;
}

Header header_at(std::string_view data, size_t pos) {
  if (pos >= data.size()) fail("truncated msgpack: expected a value at the end of the body");
  const auto b = static_cast<unsigned char>(data[pos]);
  if (b <= 0x7f) return {Type::kUint, 1, 0, 0};
  if (b <= 0x8f) return {Type::kMap, 1, 0, 2ull * (b & 0x0f)};
  if (b <= 0x9f) return {Type::kArray, 1, 0, b & 0x0fu};
  if (b <= 0xbf) return {Type::kStr, 1, b & 0x1fu, 0};
  if (b >= 0xe0) return {Type::kInt, 1, 0, 0};
  switch (b) {
    case 0xc0:
      return {Type::kNil, 1, 0, 0};
    case 0xc2:
    case 0xc3:
      return {Type::kBool, 1, 0, 0};
    case 0xc4:
      return {Type::kBin, 2, be_at(data, pos + 1, 1), 0};
    case 0xc5:
      return {Type::kBin, 3, be_at(data, pos + 1, 2), 0};
    case 0xc6:
      return {Type::kBin, 5, be_at(data, pos + 1, 4), 0};
    case 0xc7:
      return {Type::kExt, 3, be_at(data, pos + 1, 1), 0};
    case 0xc8:
      return {Type::kExt, 4, be_at(data, pos + 1, 2), 0};
    case 0xc9:
      return {Type::kExt, 6, be_at(data, pos + 1, 4), 0};
    case 0xca:
      return {Type::kFloat, 1, 4, 0};
    case 0xcb:
      return {Type::kFloat, 1, 8, 0};
    case 0xcc:
      return {Type::kUint, 1, 1, 0};
    case 0xcd:
      return {Type::kUint, 1, 2, 0};
    case 0xce:
      return {Type::kUint, 1, 4, 0};
    case 0xcf:
      return {Type::kUint, 1, 8, 0};
    case 0xd0:
      return {Type::kInt, 1, 1, 0};
    case 0xd1:
      return {Type::kInt, 1, 2, 0};
    case 0xd2:
      return {Type::kInt, 1, 4, 0};
    case 0xd3:
      return {Type::kInt, 1, 8, 0};
    case 0xd4:
      return {Type::kExt, 2, 1, 0};
    case 0xd5:
      return {Type::kExt, 2, 2, 0};
    case 0xd6:
      return {Type::kExt, 2, 4, 0};
    case 0xd7:
      return {Type::kExt, 2, 8, 0};
    case 0xd8:
      return {Type::kExt, 2, 16, 0};
    case 0xd9:
      return {Type::kStr, 2, be_at(data, pos + 1, 1), 0};
    case 0xda:
      return {Type::kStr, 3, be_at(data, pos + 1, 2), 0};
    case 0xdb:
      return {Type::kStr, 5, be_at(data, pos + 1, 4), 0};
    case 0xdc:
      return {Type::kArray, 3, 0, be_at(data, pos + 1, 2)};
    case 0xdd:
      return {Type::kArray, 5, 0, be_at(data, pos + 1, 4)};
    case 0xde:
      return {Type::kMap, 3, 0, 2 * be_at(data, pos + 1, 2)};
    case 0xdf:
      return {Type::kMap, 5, 0, 2 * be_at(data, pos + 1, 4)};
    default:
      break;  // 0xc1 is "never used"
  }
  fail("invalid msgpack: byte 0xc1 is not a valid type");
}

// Signed integers with a negative value are reported as kInt; non-negative signed encodings
// (d0..d3 holding >= 0) as kUint, so callers asking for an unsigned accept both.
bool is_signed_encoding(unsigned char b) {
  return b >= 0xe0 || (b >= 0xd0 && b <= 0xd3);
}

}  // namespace

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kNil:
      return "nil";
    case Type::kBool:
      return "boolean";
    case Type::kUint:
      return "unsigned integer";
    case Type::kInt:
      return "negative integer";
    case Type::kFloat:
      return "float";
    case Type::kStr:
      return "string";
    case Type::kBin:
      return "binary";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kExt:
      return "extension";
  }
  return "unknown";
}

unsigned char Reader::byte_at(size_t pos) const {
  if (pos >= data_.size()) fail("truncated msgpack: value ends past the end of the body");
  return static_cast<unsigned char>(data_[pos]);
}

uint64_t Reader::read_be(size_t pos, size_t width) const {
  if (pos + width > data_.size()) fail("truncated msgpack: value ends past the end of the body");
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos + i]);
  return v;
}

std::string_view Reader::take(size_t n) {
  if (n > data_.size() - pos_) fail("truncated msgpack: value ends past the end of the body");
  auto s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

Type Reader::peek_type() const {
  return header_at(data_, pos_).type;
}

uint32_t Reader::read_map_header() {
  const auto h = header_at(data_, pos_);
  if (h.type != Type::kMap) fail("expected a map, found " + std::string(type_name(h.type)));
  pos_ += h.header_len;
  return static_cast<uint32_t>(h.children / 2);
}

uint32_t Reader::read_array_header() {
  const auto h = header_at(data_, pos_);
  if (h.type != Type::kArray) fail("expected an array, found " + std::string(type_name(h.type)));
  pos_ += h.header_len;
  return static_cast<uint32_t>(h.children);
}

std::string_view Reader::read_str() {
  const auto h = header_at(data_, pos_);
  if (h.type != Type::kStr) fail("expected a string, found " + std::string(type_name(h.type)));
  pos_ += h.header_len;
  return take(h.payload);
}

int64_t Reader::read_int() {
  const auto b = byte_at(pos_);
  const auto h = header_at(data_, pos_);
  if (h.type != Type::kUint && h.type != Type::kInt)
    fail("expected an integer, found " + std::string(type_name(h.type)));
  if (h.payload == 0) {  // fixint
    ++pos_;
    return b >= 0xe0 ? static_cast<int64_t>(static_cast<int8_t>(b)) : static_cast<int64_t>(b);
  }
  const uint64_t raw = read_be(pos_ + 1, h.payload);
  pos_ += 1 + h.payload;
  if (!is_signed_encoding(b)) {
    if (raw > static_cast<uint64_t>(INT64_MAX)) fail("integer too large");
    return static_cast<int64_t>(raw);
  }
  // Sign-extend from the encoded width.
  const unsigned shift = static_cast<unsigned>(64 - 8 * h.payload);
  return static_cast<int64_t>(raw << shift) >> shift;
}

uint64_t Reader::read_uint() {
  const auto b = byte_at(pos_);
  const auto h = header_at(data_, pos_);
  if (h.type != Type::kUint && h.type != Type::kInt)
    fail("expected an unsigned integer, found " + std::string(type_name(h.type)));
  if (is_signed_encoding(b)) {
    const size_t start = pos_;
    const int64_t v = read_int();
    if (v < 0) {
      pos_ = start;
      fail("expected an unsigned integer, found a negative integer");
    }
    return static_cast<uint64_t>(v);
  }
  if (h.payload == 0) {
    ++pos_;
    return b;
  }
  const uint64_t v = read_be(pos_ + 1, h.payload);
  pos_ += 1 + h.payload;
  return v;
}

bool Reader::read_bool() {
  const auto b = byte_at(pos_);
  if (b != 0xc2 && b != 0xc3)
    fail("expected a boolean, found " + std::string(type_name(peek_type())));
  ++pos_;
  return b == 0xc3;
}

bool Reader::try_read_nil() {
  if (pos_ < data_.size() && static_cast<unsigned char>(data_[pos_]) == 0xc0) {
    ++pos_;
    return true;
  }
  return false;
}

std::string_view Reader::skip_value(size_t max_depth) {
  const size_t start = pos_;
  // remaining[d] = values still to read in the container at depth d; depth 0 is the value itself.
  std::array<uint64_t, kMaxDepth + 2> remaining{};
  if (max_depth > kMaxDepth) max_depth = kMaxDepth;
  size_t depth = 0;
  remaining[0] = 1;
  uint64_t pending = 1;  // sum of remaining[]: each pending value needs at least one byte
  while (true) {
    while (depth > 0 && remaining[depth] == 0) --depth;
    if (remaining[depth] == 0) break;
    const auto h = header_at(data_, pos_);
    --remaining[depth];
    --pending;
    if (h.header_len + h.payload > data_.size() - pos_)
      fail("truncated msgpack: " + std::string(type_name(h.type)) +
           " ends past the end of the body");
    pos_ += h.header_len + h.payload;
    if (h.children == 0) continue;
    if (depth + 1 > max_depth)
      fail("msgpack nested deeper than " + std::to_string(max_depth) + " levels");
    pending += h.children;
    if (pending > data_.size() - pos_)
      fail("truncated msgpack: " + std::string(type_name(h.type)) + " of " +
           std::to_string(h.type == Type::kMap ? h.children / 2 : h.children) +
           " entries is longer than the body");
    remaining[++depth] = h.children;
  }
  return data_.substr(start, pos_ - start);
}

void validate(std::string_view data, size_t max_depth) {
  if (data.empty()) fail("empty body: expected one msgpack value");
  Reader r(data);
  r.skip_value(max_depth);
  if (!r.at_end())
    fail("trailing bytes after the msgpack value (" + std::to_string(data.size() - r.position()) +
         " bytes)");
}

void Writer::be(uint64_t value, size_t width) {
  for (size_t i = width; i-- > 0;) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void Writer::map_header(uint32_t count) {
  if (count <= 15) {
    out_.push_back(static_cast<char>(0x80 | count));
  } else if (count <= 0xffff) {
    out_.push_back(static_cast<char>(0xde));
    be(count, 2);
  } else {
    out_.push_back(static_cast<char>(0xdf));
    be(count, 4);
  }
}

void Writer::array_header(uint32_t count) {
  if (count <= 15) {
    out_.push_back(static_cast<char>(0x90 | count));
  } else if (count <= 0xffff) {
    out_.push_back(static_cast<char>(0xdc));
    be(count, 2);
  } else {
    out_.push_back(static_cast<char>(0xdd));
    be(count, 4);
  }
}

void Writer::str(std::string_view text) {
  const auto n = text.size();
  if (n <= 31) {
    out_.push_back(static_cast<char>(0xa0 | n));
  } else if (n <= 0xff) {
    out_.push_back(static_cast<char>(0xd9));
    be(n, 1);
  } else if (n <= 0xffff) {
    out_.push_back(static_cast<char>(0xda));
    be(n, 2);
  } else {
    out_.push_back(static_cast<char>(0xdb));
    be(n, 4);
  }
  out_.append(text);
}

void Writer::uint(uint64_t value) {
  if (value <= 0x7f) {
    out_.push_back(static_cast<char>(value));
  } else if (value <= 0xff) {
    out_.push_back(static_cast<char>(0xcc));
    be(value, 1);
  } else if (value <= 0xffff) {
    out_.push_back(static_cast<char>(0xcd));
    be(value, 2);
  } else if (value <= 0xffffffffull) {
    out_.push_back(static_cast<char>(0xce));
    be(value, 4);
  } else {
    out_.push_back(static_cast<char>(0xcf));
    be(value, 8);
  }
}

void Writer::integer(int64_t value) {
  if (value >= 0) return uint(static_cast<uint64_t>(value));
  const auto u = static_cast<uint64_t>(value);
  if (value >= -32) {
    out_.push_back(static_cast<char>(value));
  } else if (value >= INT8_MIN) {
    out_.push_back(static_cast<char>(0xd0));
    be(u, 1);
  } else if (value >= INT16_MIN) {
    out_.push_back(static_cast<char>(0xd1));
    be(u, 2);
  } else if (value >= INT32_MIN) {
    out_.push_back(static_cast<char>(0xd2));
    be(u, 4);
  } else {
    out_.push_back(static_cast<char>(0xd3));
    be(u, 8);
  }
}

void Writer::boolean(bool value) {
  out_.push_back(static_cast<char>(value ? 0xc3 : 0xc2));
}

void Writer::nil() {
  out_.push_back(static_cast<char>(0xc0));
}

}  // namespace intentq::msgpack_lite
