// Job envelope encode/decode: round trips of every field and clear errors for malformed bodies.
#include "common/envelope.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/msgpack_lite.hpp"

namespace intentq {
namespace {

using nlohmann::json;

std::string to_mp(const json& j) {
  const auto bytes = json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

// Runs `fn` and returns the EnvelopeError message, failing the test if nothing was thrown.
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const EnvelopeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected EnvelopeError";
  return {};
}

TEST(EnvelopeRequest, RoundTripsEveryField) {
  JobRequest in;
  in.id = "job-42";
  in.params = {{"account", "DU123"}, {"tags", {"NetLiquidation", "BuyingPower"}}, {"n", -7}};
  in.deadline_ms = 12345;
  in.reply = false;
  in.queued_ms = 17;
  const auto out = decode_request(encode_request(in));
  EXPECT_EQ(out.id, in.id);
  EXPECT_EQ(out.params, in.params);
  EXPECT_EQ(out.deadline_ms, in.deadline_ms);
  EXPECT_EQ(out.reply, false);
  EXPECT_EQ(out.queued_ms, in.queued_ms);
}

TEST(EnvelopeRequest, OptionalFieldsStayAbsent) {
  JobRequest in;
  const auto out = decode_request(encode_request(in));
  EXPECT_FALSE(out.id);
  EXPECT_FALSE(out.deadline_ms);
  EXPECT_FALSE(out.queued_ms);
  EXPECT_TRUE(out.reply);
  EXPECT_TRUE(out.params.is_object());
  EXPECT_TRUE(out.params.empty());
}

TEST(EnvelopeRequest, DecodesForeignEncodingsAndIgnoresUnknownFields) {
  // As a Python client would send it: nil for absent fields, an extra key, a large deadline.
  const auto body = to_mp({{"id", "x"},
                           {"params", nullptr},
                           {"deadline_ms", 5000000000ull},
                           {"future_field", {1, 2, 3}}});
  const auto out = decode_request(body);
  EXPECT_EQ(out.id, "x");
  EXPECT_TRUE(out.params.empty());
  EXPECT_EQ(out.deadline_ms, 5000000000ull);
}

TEST(EnvelopeRequest, EmptyMapIsAValidRequest) {
  const auto out = decode_request(std::string("\x80", 1));
  EXPECT_FALSE(out.id);
}

TEST(EnvelopeRequest, RejectsWrongTypesWithTheFieldName) {
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"id", 5}}));
            }).find("'id' must be a string"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"params", {1, 2}}}));
            }).find("'params'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"deadline_ms", "soon"}}));
            }).find("'deadline_ms' must be an unsigned integer"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"deadline_ms", -5}}));
            }).find("negative"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"deadline_ms", 0}}));
            }).find("greater than 0"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"reply", 1}}));
            }).find("'reply' must be a boolean"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_request(to_mp({{"id", ""}})); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([] {
              decode_request(to_mp({{"id", std::string(300, 'a')}}));
            }).find("longer than"),
            std::string::npos);
}

TEST(EnvelopeRequest, RejectsBodiesThatAreNotMaps) {
  EXPECT_NE(error_of([] { decode_request(to_mp(json::array({1}))); }).find("not a msgpack map"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_request(to_mp("text")); }).find("not a msgpack map"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_request(""); }).find("empty"), std::string::npos);
  // Plain text, as someone typing into a socket would send.
  EXPECT_FALSE(error_of([] { decode_request("hello world"); }).empty());
}

TEST(EnvelopeRequest, RejectsNonStringKeys) {
  // {1: "x"}
  EXPECT_NE(error_of([] { decode_request(std::string("\x81\x01\xa1x", 4)); }).find("keys"),
            std::string::npos);
  // {"params": {1: 2}}
  const std::string body = std::string("\x81\xa6params\x81\x01\x02", 11);
  EXPECT_NE(error_of([&] { decode_request(body); }).find("'params'"), std::string::npos);
}

