// The broker core with gateway workers (issues 10 and 11), without sockets or clocks: admission
// against a gateway's message budget, account routing and UNKNOWN_ACCOUNT, coalescing of identical
// requests and answers reused within a caller's max_age_ms.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.hpp"
#include "common/envelope.hpp"
#include "tests/support/raw_msgpack.hpp"
#include "tests/unit/broker_test_kit.hpp"

namespace intentq::broker {
namespace {

using namespace core_test;

class GatewayBrokerTest : public BrokerCoreTest {
 protected:
  GatewayBrokerTest() : BrokerCoreTest(quick_config(), "summary") {}

  // A gateway worker: summary costs 6, positions 2; echo is free.
  void gw_ready(const std::string& w, const std::string& gateway, const std::string& accounts,
                uint32_t budget = 45, std::vector<std::string> more = {}) {
    Msg m{w,
          "",
          "MDPW01",
          kReady,
          "summary",
          "positions",
          "echo",
          "@intentq=1",
          "@gateway=" + gateway,
          "@session=up",
          "@budget=" + std::to_string(budget),
          "@cost=summary:6",
          "@cost=positions:2",
          "@client-id=7",
          "@reconnects=1",
          "@session-age-ms=100"};
    if (!accounts.empty()) m.push_back("@accounts=" + accounts);
    m.insert(m.end(), more.begin(), more.end());
    worker_msg(m);
  }
  size_t dispatched() {
    size_t n = 0;
    for (auto& m : out.workers) n += m.size() > 4 && m[3] == kRequest;
    return n;
  }
  void reply(const std::string& w, const Msg& request, bool ok = true) {
    answer(w, request, ok, request[6], json{{"params", decode_request(request.back()).params}});
  }
  std::vector<json> replies_to(const std::string& client) {
    std::vector<json> r;
    for (const auto& b : reply_bodies_to(client)) r.push_back(json::from_msgpack(b));
    return r;
  }
  json stats() {
    const auto s = broker->stats_body(now);
    // The stats body holds a float64 (hit_ratio); nlohmann reads it fine.
    return json::from_msgpack(s);
  }
};

// ---- admission -------------------------------------------------------------------------------

TEST_F(GatewayBrokerTest, GatewayJobsWaitForBudgetAndRunWhenTheWindowSlides) {
  for (int i = 0; i < 4; ++i) gw_ready("w" + std::to_string(i), "g", "DU1", 12);
  for (int i = 0; i < 5; ++i)
    submit("c",
           {{"id", "s" + std::to_string(i)}, {"params", {{"group", "g" + std::to_string(i)}}}});
  EXPECT_EQ(dispatched(), 2u);  // 2 x 6 = 12 messages: the budget of this second
  auto st = stats();
  EXPECT_EQ(st["gateways"]["g"]["budget"], 12);
  EXPECT_EQ(st["gateways"]["g"]["used_last_second"], 12);
  EXPECT_EQ(st["gateways"]["g"]["waiting"], 3);
  EXPECT_EQ(st["services"]["summary"]["queued"], 3);
  EXPECT_LE(broker->next_wakeup(), t0 + Ms(1000));  // the broker wakes when the window frees
  // Free workers do not help: the budget does.
  for (int i = 0; i < 4; ++i)
    for (auto& r : requests_to("w" + std::to_string(i))) reply("w" + std::to_string(i), r);
  EXPECT_EQ(dispatched(), 2u);
  advance(Ms(999));
  EXPECT_EQ(dispatched(), 2u);
  advance(Ms(1));
  EXPECT_EQ(dispatched(), 4u);
  // A running job holds its share until a second after it ends (its cancels leave at its end).
  advance(Ms(1000));
  EXPECT_EQ(dispatched(), 4u);
  advance(Ms(500));
  for (int i = 0; i < 4; ++i)
    for (auto& r : requests_to("w" + std::to_string(i))) reply("w" + std::to_string(i), r);
  advance(Ms(999));
  EXPECT_EQ(dispatched(), 4u);
  advance(Ms(1));
  EXPECT_EQ(dispatched(), 5u);
  EXPECT_GE(broker->counters().budget_deferrals, 1u);
  // Echo costs nothing and never waits for the budget.
  submit("c", {{"id", "e"}}, "echo");
  EXPECT_EQ(dispatched(), 6u);
}

TEST_F(GatewayBrokerTest, EachGatewayHasItsOwnBudgetAndTheSmallestAnnouncedCounts) {
  gw_ready("a1", "ga", "", 45);
  gw_ready("a2", "ga", "", 6);  // one worker configured lower: the gateway's budget is 6
  gw_ready("b1", "gb", "", 45);
  for (int i = 0; i < 3; ++i)
    submit("c",
           {{"id", "s" + std::to_string(i)}, {"params", {{"group", "g" + std::to_string(i)}}}});
  // s0 fills ga (6 of 6); s1 skips a2 (ga has no room) and goes to b1 on gb; s2 waits for ga.
  EXPECT_EQ(dispatched(), 2u);
  auto st = stats();
  EXPECT_EQ(st["gateways"]["ga"]["budget"], 6);
  EXPECT_EQ(st["gateways"]["ga"]["used_last_second"], 6);
  EXPECT_EQ(st["gateways"]["ga"]["waiting"], 1);
  EXPECT_EQ(st["gateways"]["gb"]["used_last_second"], 6);
  EXPECT_TRUE(requests_to("a2").empty());
  EXPECT_EQ(requests_to("b1").size(), 1u);
}

TEST_F(GatewayBrokerTest, WaitingForBudgetPastTheDeadlineIsATimeoutNamingTheGateway) {
  gw_ready("w1", "g", "", 6);
  gw_ready("w2", "g", "", 6);
  submit("c", {{"id", "first"}, {"params", {{"group", "g1"}}}});
  submit("c", {{"id", "late"}, {"deadline_ms", 300}, {"params", {{"group", "g2"}}}});
  advance(Ms(300));
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "late");
  EXPECT_EQ(got[0]["error"]["code"], "TIMEOUT");
  EXPECT_NE(got[0]["error"]["message"].get<std::string>().find("budget of gateway 'g'"),
            std::string::npos);
}

// ---- account routing -------------------------------------------------------------------------

TEST_F(GatewayBrokerTest, JobsWithAnAccountGoOnlyToWorkersHoldingIt) {
  gw_ready("wa", "ga", "DU1,DU2");
  gw_ready("wb", "gb", "U9");
  submit("c", {{"id", "x"}, {"params", {{"account", "U9"}}}});
  ASSERT_EQ(requests_to("wb").size(), 1u);  // wa was idle longer but does not hold U9
  EXPECT_TRUE(requests_to("wa").empty());
  submit("c", {{"id", "y"}, {"params", {{"account", "U9"}, {"group", "g1"}}}});
  EXPECT_TRUE(requests_to("wa").empty());  // waits for wb
  submit("c", {{"id", "z"}, {"params", {{"account", "DU2"}}}});
  EXPECT_EQ(requests_to("wa").size(), 1u);  // a queued U9 job does not block DU2
  reply("wb", requests_to("wb")[0]);
  EXPECT_EQ(requests_to("wb").size(), 2u);
  submit("c", {{"id", "any"}, {"params", {{"group", "g5"}}}});  // no account: any worker
  reply("wa", requests_to("wa")[0]);
  EXPECT_EQ(requests_to("wa").size(), 2u);
}

TEST_F(GatewayBrokerTest, AGatewayParamPinsAMarketDataJobToThatGatewaysWorkers) {
  // Issue 19: market-data intents have no account; any worker of any gateway may serve them
  // unless the request names a gateway.
  const std::vector<std::string> quote{"quote", "@cost=quote:1"};
  gw_ready("wa", "ga", "DU1", 45, quote);
  gw_ready("wb", "gb", "U9", 45, quote);
  submit("c", {{"id", "pinned"}, {"params", {{"con_id", 1}, {"gateway", " gb "}}}}, "quote");
  ASSERT_EQ(requests_to("wb").size(), 1u);  // wa was idle longer but talks to another gateway
  EXPECT_TRUE(requests_to("wa").empty());
  submit("c", {{"id", "pinned2"}, {"params", {{"con_id", 2}, {"gateway", "gb"}}}}, "quote");
  submit("c", {{"id", "any"}, {"params", {{"con_id", 3}}}}, "quote");
  // The second pinned job waits for wb; it holds back no unpinned job.
  ASSERT_EQ(requests_to("wa").size(), 1u);
  EXPECT_EQ(decode_request(requests_to("wa")[0].back()).id, "any");
  reply("wb", requests_to("wb")[0]);
  ASSERT_EQ(requests_to("wb").size(), 2u);
  EXPECT_EQ(decode_request(requests_to("wb")[1].back()).id, "pinned2");
  // A gateway no live worker of the service talks to is answered at once.
  submit("c", {{"id", "nowhere"}, {"params", {{"con_id", 1}, {"gateway", "gx"}}}}, "quote");
  auto got = replies_to("c");
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back()["id"], "nowhere");
  EXPECT_EQ(got.back()["error"]["code"], "NO_WORKER");
  EXPECT_NE(got.back()["error"]["message"].get<std::string>().find("gateway 'gx'"),
            std::string::npos);
}

