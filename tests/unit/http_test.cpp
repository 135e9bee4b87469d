// intentq-http's pieces without sockets: the job body and the status mapping (job_request), the
// bounded job store, bearer tokens.
#include <gtest/gtest.h>

#include "common/msgpack_codec.hpp"
#include "common/params_schema.hpp"
#include "http/job_request.hpp"
#include "http/job_store.hpp"
#include "http/live_view.hpp"
#include "http/static_content.hpp"
#include "http/tokens.hpp"

namespace intentq::http {
namespace {

using namespace std::chrono_literals;

// GET /v1/intents lists every intent the shared params schema knows, with the schema's own
// params, allowed values and defaults (it was a hand-kept copy that missed the market-data
// intents), plus the worker's echo services.
TEST(HttpIntentsTable, ComesFromTheSharedParamsSchema) {
  const auto& t = intents_table();
  for (const auto& intent : params::intents()) {
    const std::string name(intent.intent);
    ASSERT_TRUE(t.contains(name)) << name;
    EXPECT_FALSE(t[name]["doc"].get<std::string>().empty()) << name;
    EXPECT_TRUE(t[name]["gateway"].get<bool>()) << name;
    EXPECT_EQ(t[name]["params"].size(), intent.params.size()) << name;
    for (const auto& p : intent.params)
      EXPECT_TRUE(t[name]["params"].contains(std::string(p.name))) << name << "." << p.name;
  }
  for (const char* name : {"historical_bars", "head_timestamp", "quote"})
    EXPECT_TRUE(t.contains(name)) << name;
  EXPECT_EQ(t["quote"]["params"]["market_data_type"]["default"], "live");
  EXPECT_EQ(t["executions"]["params"]["side"]["allowed"], nlohmann::json({"BUY", "SELL"}));
  EXPECT_NE(t["executions"]["params"]["side"]["doc"].get<std::string>().find("BOT = BUY"),
            std::string::npos);
  EXPECT_EQ(t["executions"]["params"]["last_n_days"]["doc"], "1..365");
  EXPECT_EQ(t["summary"]["params"]["tags"]["type"], "string|string[]");
  EXPECT_FALSE(t["echo"]["gateway"].get<bool>());
}

TEST(HttpJobRequest, ParsesEveryFieldIntoTheEnvelope) {
  const auto job = parse_submission(
      "summary", R"({"params":{"account":"DU1"},"id":"j-1","deadline_ms":500,"max_age_ms":7,
                     "priority":"bulk"})");
  EXPECT_EQ(job.intent, "summary");
  EXPECT_EQ(job.id, "j-1");
  EXPECT_EQ(*job.deadline_ms, 500u);
  const auto envelope = msgpack_codec::to_json(job.envelope);
  EXPECT_EQ(envelope["id"], "j-1");
  EXPECT_EQ(envelope["params"]["account"], "DU1");
  EXPECT_EQ(envelope["deadline_ms"], 500);
  EXPECT_EQ(envelope["max_age_ms"], 7);
  EXPECT_EQ(envelope["priority"], "bulk");
}

TEST(HttpJobRequest, EmptyBodyGetsAFreshRandomId) {
  const auto a = parse_submission("echo", "");
  const auto b = parse_submission("echo", " \n");
  EXPECT_EQ(a.id.size(), 5u + 32u);
  EXPECT_EQ(a.id.rfind("http-", 0), 0u);
  EXPECT_NE(a.id, b.id);
  EXPECT_FALSE(a.id_given);
}

TEST(HttpJobRequest, RefusesWhatTheBrokerWouldRefuseOrAUserMistyped) {
  for (const auto& [intent, body] : std::vector<std::pair<std::string, std::string>>{
           {"echo", "{"},
           {"echo", "[]"},
           {"echo", R"({"params":[]})"},
           {"echo", R"({"id":""})"},
           {"echo", R"({"id":5})"},
           {"echo", R"({"deadline_ms":0})"},
           {"echo", R"({"deadline_ms":-3})"},
           {"echo", R"({"deadline_ms":1.5})"},
           {"echo", R"({"priority":"urgent"})"},
           {"echo", R"({"paramz":{}})"},
           {"echo", std::string(100, '[') + std::string(100, ']')},
           {"", "{}"},
           {"a..b", "{}"},
           {"a b", "{}"},
           {"mmi.stats", "{}"},
           {std::string(65, 'a'), "{}"}})
    EXPECT_THROW(parse_submission(intent, body), BadJobRequest) << intent << " " << body;
}

TEST(HttpJobRequest, SameParamsSameKeyWhateverTheKeyOrder) {
  EXPECT_EQ(parse_submission("echo", R"({"params":{"a":1,"b":2}})").params_key,
            parse_submission("echo", R"({"params":{"b":2,"a":1}})").params_key);
  EXPECT_NE(parse_submission("echo", R"({"params":{"a":1}})").params_key,
            parse_submission("echo", R"({"params":{"a":2}})").params_key);
}

TEST(HttpStatus, MapsEveryIntentqCode) {
  EXPECT_EQ(status_of(""), 200);
  EXPECT_EQ(status_of("BAD_REQUEST"), 400);
  for (auto code : {"UNKNOWN_INTENT", "UNKNOWN_ACCOUNT", "UNKNOWN_JOB"})
    EXPECT_EQ(status_of(code), 404);
  EXPECT_EQ(status_of("CONFLICT"), 409);
  for (auto code : {"BUSY", "NO_WORKER", "GATEWAY_UNREACHABLE"}) {
    EXPECT_EQ(status_of(code), 503);
    EXPECT_GT(retry_after_of(code), 0) << code;
  }
  EXPECT_EQ(status_of("TIMEOUT"), 504);
  for (auto code :
       {"GATEWAY_REFUSED", "GATEWAY_ERROR", "GATEWAY_PACING", "WORKER_LOST", "RESULT_TOO_LARGE"})
    EXPECT_EQ(status_of(code), 502);
  EXPECT_EQ(status_of("INTERNAL"), 500);
  EXPECT_EQ(status_of("SOMETHING_NEW"), 500);
  EXPECT_EQ(retry_after_of("TIMEOUT"), 0);
}

TEST(HttpStatus, BrokerRepliesKeepTheirBodyAndGetTheirStatus) {
  std::string ok;
  {
    msgpack_codec::Writer w(ok);
    w.json({{"id", "x"}, {"intent", "echo"}, {"status", "ok"}, {"result", {{"a", 1}}}});
  }
  std::string id;
  auto r = reply_from_broker(ok, &id);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(id, "x");
  EXPECT_EQ(nlohmann::json::parse(r.body)["result"]["a"], 1);

  std::string busy;
  {
    msgpack_codec::Writer w(busy);
    w.json({{"id", "y"}, {"status", "error"}, {"error", {{"code", "BUSY"}, {"message", "m"}}}});
  }
  r = reply_from_broker(busy);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after_s, 1);