TEST(EnvelopeRequest, RejectsTruncatedAndTrailingBytes) {
  const auto full = encode_request(JobRequest{"abc", {{"k", "value"}}, 100, true, {}});
  for (size_t n = 1; n < full.size(); ++n) {
    const auto cut = full.substr(0, n);
    EXPECT_THROW(decode_request(cut), EnvelopeError) << "prefix of " << n << " bytes";
  }
  EXPECT_NE(error_of([&] { decode_request(full + "x"); }).find("trailing"), std::string::npos);
}

TEST(EnvelopeRequest, RejectsHugeLengthClaimsWithoutAllocating) {
  // map32 claiming 4 billion entries, array32 and str32 claiming gigabytes.
  EXPECT_NE(error_of([] {
              decode_request(std::string("\xdf\xff\xff\xff\xff\xa1x", 7));
            }).find("truncated"),
            std::string::npos);
  const std::string arr = std::string("\x81\xa6params\x81\xa1k\xdd\xff\xff\xff\xff", 16);
  EXPECT_NE(error_of([&] { decode_request(arr); }).find("truncated"), std::string::npos);
  const std::string str = std::string("\x81\xa2id\xdb\xff\xff\xff\xff", 9);
  EXPECT_NE(error_of([&] { decode_request(str); }).find("truncated"), std::string::npos);
}

TEST(EnvelopeRequest, RejectsDeepNestingWithoutRecursing) {
  // {"params": {"k": [[[[... 100000 levels]]]]}}: would overflow a recursive parser's stack.
  std::string body("\x81\xa6params\x81\xa1k", 10);
  body.append(100000, '\x91');
  body.push_back('\xc0');
  EXPECT_NE(error_of([&] { decode_request(body); }).find("nested deeper"), std::string::npos);
}

TEST(EnvelopeRequest, InvalidTypeByte) {
  EXPECT_NE(error_of([] { decode_request(std::string("\xc1", 1)); }).find("0xc1"),
            std::string::npos);
}

TEST(EnvelopeRequest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> len(0, 64), byte(0, 255);
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s(len(rng), '\0');
    for (auto& c : s) c = static_cast<char>(byte(rng));
    try {
      decode_request(s);
    } catch (const EnvelopeError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 15000);  // most random strings are not maps; none may crash or hang
}

TEST(EnvelopeRequest, EncodeRejectsNonMapParams) {
  JobRequest in;
  in.params = json::array({1});
  EXPECT_THROW(encode_request(in), EnvelopeError);
}

TEST(EnvelopeReply, RoundTripsOk) {
  JobReply in;
  in.id = "j-1";
  in.intent = "positions";
  in.ok = true;
  in.result = {{"positions", json::array({{{"con_id", 265598}, {"avg_cost", 101.25}}})}};
  in.timings_ms = {{"queued", 1}, {"run", 25}, {"reqPositions", 20}};
  in.worker = "w-3";
  const auto out = decode_reply(encode_reply(in));
  EXPECT_EQ(out.id, in.id);
  EXPECT_EQ(out.intent, in.intent);
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.result, in.result);
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.timings_ms, in.timings_ms);
  EXPECT_EQ(out.worker, in.worker);
}

TEST(EnvelopeReply, RoundTripsErrorWithGatewayDetails) {
  JobReply in = make_error_reply("j-2", "summary", ErrorCode::kGatewayRefused, "client id in use");
  in.error->gateway_code = 326;
  in.error->gateway_message = "Unable to connect as the client id is already in use.";
  const auto out = decode_reply(encode_reply(in));
  ASSERT_TRUE(out.error);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error->code, ErrorCode::kGatewayRefused);
  EXPECT_EQ(out.error->message, "client id in use");
  EXPECT_EQ(out.error->gateway_code, 326);
  EXPECT_EQ(out.error->gateway_message, in.error->gateway_message);
  EXPECT_EQ(out.worker, "broker");
}