TEST_F(GatewayBrokerTest, APinnedHistoricalJobGoesToItsGatewayThroughTheFairQueue) {
  // historical_bars is historical-class (issue 20's fair queue, not the account queues): the pin
  // holds there too, and a pinned job waiting for its gateway lets an unpinned one go.
  const std::vector<std::string> bars{"historical_bars", "@cost=historical_bars:1",
                                      "@historical=historical_bars"};
  gw_ready("wa", "ga", "DU1", 45, bars);
  gw_ready("wb", "gb", "U9", 45, bars);
  auto params = [](int con_id, std::optional<std::string> gateway) {
    json p{{"con_id", con_id}, {"duration", "1 D"}, {"bar_size", "1 hour"}};
    if (gateway) p["gateway"] = *gateway;
    return p;
  };
  submit("c", {{"id", "p1"}, {"params", params(1, "gb")}}, "historical_bars");
  ASSERT_EQ(requests_to("wb").size(), 1u);
  EXPECT_TRUE(requests_to("wa").empty());
  submit("c", {{"id", "p2"}, {"params", params(2, "gb")}}, "historical_bars");
  submit("c", {{"id", "any"}, {"params", params(3, std::nullopt)}}, "historical_bars");
  ASSERT_EQ(requests_to("wa").size(), 1u);
  EXPECT_EQ(decode_request(requests_to("wa")[0].back()).id, "any");
  EXPECT_EQ(requests_to("wb").size(), 1u);  // p2 waits for gb's worker
}

