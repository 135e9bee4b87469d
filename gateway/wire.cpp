// Framing, handshake and field-level value conventions of the TWS socket protocol.
#include "gateway/wire.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "common/strings.hpp"

namespace intentq::gw {
namespace {

constexpr std::string_view kApiSignature{"API\0", 4};
// The version-range text is a few bytes; anything longer is not a TWS client.
constexpr uint32_t kMaxHandshakeText = 1024;

constexpr std::string_view kUnsetDoubleText = "1.7976931348623157E308";
constexpr int64_t kUnsetInt = std::numeric_limits<int32_t>::max();
constexpr int64_t kUnsetLong = std::numeric_limits<int64_t>::max();

uint32_t read_be32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void append_be32(std::string& out, uint32_t n) {
  out.push_back(static_cast<char>((n >> 24) & 0xFF));
  out.push_back(static_cast<char>((n >> 16) & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  out.push_back(static_cast<char>(n & 0xFF));
}

// Shortest round-trip text of v in the requested notation.
std::string to_chars_text(double v, std::chars_format fmt) {
  std::array<char, 400> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, fmt);
  if (ec != std::errc{}) throw CodecError("cannot format double");
  return std::string(buf.data(), end);
}

// "1.7976931348623157e+308" -> "1.7976931348623157E308" (Java's exponent spelling); with
// java_mantissa, "1e+07" -> "1.0E7".
std::string javaize_exponent(const std::string& sci, bool java_mantissa) {
  auto e = sci.find('e');
  if (e == std::string::npos) return sci;
  std::string mantissa = sci.substr(0, e);
  if (java_mantissa && mantissa.find('.') == std::string::npos) mantissa += ".0";
  std::string exp = sci.substr(e + 1);
  bool neg = false;
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) {
    neg = exp[0] == '-';
    exp.erase(0, 1);
  }
  while (exp.size() > 1 && exp[0] == '0') exp.erase(0, 1);
  return mantissa + "E" + (neg ? "-" : "") + exp;
}

std::optional<std::string> non_finite_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return std::nullopt;
}

std::string describe(std::string_view field) {
  std::string s(field.substr(0, 40));
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) c = '?';
  return "'" + s + (field.size() > 40 ? "...'" : "'");
}

bool parse_int(std::string_view s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  if (s == "Infinity" || s == "Infinite") {  // official Java/C++ vs ib_insync spelling
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-Infinity" || s == "-Infinite") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  // from_chars would also take "inf"/"nan"; IB never sends them, so they count as garbage.
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.'))
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) return false;
  return ec == std::errc{} && p == s.data() + s.size() && !std::isnan(out);
}

// The error for field #`index` whose text `f` is not `what` ("an integer", "a number", ...).
CodecError not_a(size_t index, const char* what, std::string_view f) {
  return CodecError("field #" + std::to_string(index) + " is not " + what + ": " + describe(f));
}

// `v` as an int; field #`index` is out of range otherwise.
int narrow_to_int(int64_t v, size_t index) {
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    throw CodecError("field #" + std::to_string(index) + " out of int range");
  return static_cast<int>(v);
}

// The value of a non-empty floating-point field; `what` names its kind in the error.
double floating(std::string_view f, size_t index, const char* what) {
  double v = 0;
  if (!parse_double(f, v)) throw not_a(index, what, f);
  return v;
}

}  // namespace

std::string format_double(double v) {
  if (auto t = non_finite_text(v)) return *t;
  if (v == 0) return "0";  // also folds -0
  double a = std::fabs(v);
  if (a >= 1e-6 && a < 1e17) return to_chars_text(v, std::chars_format::fixed);
  return javaize_exponent(to_chars_text(v, std::chars_format::scientific), false);
}

std::string format_java_double(double v) {
  if (auto t = non_finite_text(v)) return *t;
  if (v == 0) return "0.0";
  double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e7) {
    std::string s = to_chars_text(v, std::chars_format::fixed);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  return javaize_exponent(to_chars_text(v, std::chars_format::scientific), true);
}

// ---- Unicode escapes ----