  r = reply_from_broker("\xc1garbage");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "INTERNAL");
}

JobStore::Limits small(size_t entries, size_t bytes = 1 << 20) {
  JobStore::Limits l;
  l.max_entries = entries;
  l.max_bytes = bytes;
  l.ttl = 1000ms;
  l.max_waiters = 2;
  return l;
}

TEST(HttpJobStore, AdmitsJoinsConflictsAndAnswersWaiters) {
  JobStore store(small(10));
  const auto t0 = Clock::now();
  EXPECT_EQ(store.admit("a", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kNew);
  EXPECT_EQ(store.admit("a", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kPending);
  EXPECT_EQ(store.admit("a", "echo", R"({"x":1})", t0, t0 + 5s), JobStore::Admit::kConflict);
  EXPECT_EQ(store.admit("a", "summary", "{}", t0, t0 + 5s), JobStore::Admit::kConflict);
  int answered = 0;
  EXPECT_TRUE(store.wait("a", [&](const StoredReply& r) { answered += r.status; }));
  EXPECT_TRUE(store.wait("a", [&](const StoredReply& r) { answered += r.status; }));
  EXPECT_FALSE(store.wait("a", [](const StoredReply&) {}));  // max_waiters
  bool pending = false;
  EXPECT_EQ(store.reply("a", &pending), nullptr);
  EXPECT_TRUE(pending);
  auto waiters = store.complete("a", {200, 0, "{}"}, t0);
  for (auto& w : waiters) w(*store.reply("a"));
  EXPECT_EQ(answered, 400);
  EXPECT_EQ(store.admit("a", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kDone);
  EXPECT_TRUE(store.complete("a", {500, 0, "late"}, t0).empty());  // a late reply changes nothing
  EXPECT_EQ(store.reply("a")->status, 200);
}

// DELETE /v1/jobs/{id}: the front keeps the per-caller rule (the broker sees one submitter).
TEST(HttpJobStore, OnlyThePendingJobsOwnCallerMayCancelIt) {
  JobStore store(small(10));
  const auto t0 = Clock::now();
  ASSERT_EQ(store.admit("a", "echo", "{}", t0, t0 + 5s, "alice"), JobStore::Admit::kNew);
  EXPECT_EQ(store.may_cancel("a", "alice"), JobStore::Cancel::kMine);
  EXPECT_EQ(store.may_cancel("a", "bob"), JobStore::Cancel::kUnknown);
  EXPECT_EQ(store.may_cancel("never", "alice"), JobStore::Cancel::kUnknown);
  // Bob submits the same id and params: both wait for it, neither may cancel it alone.
  ASSERT_EQ(store.admit("a", "echo", "{}", t0, t0 + 5s, "bob"), JobStore::Admit::kPending);
  EXPECT_EQ(store.may_cancel("a", "alice"), JobStore::Cancel::kShared);
  EXPECT_EQ(store.may_cancel("a", "bob"), JobStore::Cancel::kShared);
  EXPECT_EQ(store.may_cancel("a", "carol"), JobStore::Cancel::kUnknown);
  // Answered: nothing left to cancel.
  store.complete("a", StoredReply{200, 0, "{}"}, t0);
  EXPECT_EQ(store.may_cancel("a", "alice"), JobStore::Cancel::kUnknown);
}

TEST(HttpJobStore, BoundedInEntriesAndBytesOldestFinishedFirst) {
  JobStore store(small(2));
  const auto t0 = Clock::now();
  ASSERT_EQ(store.admit("p1", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kNew);
  ASSERT_EQ(store.admit("p2", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kNew);
  // Both pending: nothing may leave, the third is refused.
  EXPECT_EQ(store.admit("p3", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kFull);
  store.complete("p1", {200, 0, "{}"}, t0);
  store.complete("p2", {200, 0, "{}"}, t0 + 1ms);
  EXPECT_EQ(store.admit("p3", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kNew);
  EXPECT_EQ(store.reply("p1"), nullptr);  // the oldest finished left
  EXPECT_NE(store.reply("p2"), nullptr);
  EXPECT_EQ(store.size(), 2u);

  JobStore bytes(small(100, 2000));
  ASSERT_EQ(bytes.admit("a", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kNew);
  bytes.complete("a", {200, 0, std::string(1500, 'x')}, t0);
  EXPECT_LE(bytes.bytes(), 2000u);
  ASSERT_EQ(bytes.admit("b", "echo", "{}", t0, t0 + 5s), JobStore::Admit::kNew);
  EXPECT_EQ(bytes.reply("a"), nullptr);
  EXPECT_LE(bytes.bytes(), 2000u);
}

TEST(HttpJobStore, ExpiresPendingAtTheirBoundAndFinishedAfterTheTtl) {
  JobStore store(small(10));
  const auto t0 = Clock::now();
  store.admit("slow", "echo", "{}", t0, t0 + 100ms);
  store.admit("done", "echo", "{}", t0, t0 + 5s);
  store.complete("done", {200, 0, "{}"}, t0);
  EXPECT_TRUE(store.expired(t0 + 50ms).empty());
  EXPECT_EQ(store.expired(t0 + 150ms), std::vector<std::string>{"slow"});
  EXPECT_NE(store.reply("done"), nullptr);
  store.expired(t0 + 1100ms);
  EXPECT_EQ(store.reply("done"), nullptr);
}

TEST(HttpTokens, ChecksBearerTokensAndNamesTheirOwner) {
  const auto tokens = Tokens::parse(
      "# who token\n\nalice 0123456789abcdef-alice\n  bob   0123456789abcdef-bob  \n", "t");
  EXPECT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens.check("Bearer 0123456789abcdef-alice"), "alice");
  EXPECT_EQ(tokens.check("Bearer 0123456789abcdef-bob"), "bob");
  EXPECT_EQ(tokens.check("Bearer 0123456789abcdef-bo"), std::nullopt);
  EXPECT_EQ(tokens.check("Bearer 0123456789abcdef-alicee"), std::nullopt);
  EXPECT_EQ(tokens.check("0123456789abcdef-alice"), std::nullopt);
  EXPECT_EQ(tokens.check("Basic 0123456789abcdef-alice"), std::nullopt);
  EXPECT_EQ(tokens.check(""), std::nullopt);
}

TEST(HttpTokens, RefusesFilesThatProtectNothing) {
  EXPECT_THROW(Tokens::parse("alice short\n", "t"), TokenFileError);
  EXPECT_THROW(Tokens::parse("alice\n", "t"), TokenFileError);
  EXPECT_THROW(Tokens::parse("# nothing\n", "t"), TokenFileError);
  EXPECT_THROW(Tokens::load("/nonexistent/tokens"), TokenFileError);
}

TEST(HttpLiveView, RecentResultsSeriesAndWaitsStayBounded) {
  LiveView view;
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  for (int i = 0; i < 300; ++i) {
    const bool ok = i % 10 != 0;
    nlohmann::json reply{{"id", "j" + std::to_string(i)},
                         {"intent", i % 2 ? "summary" : "echo"},
                         {"status", ok ? "ok" : "error"},
                         {"timings_ms", {{"queued", i % 2 ? i : 1}, {"run", 2}}}};
    if (!ok) reply["error"] = {{"code", "TIMEOUT"}};
    view.add(reply, t0 + std::chrono::milliseconds(i * 10));
  }
  const auto recent = view.recent();
  ASSERT_EQ(recent.size(), LiveView::kRecent);
  EXPECT_EQ(recent.back()["id"], "j299");
  EXPECT_EQ(view.recent(299).size(), 1u);
  const auto waits = view.waits();
  EXPECT_EQ(waits["echo"]["p50"], 1);
  EXPECT_EQ(waits["summary"]["samples"], 150);
  EXPECT_GE(waits["summary"]["p99"].get<double>(), 290);  // the latest, highest waits
  uint64_t ok = 0, errors = 0;
  for (const auto& p : view.series()) {
    ok += p[1].get<uint64_t>();
    errors += p[2].get<uint64_t>();
  }
  EXPECT_EQ(ok, 270u);
  EXPECT_EQ(errors, 30u);
  view.advance(t0 + std::chrono::hours(2));  // a long gap: at most kSeconds buckets
  EXPECT_EQ(view.series().size(), LiveView::kSeconds);
}

}  // namespace
}  // namespace intentq::http