TEST_F(GatewayBrokerTest, UnknownAccountIsAnsweredAtOnce) {
  gw_ready("wa", "ga", "DU1");
  submit("c", {{"id", "x"}, {"params", {{"account", "U404"}}}});
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "x");
  EXPECT_EQ(got[0]["error"]["code"], "UNKNOWN_ACCOUNT");
  EXPECT_NE(got[0]["error"]["message"].get<std::string>().find("U404"), std::string::npos);
  EXPECT_EQ(broker->counters().unknown_account, 1u);
  ASSERT_EQ(out.published.size(), 1u);
  EXPECT_EQ(out.published[0][0], "result.summary.error");
  EXPECT_EQ(dispatched(), 0u);
  // A malformed account is the caller's error.
  submit("c", {{"id", "bad"}, {"params", {{"account", 5}}}});
  EXPECT_EQ(replies_to("c").back()["error"]["code"], "BAD_REQUEST");
}

TEST_F(GatewayBrokerTest, AWorkerThatAnnouncesNoAccountsMayTakeAnyAccount) {
  // A per-job-session worker learns its gateway's accounts only inside each job.
  gw_ready("wa", "ga", "DU1");
  gw_ready("wp", "gp", "");
  submit("c", {{"id", "x"}, {"params", {{"account", "U5"}}}});
  EXPECT_EQ(requests_to("wp").size(), 1u);
  EXPECT_TRUE(replies_to("c").empty());
  // Once it is gone, an account only it could have served is unknown.
  reply("wp", requests_to("wp")[0]);
  worker_msg({"wp", "", "MDPW01", kDisconnect});
  submit("c", {{"id", "y"}, {"params", {{"account", "U5"}, {"group", "g2"}}}});
  ASSERT_EQ(replies_to("c").size(), 2u);
  EXPECT_EQ(replies_to("c")[1]["error"]["code"], "UNKNOWN_ACCOUNT");
}

