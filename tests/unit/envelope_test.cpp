// Job envelope encode/decode: round trips of every field and clear errors for malformed bodies.
#include "common/envelope.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/msgpack_codec.hpp"
#include "tests/support/msgpack_json.hpp"

namespace intentq {
namespace {

using nlohmann::json;

std::string to_mp(const json& j) {
  return test::mp(j);
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

// A JobRequest sends priority and client only when set (intentq history: bulk).
TEST(EnvelopeRequest, PriorityAndClientAreEncodedWhenSet) {
  JobRequest in;
  in.id = "h-1";
  auto f = read_request_fields(encode_request(in));
  EXPECT_EQ(f.priority, Priority::kNormal);
  EXPECT_FALSE(f.client);
  for (auto p : {Priority::kInteractive, Priority::kNormal, Priority::kBulk}) {
    in.priority = p;
    in.client = "svc-a";
    const auto body = encode_request(in);  // the fields view into it
    f = read_request_fields(body);
    EXPECT_EQ(f.priority, p);
    EXPECT_EQ(f.client, "svc-a");
  }
}

// Issue 20: the scheduling fields every intentq request may carry.
TEST(EnvelopeRequest, PriorityAndClientAreValidated) {
  const auto body = to_mp({{"priority", "bulk"}, {"client", "svc-a"}});  // fields view into it
  auto f = read_request_fields(body);
  EXPECT_EQ(f.priority, Priority::kBulk);
  EXPECT_EQ(f.client, "svc-a");
  f = read_request_fields(to_mp({{"priority", nullptr}}));
  EXPECT_EQ(f.priority, Priority::kNormal);
  EXPECT_FALSE(f.client);
  EXPECT_EQ(read_request_fields(to_mp({{"priority", "interactive"}})).priority,
            Priority::kInteractive);
  for (const json& bad :
       {json{{"priority", "urgent"}}, json{{"priority", 2}}, json{{"priority", "Bulk"}}})
    EXPECT_NE(error_of([&] {
                read_request_fields(to_mp(bad));
              }).find("field 'priority' must be \"interactive\", \"normal\" or \"bulk\""),
              std::string::npos)
        << bad.dump();
  for (const json& bad : {json{{"client", ""}}, json{{"client", "a b"}},
                          json{{"client", std::string(129, 'c')}}, json{{"client", 7}}})
    EXPECT_NE(error_of([&] { read_request_fields(to_mp(bad)); }).find("field 'client'"),
              std::string::npos)
        << bad.dump();
  const auto longest = to_mp({{"client", std::string(128, 'c')}});
  EXPECT_EQ(read_request_fields(longest).client->size(), 128u);
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
  const auto full = encode_request(JobRequest{"abc", {{"k", "value"}}, 100, true, {}, 0, {}, {}});
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
  std::string body("\x81\xa6params\x81\xa1k", 11);  // {"params": {"k": ...
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

TEST(MsgpackCodec, WriterUsesShortestEncodingsThatTheReaderReads) {
  const std::vector<uint64_t> uints = {0,     127,   128,           255,           256,
                                       65535, 65536, 4294967295ull, 4294967296ull, UINT64_MAX};
  const std::vector<int64_t> ints = {-1,     -32,    -33,       -128,     -129,
                                     -32768, -32769, INT32_MIN, INT64_MIN};
  // What the reader makes of the bytes `write` puts out.
  auto read_back = [](const auto& write) {
    std::string out;
    msgpack_codec::Writer w(out);
    write(w);
    return msgpack_codec::read_value(out);
  };
  for (auto u : uints) {
    const auto v = read_back([u](msgpack_codec::Writer& w) { w.uint(u); });
    EXPECT_EQ(v.type, msgpack_codec::Type::kUint);
    EXPECT_EQ(v.uint, u);
  }
  for (auto i : ints) {
    const auto v = read_back([i](msgpack_codec::Writer& w) { w.integer(i); });
    EXPECT_EQ(v.type, msgpack_codec::Type::kInt);
    EXPECT_EQ(v.integer, i);
  }
  // Agrees with an independent encoder.
  std::string one;
  msgpack_codec::Writer(one).uint(256);
  EXPECT_EQ(one, std::string("\xcd\x01\x00", 3));
  std::string text;
  msgpack_codec::Writer(text).str(std::string(300, 'b'));
  EXPECT_EQ(json::from_msgpack(text), std::string(300, 'b'));
}

// Issue 7 defect 9: msgpack lets a sender pick any integer encoding that holds the value; a
// positive value in a signed encoding (Python's msgpack and others do this) is a positive number.
TEST(EnvelopeRequest, DeadlineInAnySignedEncodingOfAPositiveValueIsAccepted) {
  const std::vector<std::pair<std::string, uint64_t>> encodings = {
      {std::string("\xd0\x01", 2), 1},
      {std::string("\xd1\x01\x00", 3), 256},
      {std::string("\xd2\x00\x01\x00\x00", 5), 65536},
      {std::string("\xd3\x00\x00\x00\x01\x00\x00\x00\x00", 9), 4294967296ull},
      {std::string("\xcc\x05", 2), 5},
  };
  for (const auto& [enc, value] : encodings) {
    const auto body = std::string("\x81\xab") + "deadline_ms" + enc;
    EXPECT_EQ(decode_request(body).deadline_ms, value) << "encoding of " << value;
  }
  // Negative values stay refused, in any width.
  for (const auto& enc :
       {std::string("\xd0\xff", 2), std::string("\xd1\xff\x00", 3), std::string("\xff", 1)}) {
    const auto body = std::string("\x81\xab") + "deadline_ms" + enc;
    EXPECT_NE(error_of([&] { decode_request(body); }).find("negative"), std::string::npos);
  }
}

// The fuzz regression seed fuzz/envelope_corpus/regression_huge_array_header.bin: a header that
// declares 4 billion entries in 5 bytes must be refused before anything is sized by it.
TEST(EnvelopeRequest, HugeDeclaredCountsAreRefusedBeforeAnythingIsAllocated) {
  for (const auto& body : {std::string("\x81\xa6params\x81\xa1k\xdd\xff\xff\xff\xff\xc0", 17),
                           std::string("\x81\xa6params\xdf\xff\xff\xff\xff"),
                           std::string("\xdd\xff\xff\xff\xff", 5)}) {
    const auto message = error_of([&] { decode_request(body); });
    EXPECT_TRUE(message.find("truncated") != std::string::npos ||
                message.find("not a msgpack map") != std::string::npos)
        << message;
    EXPECT_THROW(msgpack_codec::to_json(body), EnvelopeError);
  }
  // Counts that fit the bytes left are fine: [nil x 5].
  EXPECT_EQ(msgpack_codec::to_json(std::string("\x95\xc0\xc0\xc0\xc0\xc0", 6)).size(), 5u);
}

TEST(EnvelopeRequest, StringsMustBeUtf8AndTheErrorNamesTheField) {
  const std::string bad = "\xff\xfe";
  EXPECT_NE(error_of([&] {
              decode_request(std::string("\x81\xa6params\x81\xa1"
                                         "a\xa2") +
                             bad);
            }).find("field 'params.a' is not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              decode_request(std::string("\x81\xa6params\x81\xa4tags\x92\xa1x\xa2") + bad);
            }).find("field 'params.tags[1]' is not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              decode_request(std::string("\x81\xa2id\xa2") + bad);
            }).find("field 'id' is not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              decode_request(std::string("\x81\xa6params\x81\xa2") + bad + "\x01");
            }).find("field 'params' has a key that is not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              decode_request(std::string("\x81\xa2", 2) + bad + "\x01");
            }).find("envelope key is not valid UTF-8"),
            std::string::npos);
  // Replies are not refused for it: consumers print them with invalid bytes replaced.
  JobReply reply;
  reply.id = "r";
  reply.intent = "echo";
  reply.result = {{"a", bad}};
  const auto decoded = decode_reply(encode_reply(reply));
  EXPECT_EQ(decoded.result.at("a"), bad);
  EXPECT_NE(reply_to_json(decoded)
                .dump(-1, ' ', false, json::error_handler_t::replace)
                .find("\xef\xbf\xbd"),
            std::string::npos);
}

