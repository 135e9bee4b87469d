// TWS API framing and field-level codec.
//
// The TWS socket protocol (server versions 176..200, see types.hpp) is a stream of frames: a 4-byte
// big-endian length followed by a payload of NUL-terminated text fields. This header holds the
// pieces every message shares: the handshake, framing, an incremental frame reader for TCP, and
// the typed field writer/reader that apply IB's value conventions (empty or sentinel = unset).
//
// Nothing here does I/O; the client session and the simulator feed bytes in and take bytes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace intentq::gw {

// Largest payload a frame may carry (IB's own limit: the length must fit 24 bits).
inline constexpr size_t kMaxFrameSize = 0xFFFFFF;  // 16 MiB - 1

// Anything that is not valid TWS protocol: bad frame length, missing field, non-numeric number.
struct CodecError : std::runtime_error {
  using runtime_error::runtime_error;
};

// The client's opening bytes: "API\0" + 4-byte BE length + "v<min>..<max>" ("v<n>" when equal).
std::string encode_handshake(int min_version, int max_version);

struct HandshakeRequest {
  int min_version = 0;
  int max_version = 0;
  std::string options;  // text after the version range (e.g. " +PACEAPI"), trimmed of one space
};

// For the simulator: parse the client's first bytes. Returns nullopt if more bytes are needed,
// throws CodecError if they are not an API handshake. `consumed` = bytes used.
std::optional<HandshakeRequest> parse_handshake(std::string_view data, size_t& consumed);

// 4-byte BE length + payload. Throws CodecError if the payload exceeds kMaxFrameSize.
std::string frame(std::string_view payload);

// Incremental frame splitter: handles partial and coalesced TCP reads.
class FrameReader {
 public:
  void append(const char* data, size_t n);
  void append(std::string_view data) { append(data.data(), data.size()); }
  // One complete payload, or nullopt when more bytes are needed. Throws CodecError on a length
  // of 0 or > kMaxFrameSize (the stream cannot be resynchronised after that).
  std::optional<std::string> next();
  size_t buffered() const;

 private:
  std::string buf_;
  size_t pos_ = 0;  // start of the unread bytes in buf_ (compacted lazily)
};

// Number formatting shared by the writer and tests. Shortest text that parses back to the same
// double ("201.94", "0", "1.7976931348623157E308"); java_double adds ".0" to integral values the
// way IB's Java gateway prints them ("0.0", "100.0").
std::string format_double(double v);
std::string format_java_double(double v);

// IB's ASCII-7 text escaping (server versions >= 153) for error texts and contract long names:
// the gateway sends non-ASCII characters as "\uXXXX" (UTF-16 code units). unescape_unicode turns
// them into UTF-8 (surrogate pairs combined; a lone surrogate becomes U+FFFD; anything that is not
// "\u" + 4 hex digits stays as it is). escape_unicode is the inverse for valid UTF-8 (invalid
// bytes pass through), and also escapes a backslash that would otherwise read as an escape.
std::string unescape_unicode(std::string_view s);
std::string escape_unicode(std::string_view s);

// Builds one payload of NUL-terminated text fields.
class FieldWriter {
 public:
  FieldWriter& str(std::string_view s);
  FieldWriter& i64(int64_t v);
  FieldWriter& dbl(double v);                      // shortest round-trip text (e.g. "201.94", "0")
  FieldWriter& opt_dbl(std::optional<double> v);   // empty when unset
  FieldWriter& opt_int(std::optional<int64_t> v);  // empty when unset
  FieldWriter& boolean(bool b);                    // "1"/"0"
  FieldWriter& decimal(double v);                  // IB decimal quantity as text ("100", "0.5")
  // Additions beyond the published API:
  FieldWriter& opt_decimal(std::optional<double> v);  // empty when unset
  FieldWriter& max_dbl(std::optional<double> v);      // unset as "1.7976931348623157E308"
  FieldWriter& max_int(std::optional<int64_t> v);     // unset as "2147483647"
  FieldWriter& java_dbl(
      double v);  // Java Double.toString style ("0.0", "201.94"), as IB writes some
  const std::string& payload() const { return out_; }
  size_t fields() const { return fields_; }

 private:
  std::string out_;
  size_t fields_ = 0;
};

// Reads fields in order from one payload. Never reads past the end: a missing field throws.
class FieldReader {
 public:
  explicit FieldReader(std::string_view payload);
  // The reader keeps a view: refuse temporaries that would dangle.
  explicit FieldReader(std::string&&) = delete;
  std::string_view str();  // throws CodecError("missing field ...") at end
  int64_t i64();           // empty -> 0; non-numeric -> CodecError
  int i32();
  std::optional<int64_t> opt_i64();  // empty / 2147483647 / 9223372036854775807 -> nullopt
  std::optional<int> opt_i32();
  double dbl();                         // empty -> 0
  std::optional<double> opt_dbl();      // empty / 1.7976931348623157E308 / "Infinity" -> nullopt
  double decimal();                     // IB decimal strings; unset -> 0
  std::optional<double> opt_decimal();  // unset long/sentinels -> nullopt
  bool boolean();                       // "1"/"true" -> true; empty/"0"/"false" -> false
  bool at_end() const;
  size_t remaining_fields() const;
  // Additions: position for error messages, and skipping fields the model does not keep.
  size_t field_index() const { return index_; }
  void skip(size_t n = 1);

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t index_ = 0;
};

}  // namespace intentq::gw
