// Framing, handshake and field conventions of the TWS codec (gateway/wire.hpp).
#include "gateway/wire.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "tests/unit/gateway_test_util.hpp"

namespace intentq::gw {
namespace {

using test::nul;

std::string be32(uint32_t n) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(n >> 24);
  s[1] = static_cast<char>(n >> 16);
  s[2] = static_cast<char>(n >> 8);
  s[3] = static_cast<char>(n);
  return s;
}

// The client's first bytes: "API\0", then `text` with its length prefix.
std::string api_hello(const std::string& text) {
  return std::string("API\0", 4) + be32(text.size()) + text;
}

// `bytes` hold a complete handshake offering min..max with `options`, `used` bytes long.
void expect_handshake(std::string_view bytes, int min, int max, const std::string& options,
                      size_t used) {
  size_t consumed = 0;
  auto h = parse_handshake(bytes, consumed);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->min_version, min);
  EXPECT_EQ(h->max_version, max);
  EXPECT_EQ(h->options, options);
  EXPECT_EQ(consumed, used);
}

TEST(Handshake, EncodesRangeAndSingleVersion) {
  EXPECT_EQ(encode_handshake(176, 200), std::string("API\0", 4) + be32(9) + "v176..200");
  EXPECT_EQ(encode_handshake(200, 200), std::string("API\0", 4) + be32(4) + "v200");
  // The doc's example bytes for v100..200.
  const std::string expected("\x41\x50\x49\x00\x00\x00\x00\x09v100..200", 17);
  EXPECT_EQ(encode_handshake(100, 200), expected);
}

TEST(Handshake, ParsesOnlyWhenComplete) {
  const std::string bytes = encode_handshake(176, 200) + "trailing";
  const size_t full = bytes.size() - 8;
  for (size_t n = 0; n < full; ++n) {
    size_t consumed = 99;
    EXPECT_FALSE(parse_handshake(std::string_view(bytes).substr(0, n), consumed)) << n;
    EXPECT_EQ(consumed, 0u);
  }
  expect_handshake(bytes, 176, 200, "", full);
}

TEST(Handshake, SingleVersionAndOptions) {
  std::string bytes = api_hello("v200 +PACEAPI");
  expect_handshake(bytes, 200, 200, "+PACEAPI", bytes.size());
}

TEST(Handshake, RejectsGarbage) {
  size_t consumed = 0;
  EXPECT_THROW(parse_handshake("GET / HTTP/1.1\r\n", consumed), CodecError);
  EXPECT_THROW(parse_handshake(std::string("AP\x01", 3), consumed), CodecError);
  EXPECT_THROW(parse_handshake(api_hello("176..200"), consumed), CodecError);
  EXPECT_THROW(parse_handshake(api_hello("vabc"), consumed), CodecError);
  EXPECT_THROW(parse_handshake(api_hello("v200..176"), consumed), CodecError);
  EXPECT_THROW(parse_handshake(api_hello("v176.."), consumed), CodecError);
  EXPECT_THROW(parse_handshake(std::string("API\0", 4) + be32(0), consumed), CodecError);
  EXPECT_THROW(parse_handshake(std::string("API\0", 4) + be32(1u << 30), consumed), CodecError);
}

TEST(Frame, PrefixesBigEndianLength) {
  const std::string payload = nul("71|2|1||");
  const std::string f = frame(payload);
  // The captured startApi bytes: 00 00 00 08 37 31 00 32 00 31 00 00.
  EXPECT_EQ(f, std::string("\x00\x00\x00\x08\x37\x31\x00\x32\x00\x31\x00\x00", 12));
  EXPECT_EQ(frame(std::string(300, 'x')).substr(0, 4), be32(300));
}

TEST(FrameReader, SplitAtEveryByteBoundary) {
  const std::vector<std::string> payloads = {nul("15|1|DU9000001|"), nul("9|1|1|"),
                                             nul("4|-1|2104|Market data farm connection is "
                                                 "OK:usfarm||1775425766350|")};
  std::string stream;
  for (const auto& p : payloads) stream += frame(p);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameReader r;
    std::vector<std::string> got;
    r.append(stream.data(), cut);
    while (auto p = r.next()) got.push_back(*p);
    r.append(stream.data() + cut, stream.size() - cut);
    while (auto p = r.next()) got.push_back(*p);
    EXPECT_EQ(got, payloads) << "cut at " << cut;
    EXPECT_EQ(r.buffered(), 0u);
  }
}