TEST_F(GatewayBrokerTest, QueuedJobsOfAnAccountFailWhenItsLastWorkerGoes) {
  gw_ready("wb", "gb", "U9");
  gw_ready("wa", "ga", "DU1");
  submit("c", {{"id", "run"}, {"params", {{"account", "U9"}}}});
  submit("c", {{"id", "queued"}, {"params", {{"account", "U9"}, {"group", "g1"}}}});
  submit("c", {{"id", "other"}, {"params", {{"account", "DU1"}}}});
  ASSERT_EQ(requests_to("wb").size(), 1u);
  // wb's gateway session goes down: it re-registers without the gateway services.
  worker_msg({"wb", "", "MDPW01", kDisconnect});
  std::set<std::string> unknown;
  for (auto& r : replies_to("c"))
    if (r["status"] == "error" && r["error"]["code"] == "UNKNOWN_ACCOUNT") unknown.insert(r["id"]);
  EXPECT_EQ(unknown, (std::set<std::string>{"run", "queued"}));  // the running one was re-queued
  EXPECT_EQ(requests_to("wa").size(), 1u);                       // DU1 unaffected
  EXPECT_EQ(broker->queued_count("summary"), 0u);
}

TEST_F(GatewayBrokerTest, DuringTheStartupGraceUnknownAccountsWait) {
  Config c = config;
  c.startup_grace = Ms(1000);
  reset(c);
  gw_ready("wa", "ga", "DU1");
  submit("c", {{"id", "later"}, {"params", {{"account", "U7"}}}});
  submit("c", {{"id", "never"}, {"params", {{"account", "U8"}}}});
  EXPECT_TRUE(replies_to("c").empty());
  advance(Ms(200));
  gw_ready("wb", "gb", "U7");  // its worker registers within the grace
  EXPECT_EQ(requests_to("wb").size(), 1u);
  advance(Ms(800));
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "never");
  EXPECT_EQ(got[0]["error"]["code"], "UNKNOWN_ACCOUNT");
}

// ---- coalescing ------------------------------------------------------------------------------