namespace {

// The UTF-16 code unit of a "\uXXXX" escape at s[i], or -1.
int escape_at(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    int h = hex_value(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one UTF-8 sequence at s[i]; returns its length (0 if invalid) and the code point.
size_t utf8_at(std::string_view s, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  size_t n = (b >= 0xC2 && b <= 0xDF)   ? 2
             : (b >= 0xE0 && b <= 0xEF) ? 3
             : (b >= 0xF0 && b <= 0xF4) ? 4
                                        : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

void append_escape(std::string& out, uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
}

}  // namespace

std::string unescape_unicode(std::string_view s) {
  if (s.find("\\u") == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int unit = escape_at(s, i);
    if (unit < 0) {
      out.push_back(s[i++]);
      continue;
    }
    i += 6;
    uint32_t cp = static_cast<uint32_t>(unit);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      int low = escape_at(s, i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((static_cast<uint32_t>(unit) - 0xD800) << 10) +
             (static_cast<uint32_t>(low) - 0xDC00);
        i += 6;
      } else {
        cp = 0xFFFD;
      }
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      cp = 0xFFFD;
    } else if (unit == 0) {
      cp = 0xFFFD;  // a NUL would end the field on the way back out
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string escape_unicode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      // A literal backslash that the reader would take for an escape gets escaped itself.
      if (b == '\\' && escape_at(s, i) >= 0) {
        append_escape(out, '\\');
      } else {
        out.push_back(static_cast<char>(b));
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8_at(s, i, cp);
    if (n == 0) {
      out.push_back(static_cast<char>(b));  // not UTF-8: pass the byte through
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_escape(out, 0xD800 + (cp >> 10));
      append_escape(out, 0xDC00 + (cp & 0x3FF));
    } else {
      append_escape(out, cp);
    }
    i += n;
  }
  return out;
}

// ---- Handshake ----

std::string encode_handshake(int min_version, int max_version) {
  std::string text = "v" + std::to_string(min_version);
  if (max_version != min_version) text += ".." + std::to_string(max_version);
  std::string out(kApiSignature);
  append_be32(out, static_cast<uint32_t>(text.size()));
  return out + text;
}

std::optional<HandshakeRequest> parse_handshake(std::string_view data, size_t& consumed) {
  consumed = 0;
  size_t sig = std::min(data.size(), kApiSignature.size());
  if (data.substr(0, sig) != kApiSignature.substr(0, sig))
    throw CodecError("not a TWS API handshake (expected \"API\\0\")");
  if (data.size() < 8) return std::nullopt;
  uint32_t len = read_be32(data.data() + 4);
  if (len == 0 || len > kMaxHandshakeText)
    throw CodecError("bad handshake length " + std::to_string(len));
  if (data.size() < 8 + static_cast<size_t>(len)) return std::nullopt;
  std::string_view text = data.substr(8, len);

  // "v<min>[..<max>][ <options>]"
  if (text.empty() || text[0] != 'v') throw CodecError("handshake text must start with 'v'");
  std::string_view rest = text.substr(1);
  std::string_view range = rest.substr(0, rest.find(' '));
  std::string_view options =
      range.size() < rest.size() ? rest.substr(range.size() + 1) : std::string_view{};
  std::string_view lo = range.substr(0, range.find(".."));
  std::string_view hi = lo.size() < range.size() ? range.substr(lo.size() + 2) : lo;
  int64_t min_v = 0, max_v = 0;
  if (!parse_int(lo, min_v) || !parse_int(hi, max_v) || min_v <= 0 || max_v < min_v ||
      max_v > 100000)
    throw CodecError("bad handshake version range " + describe(range));
  consumed = 8 + len;
  return HandshakeRequest{static_cast<int>(min_v), static_cast<int>(max_v), std::string(options)};
}

// ---- Framing ----

std::string frame(std::string_view payload) {
  if (payload.size() > kMaxFrameSize)
    throw CodecError("payload of " + std::to_string(payload.size()) + " bytes exceeds frame limit");
  std::string out;
  out.reserve(4 + payload.size());
  append_be32(out, static_cast<uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

void FrameReader::append(const char* data, size_t n) {
  // Compact once the consumed prefix dominates, so a long-lived reader does not grow forever.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data, n);
}

std::optional<std::string> FrameReader::next() {
  if (buffered() < 4) return std::nullopt;
  uint32_t len = read_be32(buf_.data() + pos_);
  if (len == 0 || len > kMaxFrameSize)
    throw CodecError("bad frame length " + std::to_string(len) + " (allowed 1.." +
                     std::to_string(kMaxFrameSize) + ")");
  if (buffered() < 4 + static_cast<size_t>(len)) return std::nullopt;
  std::string payload = buf_.substr(pos_ + 4, len);
  pos_ += 4 + len;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return payload;
}

size_t FrameReader::buffered() const {
  return buf_.size() - pos_;
}

// ---- FieldWriter ----

FieldWriter& FieldWriter::str(std::string_view s) {
  // A NUL inside a field would shift every later field; IB text never contains one.
  if (s.find('\0') != std::string_view::npos) throw CodecError("field contains a NUL byte");
  out_.append(s);
  out_.push_back('\0');
  ++fields_;
  return *this;
}

FieldWriter& FieldWriter::i64(int64_t v) {
  return str(std::to_string(v));
}
FieldWriter& FieldWriter::dbl(double v) {
  return str(format_double(v));
}
FieldWriter& FieldWriter::java_dbl(double v) {
  return str(format_java_double(v));
}
FieldWriter& FieldWriter::opt_dbl(std::optional<double> v) {
  return v ? dbl(*v) : str("");
}
FieldWriter& FieldWriter::opt_int(std::optional<int64_t> v) {
  return v ? i64(*v) : str("");
}
FieldWriter& FieldWriter::boolean(bool b) {
  return str(b ? "1" : "0");
}
FieldWriter& FieldWriter::decimal(double v) {
  return str(format_double(v));
}
FieldWriter& FieldWriter::opt_decimal(std::optional<double> v) {
  return v ? decimal(*v) : str("");
}
FieldWriter& FieldWriter::max_dbl(std::optional<double> v) {
  return v ? dbl(*v) : str(kUnsetDoubleText);
}
FieldWriter& FieldWriter::max_int(std::optional<int64_t> v) {
  return i64(v ? *v : kUnsetInt);
}

// ---- FieldReader ----

FieldReader::FieldReader(std::string_view payload) : data_(payload) {}

std::string_view FieldReader::str() {
  size_t end = data_.find('\0', pos_);
  if (end == std::string_view::npos)
    throw CodecError("missing field #" + std::to_string(index_ + 1) + " (payload has " +
                     std::to_string(index_) + " fields)");
  std::string_view f = data_.substr(pos_, end - pos_);
  pos_ = end + 1;
  ++index_;
  return f;
}

void FieldReader::skip(size_t n) {
  for (size_t i = 0; i < n; ++i) str();
}

std::optional<int64_t> FieldReader::opt_i64() {
  std::string_view f = str();
  if (f.empty()) return std::nullopt;
  int64_t v = 0;
  if (!parse_int(f, v)) {
    // Be lenient with integral decimals ("5.0"): official decoders use atoi-like parsing.
    double d = 0;
    if (!parse_double(f, d) || d != std::floor(d) || std::fabs(d) > 9.2e18)
      throw not_a(index_, "an integer", f);
    v = static_cast<int64_t>(d);
  }
  if (v == kUnsetInt || v == kUnsetLong) return std::nullopt;
  return v;
}

int64_t FieldReader::i64() {
  // Here 2147483647 is a value (e.g. a large id), only empty means 0.
  std::string_view f = str();
  if (f.empty()) return 0;
  int64_t v = 0;
  if (parse_int(f, v)) return v;
  double d = 0;
  if (parse_double(f, d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
    return static_cast<int64_t>(d);
  throw not_a(index_, "an integer", f);
}

int FieldReader::i32() {
  return narrow_to_int(i64(), index_);
}

std::optional<int> FieldReader::opt_i32() {
  auto v = opt_i64();
  if (!v) return std::nullopt;
  return narrow_to_int(*v, index_);
}

std::optional<double> FieldReader::opt_dbl() {
  std::string_view f = str();
  if (f.empty()) return std::nullopt;
  const double v = floating(f, index_, "a number");
  if (v == std::numeric_limits<double>::max()) return std::nullopt;
  return v;
}

double FieldReader::dbl() {
  return opt_dbl().value_or(0.0);
}

std::optional<double> FieldReader::opt_decimal() {
  std::string_view f = str();
  if (f.empty()) return std::nullopt;
  const double v = floating(f, index_, "a decimal");
  // IB's unset Decimal has been seen as the long sentinels and as DBL_MAX text.
  if (f == "9223372036854775807" || f == "-9223372036854775808" || f == "2147483647" ||
      v == std::numeric_limits<double>::max())
    return std::nullopt;
  return v;
}

double FieldReader::decimal() {
  return opt_decimal().value_or(0.0);
}

bool FieldReader::boolean() {
  std::string_view f = str();
  if (f.empty() || f == "0" || f == "false") return false;
  if (f == "1" || f == "true") return true;
  int64_t v = 0;
  if (parse_int(f, v)) return v != 0;  // official decoders read bools as ints
  throw not_a(index_, "a boolean", f);
}

bool FieldReader::at_end() const {
  return pos_ >= data_.size();
}

size_t FieldReader::remaining_fields() const {
  size_t n = 0;
  for (size_t i = pos_; i < data_.size(); ++i)
    if (data_[i] == '\0') ++n;
  return n;
}

}  // namespace intentq::gw