TEST(FrameReader, ByteByByteAndCoalesced) {
  std::string stream;
  for (int i = 0; i < 50; ++i) stream += frame(nul("9|1|" + std::to_string(i) + "|"));
  FrameReader r;
  int n = 0;
  for (char c : stream) {
    r.append(&c, 1);
    while (auto p = r.next()) {
      EXPECT_EQ(*p, nul("9|1|" + std::to_string(n) + "|"));
      ++n;
    }
  }
  EXPECT_EQ(n, 50);
  FrameReader all;
  all.append(stream);
  n = 0;
  while (all.next()) ++n;
  EXPECT_EQ(n, 50);
}

TEST(FrameReader, PartialFrameStaysBuffered) {
  FrameReader r;
  std::string f = frame(nul("49|1|1752606307|"));
  r.append(f.data(), f.size() - 1);
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.buffered(), f.size() - 1);
}

TEST(FrameReader, RejectsBadLengths) {
  FrameReader zero;
  zero.append(be32(0));
  EXPECT_THROW(zero.next(), CodecError);
  FrameReader huge;
  huge.append(be32(kMaxFrameSize + 1));
  EXPECT_THROW(huge.next(), CodecError);
  FrameReader max_ok;  // the largest allowed length is only "incomplete", not an error
  max_ok.append(be32(kMaxFrameSize));
  EXPECT_FALSE(max_ok.next());
  EXPECT_THROW(frame(std::string(kMaxFrameSize + 1, 'x')), CodecError);
}

TEST(FieldWriter, ValueConventions) {
  FieldWriter w;
  w.str("AAPL").i64(-1).dbl(201.94).dbl(0).dbl(-0.0).dbl(std::numeric_limits<double>::max());
  w.opt_dbl(std::nullopt).opt_int(std::nullopt).opt_int(7).boolean(true).boolean(false);
  w.decimal(100).decimal(0.5).java_dbl(0).java_dbl(5800).java_dbl(201.94);
  w.max_dbl(std::nullopt).max_int(std::nullopt).dbl(1e-7).dbl(123456789012.5);
  EXPECT_EQ(test::pipes(w.payload()),
            "AAPL|-1|201.94|0|0|1.7976931348623157E308|||7|1|0|100|0.5|0.0|5800.0|201.94|"
            "1.7976931348623157E308|2147483647|1E-7|123456789012.5|");
  EXPECT_EQ(w.fields(), 20u);
  EXPECT_THROW(FieldWriter().str(std::string("a\0b", 3)), CodecError);
}

TEST(FieldWriter, DoublesRoundTripThroughReader) {
  for (double v : {0.1, 201.8829709, 315114.75, -110.0, 1e300, 2.5e-12, 0.02, 1e7, 12345678.9}) {
    std::string p = FieldWriter().dbl(v).java_dbl(v).payload();
    FieldReader r(p);
    EXPECT_EQ(r.dbl(), v);
    EXPECT_EQ(r.dbl(), v);
  }
}

TEST(FieldReader, UnsetSentinelsBecomeNullopt) {
  const std::string payload =
      nul("|2147483647|9223372036854775807|1.7976931348623157E308||-9223372036854775808|"
          "9223372036854775807|2147483647|42|1.5|");
  FieldReader r(payload);
  EXPECT_FALSE(r.opt_i64());
  EXPECT_FALSE(r.opt_i64());
  EXPECT_FALSE(r.opt_i32());
  EXPECT_FALSE(r.opt_dbl());
  EXPECT_FALSE(r.opt_decimal());
  EXPECT_FALSE(r.opt_decimal());
  EXPECT_FALSE(r.opt_decimal());
  EXPECT_FALSE(r.opt_decimal());
  EXPECT_EQ(r.opt_i32(), 42);
  EXPECT_EQ(r.opt_decimal(), 1.5);
  EXPECT_TRUE(r.at_end());
}