TEST_F(GatewayBrokerTest, FiftyIdenticalRequestsShareOneJob) {
  gw_ready("w1", "g", "DU1");
  gw_ready("w2", "g", "DU1");
  for (int i = 0; i < 50; ++i)
    submit("c" + std::to_string(i % 5),
           {{"id", "r" + std::to_string(i)},
            {"params", i % 2 ? json{{"account", "DU1"}, {"group", "All"}}
                             : json{{"group", " All"}, {"account", " DU1"}}}});
  ASSERT_EQ(dispatched(), 1u);
  EXPECT_EQ(broker->counters().coalesced, 49u);
  reply("w1", requests_to("w1")[0]);
  std::set<std::string> ids;
  size_t replies = 0;
  for (int c = 0; c < 5; ++c)
    for (auto& r : replies_to("c" + std::to_string(c))) {
      ++replies;
      ids.insert(r["id"]);
      EXPECT_EQ(r["status"], "ok");
      if (r["id"] != "r0") {
        EXPECT_EQ(r["source_id"], "r0");
      }
    }
  EXPECT_EQ(replies, 50u);
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(out.published.size(), 50u);  // once per request
  std::set<std::string> published_ids;
  for (auto& p : out.published) published_ids.insert(json::from_msgpack(p[1])["id"]);
  EXPECT_EQ(published_ids, ids);
  // Resubmitting any of the ids is answered from the dedup cache with its own id.
  submit("again", {{"id", "r7"}, {"params", {{"account", "DU1"}}}});
  ASSERT_EQ(replies_to("again").size(), 1u);
  EXPECT_EQ(replies_to("again")[0]["id"], "r7");
  EXPECT_EQ(dispatched(), 1u);
}

TEST_F(GatewayBrokerTest, DifferentAccountsOrParamsNeverShare) {
  gw_ready("w1", "g", "DU1,DU2");
  gw_ready("w2", "g", "DU1,DU2");
  submit("c", {{"id", "a"}, {"params", {{"account", "DU1"}}}});
  submit("c", {{"id", "b"}, {"params", {{"account", "DU2"}}}});
  EXPECT_EQ(dispatched(), 2u);
  submit("c", {{"id", "c"}, {"params", {{"account", "DU1"}, {"tags", "NetLiquidation"}}}});
  submit("c", {{"id", "d"}, {"params", {{"account", "DU1"}}}}, "positions");  // other intent
  EXPECT_EQ(broker->counters().coalesced, 0u);
}

// Issue 16: params the worker would read differently from the sharing key (a key given twice, the
// last one nil) or refuse (an integral float for an integer param) are refused by the broker
// before coalescing, reuse or dispatch; an honest request neither joins them nor is answered from
// them, and the worker is sent the canonical params the key was built from.
TEST_F(GatewayBrokerTest, CraftedParamsAreRefusedBeforeAnySharing) {
  gw_ready("w1", "g", "DU1,DU2");
  gw_ready("w2", "g", "DU1,DU2");
  auto raw_submit = [&](const std::string& client, const std::string& id, const std::string& params,
                        uint64_t max_age_ms = 0) {
    test::RawMsgpack m;
    m.map(max_age_ms ? 3 : 2).str("id").str(id);
    if (max_age_ms) m.str("max_age_ms").integer(static_cast<int64_t>(max_age_ms));
    client_msg({client, "", "MDPC01", "positions", m.str("params").raw(params).bytes()});
  };
  const auto crafted =
      test::RawMsgpack().map(2).str("account").str("DU2").str("account").nil().bytes();
  raw_submit("bad", "crafted", crafted);
  ASSERT_EQ(replies_to("bad").size(), 1u);
  EXPECT_EQ(replies_to("bad")[0]["error"]["code"], "BAD_REQUEST");
  EXPECT_EQ(replies_to("bad")[0]["error"]["message"], "param 'account' is given more than once");
  EXPECT_EQ(dispatched(), 0u);
  // A wrong type (item 2's float con_id; here a float account) is refused the same way.
  raw_submit("bad", "float", test::RawMsgpack().map(1).str("account").float64(1.0).bytes());
  EXPECT_EQ(replies_to("bad").back()["error"]["message"], "param 'account' must be a string");
  EXPECT_EQ(dispatched(), 0u);

  // The honest request runs on its own, with the canonical params.
  submit("ok", {{"id", "honest"}, {"params", {{"account", " DU2 "}}}}, "positions");
  ASSERT_EQ(dispatched(), 1u);
  const auto sent = requests_to("w1").empty() ? requests_to("w2")[0] : requests_to("w1")[0];
  EXPECT_EQ(json::from_msgpack(sent.back())["params"], json({{"account", "DU2"}}));
  EXPECT_EQ(broker->counters().coalesced, 0u);
  // In flight: the crafted request is refused again, never attached.
  raw_submit("bad", "crafted-2", crafted);
  EXPECT_EQ(replies_to("bad").back()["error"]["code"], "BAD_REQUEST");
  EXPECT_EQ(broker->counters().coalesced, 0u);
  // Stored: the crafted request with max_age_ms is refused, not answered from the cache.
  reply(requests_to("w1").empty() ? "w2" : "w1", sent);
  ASSERT_EQ(replies_to("ok").size(), 1u);
  raw_submit("bad", "crafted-3", crafted, 60000);
  EXPECT_EQ(replies_to("bad").back()["error"]["code"], "BAD_REQUEST");
  EXPECT_FALSE(replies_to("bad").back().contains("cached"));
  EXPECT_EQ(dispatched(), 1u);
}

