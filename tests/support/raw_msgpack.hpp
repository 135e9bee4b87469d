// Builds msgpack bytes that JSON cannot express: a map with a key given twice, a float32, an
// integer in a wider encoding than needed. Tests of the params rules use it to send exactly the
// bytes a hostile client would.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace intentq::test {

class RawMsgpack {
 public:
  RawMsgpack& map(uint32_t entries) { return packer_.pack_map(entries), *this; }
  RawMsgpack& array(uint32_t entries) { return packer_.pack_array(entries), *this; }
  RawMsgpack& str(std::string_view s) {
    packer_.pack_str(static_cast<uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
    return *this;
  }
  RawMsgpack& nil() { return packer_.pack_nil(), *this; }
  RawMsgpack& boolean(bool b) { return (b ? packer_.pack_true() : packer_.pack_false()), *this; }
  RawMsgpack& integer(int64_t n) { return packer_.pack_int64(n), *this; }  // shortest form
  RawMsgpack& uint64_wide(uint64_t n) { return packer_.pack_fix_uint64(n), *this; }  // 9 bytes
  RawMsgpack& int64_wide(int64_t n) { return packer_.pack_fix_int64(n), *this; }     // 9 bytes
  // Always a float encoding (msgpack-c's pack_double/pack_float write an integral value as an
  // integer).
  RawMsgpack& float64(double d) {
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    return typed(0xcb, bits, 8);
  }
  RawMsgpack& float32(float f) {
    uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    return typed(0xca, bits, 4);
  }
  RawMsgpack& raw(std::string_view encoded) {
    return buffer_.write(encoded.data(), encoded.size()), *this;
  }
  std::string bytes() const { return {buffer_.data(), buffer_.size()}; }

 private:
  RawMsgpack& typed(unsigned char type, uint64_t big_endian_value, int bytes) {
    std::string out(1, static_cast<char>(type));
    for (int i = bytes - 1; i >= 0; --i)
      out.push_back(static_cast<char>((big_endian_value >> (8 * i)) & 0xff));
    return raw(out);
  }

  msgpack::sbuffer buffer_;
  msgpack::packer<msgpack::sbuffer> packer_{buffer_};
};

}  // namespace intentq::test