TEST(EnvelopeRequest, Utf8CheckAcceptsValidAndRefusesInvalidSequences) {
  using msgpack_codec::is_valid_utf8;
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                             // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));                         // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));                             // cut short
  EXPECT_FALSE(is_valid_utf8("\x80"));                                 // lone continuation
}

TEST(EnvelopeRequest, FieldsForTheBrokerIncludeMaxAgeAndAccount) {
  JobRequest in;
  in.params = {{"account", "DU123"}, {"tags", "NetLiquidation"}};
  in.max_age_ms = 1500;
  const auto body = encode_request(in);
  const auto f = read_request_fields(body);
  EXPECT_EQ(f.max_age_ms, 1500u);
  EXPECT_EQ(f.account, "DU123");
  EXPECT_EQ(json::from_msgpack(f.params), in.params);
  EXPECT_EQ(decode_request(body).max_age_ms, 1500u);
  // account only when it is a string; max_age_ms defaults to 0.
  const auto other = read_request_fields(to_mp({{"params", {{"account", 5}}}}));
  EXPECT_FALSE(other.account);
  EXPECT_EQ(other.max_age_ms, 0u);
  EXPECT_NE(error_of([] {
              read_request_fields(to_mp({{"max_age_ms", -1}}));
            }).find("'max_age_ms' must be an unsigned integer"),
            std::string::npos);
}

TEST(EnvelopeReply, CachedFieldsRoundTrip) {
  JobReply in;
  in.id = "a";
  in.intent = "summary";
  in.cached = true;
  in.age_ms = 250;
  in.source_id = "j-1";
  const auto out = decode_reply(encode_reply(in));
  EXPECT_TRUE(out.cached);
  EXPECT_EQ(out.age_ms, 250u);
  EXPECT_EQ(out.source_id, "j-1");
  EXPECT_EQ(reply_to_json(out).at("cached"), true);
  JobReply fresh;
  fresh.id = "b";
  fresh.intent = "x";
  EXPECT_FALSE(decode_reply(encode_reply(fresh)).cached);
}

}  // namespace
}  // namespace intentq