TEST_F(GatewayBrokerTest, AnAttachedRequestTimesOutAloneAndTheJobGoesOn) {
  gw_ready("w1", "g", "");
  submit("c", {{"id", "long"}, {"deadline_ms", 5000}});
  submit("d", {{"id", "short"}, {"deadline_ms", 100}});
  ASSERT_EQ(dispatched(), 1u);
  advance(Ms(100));
  auto got = replies_to("d");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "short");
  EXPECT_EQ(got[0]["error"]["code"], "TIMEOUT");
  EXPECT_TRUE(replies_to("c").empty());
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0]["status"], "ok");
  EXPECT_EQ(replies_to("d").size(), 1u);  // nothing more for the timed-out one
  EXPECT_EQ(out.published.size(), 2u);    // its TIMEOUT, the long one's result
}

TEST_F(GatewayBrokerTest, WhenTheFirstRequestTimesOutAttachedOnesStillGetTheAnswer) {
  gw_ready("w1", "g", "");
  submit("c", {{"id", "blocker"}, {"params", {{"group", "g1"}}}});  // keeps w1 busy
  submit("c", {{"id", "first"}, {"deadline_ms", 100}});
  submit("d", {{"id", "second"}, {"deadline_ms", 3000}});
  EXPECT_EQ(broker->counters().coalesced, 1u);
  advance(Ms(100));
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0]["error"]["code"], "TIMEOUT");
  reply("w1", requests_to("w1")[0]);
  // The shared job is dispatched with the attached request's remaining time.
  ASSERT_EQ(requests_to("w1").size(), 2u);
  EXPECT_EQ(decode_request(requests_to("w1")[1].back()).deadline_ms, 2900u);
  reply("w1", requests_to("w1")[1]);
  ASSERT_EQ(replies_to("d").size(), 1u);
  EXPECT_EQ(replies_to("d")[0]["id"], "second");
  EXPECT_EQ(replies_to("d")[0]["status"], "ok");
  EXPECT_EQ(replies_to("d")[0]["source_id"], "first");
  EXPECT_EQ(replies_to("c").size(), 2u);  // the blocker's reply; nothing more for "first"
}

TEST_F(GatewayBrokerTest, NonRetryableIntentsAreNeverShared) {
  gw_ready("w1", "g", "", 45, {"place_order", "@nonretryable=place_order", "@cost=place_order:1"});
  gw_ready("w2", "g", "", 45, {"place_order", "@nonretryable=place_order", "@cost=place_order:1"});
  submit("c", {{"id", "o1"}, {"params", {{"qty", 1}}}}, "place_order");
  submit("c", {{"id", "o2"}, {"params", {{"qty", 1}}}}, "place_order");
  EXPECT_EQ(dispatched(), 2u);
  EXPECT_EQ(broker->counters().coalesced, 0u);
  reply("w1", requests_to("w1")[0]);
  submit("c", {{"id", "o3"}, {"max_age_ms", 60000}, {"params", {{"qty", 1}}}}, "place_order");
  EXPECT_EQ(dispatched(), 3u);
  EXPECT_EQ(broker->counters().reuse_hits, 0u);
}