TEST(FieldReader, PlainReadsAndEmptyDefaults) {
  const std::string r_payload = nul("|2147483647|-5|||1||0|true|1.0|0.0|Infinity|5.0|");
  FieldReader r(r_payload);
  EXPECT_EQ(r.i64(), 0);
  EXPECT_EQ(r.i64(), 2147483647);  // a plain int field keeps large values
  EXPECT_EQ(r.i32(), -5);
  EXPECT_EQ(r.dbl(), 0.0);
  EXPECT_EQ(r.decimal(), 0.0);
  EXPECT_TRUE(r.boolean());
  EXPECT_FALSE(r.boolean());
  EXPECT_FALSE(r.boolean());
  EXPECT_TRUE(r.boolean());
  EXPECT_EQ(r.decimal(), 1.0);
  EXPECT_EQ(r.opt_dbl(), 0.0);  // 0 is a value, not unset
  EXPECT_EQ(r.dbl(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.i64(), 5);  // integral decimal tolerated like atoi-based official decoders
  EXPECT_EQ(r.remaining_fields(), 0u);
  EXPECT_THROW(r.str(), CodecError);
}

TEST(FieldReader, MalformedFieldsThrow) {
  for (const char* bad : {"abc|", "12x|", "1.5|", " 1|", "0x10|", "99999999999999999999|"}) {
    const std::string r_payload = nul(bad);
    FieldReader r(r_payload);
    EXPECT_THROW(r.i64(), CodecError) << bad;
  }
  for (const char* bad : {"abc|", "1.2.3|", "nan|", "inf|", "1e999|", "--1|"}) {
    const std::string r_payload = nul(bad);
    FieldReader r(r_payload);
    EXPECT_THROW(r.dbl(), CodecError) << bad;
  }
  const std::string b_payload = nul("yes|");
  FieldReader b(b_payload);
  EXPECT_THROW(b.boolean(), CodecError);
  const std::string big_payload = nul("3000000000|");
  FieldReader big(big_payload);
  EXPECT_THROW(big.i32(), CodecError);
  // A trailing chunk without its terminator is not a field.
  const std::string cut_payload("1\0002", 3);
  FieldReader cut(cut_payload);
  EXPECT_EQ(cut.remaining_fields(), 1u);
  EXPECT_EQ(cut.i64(), 1);
  EXPECT_THROW(cut.str(), CodecError);
}

TEST(UnicodeEscapes, DecodeLikeTheOfficialClients) {
  EXPECT_EQ(unescape_unicode("Caf\\u00e9 \\u4e2d \\u12"), "Caf\u00e9 \u4e2d \\u12");
  EXPECT_EQ(unescape_unicode("\\ud83d\\ude00!"), "\U0001F600!");  // surrogate pair
  EXPECT_EQ(unescape_unicode("\\ud83d."), "\uFFFD.");             // lone high surrogate
  EXPECT_EQ(unescape_unicode("\\u0000"), "\uFFFD");               // never a NUL in a field
  EXPECT_EQ(unescape_unicode("\\uZZZZ \\u00"), "\\uZZZZ \\u00");
  EXPECT_EQ(unescape_unicode("plain"), "plain");
}

TEST(UnicodeEscapes, EncodeIsTheInverse) {
  EXPECT_EQ(escape_unicode("Caf\u00e9 \u4e2d"), "Caf\\u00e9 \\u4e2d");
  EXPECT_EQ(escape_unicode("\U0001F600"), "\\ud83d\\ude00");
  // A literal "\u0041" must not turn into "A" on the way back.
  EXPECT_EQ(escape_unicode("a\\u0041"), "a\\u005cu0041");
  for (std::string s : {"Caf\u00e9", "\U0001F600 x", "a\\u0041", "\\", "\\u12", "\xff\xfe bad",
                        "\xff\xbf\xbf", "\xf5\x80\x80\x80", "\xe0\x80\x80", "\xed\xa0\x80"}) {
    EXPECT_EQ(unescape_unicode(escape_unicode(s)), s) << s;
  }
}

TEST(FieldReader, CountsAndSkips) {
  const std::string r_payload = nul("a|b||d|");
  FieldReader r(r_payload);
  EXPECT_EQ(r.remaining_fields(), 4u);
  r.skip(2);
  EXPECT_EQ(r.field_index(), 2u);
  EXPECT_EQ(r.str(), "");
  EXPECT_EQ(r.str(), "d");
  EXPECT_TRUE(r.at_end());
}

}  // namespace
}  // namespace intentq::gw