TEST(EnvelopeReply, EveryErrorCodeSurvives) {
  for (auto code :
       {ErrorCode::kBadRequest, ErrorCode::kUnknownIntent, ErrorCode::kBusy, ErrorCode::kTimeout,
        ErrorCode::kWorkerLost, ErrorCode::kGatewayUnreachable, ErrorCode::kGatewayRefused,
        ErrorCode::kGatewayError, ErrorCode::kGatewayPacing, ErrorCode::kInternal}) {
    const auto out = decode_reply(encode_reply(make_error_reply("i", "x", code, "m")));
    ASSERT_TRUE(out.error);
    EXPECT_EQ(out.error->code, code) << to_string(code);
  }
}

TEST(EnvelopeReply, UnknownErrorCodeIsKeptInTheMessage) {
  const auto body = to_mp({{"id", "a"},
                           {"intent", "b"},
                           {"status", "error"},
                           {"error", {{"code", "NEW_CODE"}, {"message", "m"}}}});
  const auto out = decode_reply(body);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, ErrorCode::kInternal);
  EXPECT_NE(out.error->message.find("NEW_CODE"), std::string::npos);
}

TEST(EnvelopeReply, RejectsMissingAndWrongFields) {
  EXPECT_NE(error_of([] {
              decode_reply(to_mp({{"intent", "b"}, {"status", "ok"}}));
            }).find("'id'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_reply(to_mp({{"id", "a"}, {"intent", "b"}, {"status", "maybe"}}));
            }).find("\"ok\" or \"error\""),
            std::string::npos);
  EXPECT_NE(error_of([] {
              decode_reply(to_mp({{"id", "a"}, {"intent", "b"}, {"status", "error"}}));
            }).find("'error'"),
            std::string::npos);
  EXPECT_NE(
      error_of([] {
        decode_reply(to_mp({{"id", "a"}, {"intent", "b"}, {"status", "ok"}, {"result", "x"}}));
      }).find("'result' must be a map"),
      std::string::npos);
  EXPECT_THROW(decode_reply("\x93\x01\x02\x03"), EnvelopeError);
}

TEST(EnvelopeReply, ToJsonHasTheWireShape) {
  JobReply in = make_error_reply("j", "echo", ErrorCode::kTimeout, "deadline passed");
  const auto j = reply_to_json(in);
  EXPECT_EQ(j.at("status"), "error");
  EXPECT_EQ(j.at("error").at("code"), "TIMEOUT");
  EXPECT_EQ(j.at("error").at("message"), "deadline passed");
  EXPECT_FALSE(j.contains("result"));
  EXPECT_EQ(j.at("worker"), "broker");
  // The JSON view and the msgpack body agree.
  EXPECT_EQ(json::from_msgpack(encode_reply(in)), j);
}

TEST(MsgpackLite, WriterUsesShortestEncodingsThatReaderReads) {
  std::string out;
  msgpack_lite::Writer w(out);
  const std::vector<uint64_t> uints = {0,     127,   128,           255,           256,
                                       65535, 65536, 4294967295ull, 4294967296ull, UINT64_MAX};
  const std::vector<int64_t> ints = {-1,     -32,    -33,       -128,     -129,
                                     -32768, -32769, INT32_MIN, INT64_MIN};
  for (auto u : uints) w.uint(u);
  for (auto i : ints) w.integer(i);
  w.str(std::string(40, 'a'));
  w.str(std::string(300, 'b'));
  msgpack_lite::Reader r(out);
  for (auto u : uints) EXPECT_EQ(r.read_uint(), u);
  for (auto i : ints) EXPECT_EQ(r.read_int(), i);
  EXPECT_EQ(r.read_str(), std::string(40, 'a'));
  EXPECT_EQ(r.read_str(), std::string(300, 'b'));
  EXPECT_TRUE(r.at_end());
  // Agrees with an independent encoder.
  EXPECT_EQ(json::from_msgpack(std::string("\xcd\x01\x00", 3)), 256);
  std::string one;
  msgpack_lite::Writer(one).uint(256);
  EXPECT_EQ(one, std::string("\xcd\x01\x00", 3));
}

}  // namespace
}  // namespace intentq