// ---- freshness window ------------------------------------------------------------------------

TEST_F(GatewayBrokerTest, MaxAgeAnswersFromTheLatestResult) {
  gw_ready("w1", "g", "DU1");
  submit("c", {{"id", "fetch"}, {"params", {{"account", "DU1"}}}});
  advance(Ms(20));
  reply("w1", requests_to("w1")[0]);
  advance(Ms(480));
  submit("c", {{"id", "cached"}, {"max_age_ms", 1000}, {"params", {{"account", "DU1"}}}});
  EXPECT_EQ(dispatched(), 1u);
  auto r = replies_to("c").back();
  EXPECT_EQ(r["id"], "cached");
  EXPECT_EQ(r["status"], "ok");
  EXPECT_EQ(r["cached"], true);
  EXPECT_EQ(r["age_ms"], 500);  // counted from dispatch: never understates the data's age
  EXPECT_EQ(r["source_id"], "fetch");
  EXPECT_EQ(r["result"], replies_to("c")[0]["result"]);
  EXPECT_EQ(out.published.size(), 2u);
  // Without max_age_ms (or older than it accepts) the request runs.
  submit("c", {{"id", "fresh"}, {"params", {{"account", "DU1"}}}});
  EXPECT_EQ(dispatched(), 2u);
  reply("w1", requests_to("w1")[1]);
  advance(Ms(1001));
  submit("c", {{"id", "too-old"}, {"max_age_ms", 1000}, {"params", {{"account", "DU1"}}}});
  EXPECT_EQ(dispatched(), 3u);
  EXPECT_EQ(broker->counters().reuse_hits, 1u);
  EXPECT_EQ(broker->counters().reuse_misses, 1u);
  auto st = stats();
  EXPECT_EQ(st["reuse"]["entries"], 1);
  EXPECT_EQ(st["reuse"]["hits"], 1);
  EXPECT_DOUBLE_EQ(st["reuse"]["hit_ratio"].get<double>(), 0.5);
}

TEST_F(GatewayBrokerTest, ErrorsAreNeverReused) {
  gw_ready("w1", "g", "");
  submit("c", {{"id", "fails"}});
  reply("w1", requests_to("w1")[0], false);
  submit("c", {{"id", "retry"}, {"max_age_ms", 60000}});
  EXPECT_EQ(dispatched(), 2u);
  EXPECT_EQ(broker->counters().reuse_hits, 0u);
}

TEST_F(GatewayBrokerTest, BadMaxAgeIsABadRequest) {
  gw_ready("w1", "g", "");
  submit("c", {{"id", "x"}, {"max_age_ms", -5}});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0]["error"]["code"], "BAD_REQUEST");
  EXPECT_NE(replies_to("c")[0]["error"]["message"].get<std::string>().find("max_age_ms"),
            std::string::npos);
}

// ---- stats -----------------------------------------------------------------------------------

TEST_F(GatewayBrokerTest, StatsShowWorkersSessions) {
  gw_ready("w1", "gw:4002", "DU1,DU2");
  advance(Ms(400));
  auto st = stats();
  ASSERT_EQ(st["gateway_workers"].size(), 1u);
  const auto w = st["gateway_workers"][0];
  EXPECT_EQ(w["gateway"], "gw:4002");
  EXPECT_EQ(w["session"], "up");
  EXPECT_EQ(w["session_age_ms"], 500);
  EXPECT_EQ(w["client_id"], 7);
  EXPECT_EQ(w["accounts"], json({"DU1", "DU2"}));
  EXPECT_EQ(w["reconnects"], 1);
  EXPECT_EQ(w["budget"], 45);
  EXPECT_EQ(st["gateways"]["gw:4002"]["workers"], 1);
  EXPECT_EQ(st["counters"]["coalesced"], 0);
}

}  // namespace
}  // namespace intentq::broker
