// The broker's logic without sockets: messages in, messages out through a recording Outbox,
// time passed explicitly.
#include "broker/broker.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/dedup_cache.hpp"
#include "broker/job_ids.hpp"
#include "broker/request_body.hpp"
#include "broker/service_name.hpp"
#include "common/envelope.hpp"
#include "tests/unit/broker_test_kit.hpp"

namespace intentq::broker {
namespace {

using namespace core_test;

class BrokerTest : public BrokerCoreTest {
 protected:
  BrokerTest()
      : BrokerCoreTest(
            [] {
              Config c = quick_config();  // the grace has its own test below
              c.max_queue = 3;
              return c;
            }(),
            "echo") {}
  // A fresh broker with this startup grace (the rest of the config as the fixture has it).
  void restart_with_startup_grace(Ms grace) {
    Config c = config;
    c.startup_grace = grace;
    reset(c);
  }

  void ready(const std::string& w, std::vector<std::string> extra = {"echo", "@intentq=1"}) {
    Msg m{w, "", "MDPW01", kReady};
    m.insert(m.end(), extra.begin(), extra.end());
    worker_msg(m);
  }
  void reply(const std::string& w, const Msg& request, const std::string& status = "ok") {
    answer(w, request, status == "ok", "echo");
  }
  std::vector<JobReply> replies_to(const std::string& client) {
    std::vector<JobReply> r;
    for (const auto& b : reply_bodies_to(client)) r.push_back(decode_reply(b));
    return r;
  }
};

TEST_F(BrokerTest, DispatchesToLeastRecentlyUsedIdleWorker) {
  ready("w1");
  ready("w2");
  submit("c", {{"id", "a"}});
  submit("c", {{"id", "b"}});
  ASSERT_EQ(requests_to("w1").size(), 1u);
  ASSERT_EQ(requests_to("w2").size(), 1u);
  // The intentq shape names the service; the body carries id, remaining deadline, queued time.
  const auto r1 = requests_to("w1")[0];
  ASSERT_EQ(r1.size(), 8u);
  EXPECT_EQ(r1[6], "echo");
  const auto req = decode_request(r1[7]);
  EXPECT_EQ(req.id, "a");
  EXPECT_EQ(req.deadline_ms, 5000u);
  EXPECT_EQ(req.queued_ms, 0u);
  submit("c", {{"id", "c"}});
  EXPECT_EQ(broker->queued_count("echo"), 1u);
  advance(Ms(10));
  reply("w2", requests_to("w2")[0]);  // w2 becomes idle first, so it gets "c"
  ASSERT_EQ(requests_to("w2").size(), 2u);
  EXPECT_EQ(decode_request(requests_to("w2")[1].back()).id, "c");
  EXPECT_EQ(decode_request(requests_to("w2")[1].back()).queued_ms, 10u);
  EXPECT_EQ(decode_request(requests_to("w2")[1].back()).deadline_ms, 4990u);
  const auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "b");
  EXPECT_TRUE(got[0].ok);
  ASSERT_EQ(out.published.size(), 1u);
  EXPECT_EQ(out.published[0][0], "result.echo.ok");
}

TEST_F(BrokerTest, AssignsIdsWhenMissing) {
  ready("w1");
  submit("c", json::object());
  submit("c", json::object());
  ASSERT_EQ(requests_to("w1").size(), 1u);
  const auto id = decode_request(requests_to("w1")[0].back()).id;
  ASSERT_TRUE(id);
  EXPECT_EQ(id->rfind("j-", 0), 0u);
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(requests_to("w1").size(), 2u);
  EXPECT_NE(decode_request(requests_to("w1")[1].back()).id, id);  // two jobs, two ids
}

TEST_F(BrokerTest, QueueBoundGivesBusy) {
  ready("w1");
  submit("c", {{"id", "run"}});
  for (int i = 0; i < 3; ++i) submit("c", {{"id", "q" + std::to_string(i)}});
  EXPECT_TRUE(replies_to("c").empty());
  submit("c", {{"id", "over"}});
  const auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "over");
  ASSERT_TRUE(got[0].error);
  EXPECT_EQ(got[0].error->code, ErrorCode::kBusy);
  EXPECT_EQ(broker->counters().busy_rejects, 1u);
  EXPECT_EQ(broker->queued_count("echo"), 3u);
}

TEST_F(BrokerTest, QueuedJobTimesOutOnceAndLeavesTheQueue) {
  ready("w1");
  submit("c", {{"id", "run"}, {"deadline_ms", 60000}});
  submit("c", {{"id", "waits"}, {"deadline_ms", 100}});
  advance(Ms(99));
  EXPECT_TRUE(replies_to("c").empty());
  advance(Ms(5));
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "waits");
  EXPECT_EQ(got[0].error->code, ErrorCode::kTimeout);
  EXPECT_EQ(broker->queued_count("echo"), 0u);
  // When the worker frees up, the timed-out job is not dispatched.
  reply("w1", requests_to("w1")[0]);
  EXPECT_EQ(requests_to("w1").size(), 1u);
  advance(Ms(1000));
  EXPECT_EQ(replies_to("c").size(), 2u);
  EXPECT_EQ(broker->counters().timeouts, 1u);
}

TEST_F(BrokerTest, RunningJobTimesOutOnceLateReplyDroppedWorkerReused) {
  ready("w1");
  submit("c", {{"id", "slow"}, {"deadline_ms", 200}});
  submit("c", {{"id", "next"}});
  const auto req = requests_to("w1")[0];
  advance(Ms(250));
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].error->code, ErrorCode::kTimeout);
  // A resubmission while the worker still runs it is refused rather than run twice.
  submit("c2", {{"id", "slow"}});
  ASSERT_EQ(replies_to("c2").size(), 1u);
  EXPECT_EQ(replies_to("c2")[0].error->code, ErrorCode::kBusy);
  reply("w1", req);  // late
  EXPECT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(broker->counters().late_replies_dropped, 1u);
  EXPECT_EQ(broker->counters().timeouts, 1u);
  // The worker is idle again and takes the next job.
  ASSERT_EQ(requests_to("w1").size(), 2u);
  EXPECT_EQ(decode_request(requests_to("w1")[1].back()).id, "next");
  // The late result was cached: resubmitting returns it without running again.
  submit("c3", {{"id", "slow"}});
  ASSERT_EQ(replies_to("c3").size(), 1u);
  EXPECT_TRUE(replies_to("c3")[0].ok);
  EXPECT_EQ(requests_to("w1").size(), 2u);
}

// Issue 16: a registered worker's reply naming another id never reaches a client under that id;
// the broker knows the job the worker holds and overwrites the id (duplicate "id" keys too).
TEST_F(BrokerTest, ForgedReplyIdIsOverwrittenWithTheJobsOwn) {
  ready("w1");
  auto forge = [&](const std::string& job, const json& id_fields) {
    submit("c", {{"id", job}});
    const auto req = requests_to("w1").back();
    std::string rep = body({{"status", "ok"}, {"intent", "echo"}, {"result", {{"x", 1}}}});
    // Append raw "id" keys to the map (fixmap header counts them).
    unsigned char n = static_cast<unsigned char>(rep[0]) & 0x0f;
    for (auto& [k, v] : id_fields.items()) {
      (void)k;
      auto key = json::to_msgpack(json("id"));
      auto val = json::to_msgpack(v);
      rep.append(key.begin(), key.end());
      rep.append(val.begin(), val.end());
      ++n;
    }
    rep[0] = static_cast<char>(0x80 | n);
    worker_msg({"w1", "", "MDPW01", kReply, req[4], "", rep});
  };
  forge("mine-1", {{"0", "victim-7"}});
  forge("mine-2", {{"0", "mine-2"}, {"1", "victim-8"}});  // the last one wins in most decoders
  forge("mine-3", {{"0", 42}});                           // not a string
  forge("mine-4", json::object());                        // none at all
  const auto got = replies_to("c");
  ASSERT_EQ(got.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i].id, "mine-" + std::to_string(i + 1));
    EXPECT_TRUE(got[i].ok);
    EXPECT_EQ(got[i].result, json({{"x", 1}}));
  }
  ASSERT_EQ(out.published.size(), 4u);
  EXPECT_EQ(decode_reply(out.published[0][1]).id, "mine-1");
  EXPECT_EQ(broker->counters().forged_reply_ids, 4u);
  // The dedup cache holds the corrected reply: a resubmission gets the job's own id.
  submit("c2", {{"id", "mine-1"}});
  ASSERT_EQ(replies_to("c2").size(), 1u);
  EXPECT_EQ(replies_to("c2")[0].id, "mine-1");
  // An honest reply is passed through untouched (no re-encoding on the hot path).
  submit("c", {{"id", "honest"}});
  reply("w1", requests_to("w1").back());
  EXPECT_EQ(replies_to("c").back().id, "honest");
  EXPECT_EQ(broker->counters().forged_reply_ids, 4u);
}

// A late reply (its job already answered TIMEOUT) is cached for resubmissions: with its id
// corrected too.
TEST_F(BrokerTest, ForgedIdOfALateReplyIsCorrectedBeforeItIsCached) {
  ready("w1");
  submit("c", {{"id", "slow"}, {"deadline_ms", 100}});
  const auto req = requests_to("w1")[0];
  advance(Ms(150));
  ASSERT_EQ(replies_to("c").size(), 1u);
  worker_msg({"w1", "", "MDPW01", kReply, req[4], "",
              body({{"id", "victim"}, {"status", "ok"}, {"intent", "echo"}, {"result", {}}})});
  submit("c3", {{"id", "slow"}});
  ASSERT_EQ(replies_to("c3").size(), 1u);
  EXPECT_EQ(replies_to("c3")[0].id, "slow");
  EXPECT_EQ(broker->counters().forged_reply_ids, 1u);
}

TEST_F(BrokerTest, SameIdInFlightAttachesAndFinishedIdHitsCache) {
  ready("w1");
  submit("c1", {{"id", "dup"}, {"params", {{"v", 1}}}});
  submit("c2", {{"id", "dup"}, {"params", {{"v", 2}}}});
  ASSERT_EQ(requests_to("w1").size(), 1u);
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(replies_to("c1").size(), 1u);
  ASSERT_EQ(replies_to("c2").size(), 1u);
  EXPECT_EQ(replies_to("c2")[0].result, json({{"v", 1}}));
  EXPECT_FALSE(replies_to("c1")[0].dedup);
  advance(Ms(700));
  submit("c3", {{"id", "dup"}, {"params", {{"v", 3}}}});
  ASSERT_EQ(replies_to("c3").size(), 1u);
  EXPECT_EQ(requests_to("w1").size(), 1u);  // ran once
  EXPECT_EQ(broker->counters().dedup_hits, 1u);
  // Marked: the first submission's answer (v=1, not 3), accepted 700 ms ago.
  EXPECT_TRUE(replies_to("c3")[0].dedup);
  EXPECT_EQ(replies_to("c3")[0].dedup_age_ms, 700u);
  EXPECT_EQ(replies_to("c3")[0].result, json({{"v", 1}}));
  EXPECT_EQ(replies_to("c3")[0].id, "dup");
  EXPECT_EQ(broker->counters().attached, 1u);
  // Published once, not per submitter or cache hit.
  EXPECT_EQ(out.published.size(), 1u);
  // After the TTL the id runs again.
  advance(config.dedup_ttl + Ms(500));
  ready("w1b");
  submit("c4", {{"id", "dup"}});
  EXPECT_EQ(requests_to("w1").size() + requests_to("w1b").size(), 2u);
}

TEST_F(BrokerTest, DeadWorkerJobRequeuedOnceThenWorkerLost) {
  ready("w1");
  ready("w2");
  ready("w3");
  submit("c", {{"id", "j"}, {"deadline_ms", 60000}});
  ASSERT_EQ(requests_to("w1").size(), 1u);
  // Only w1 goes silent; the others heartbeat.
  for (int i = 0; i < 40; ++i) {
    advance(Ms(100));
    worker_msg({"w2", "", "MDPW01", kHeartbeat});
    worker_msg({"w3", "", "MDPW01", kHeartbeat});
  }
  EXPECT_EQ(broker->counters().requeued, 1u);
  ASSERT_EQ(requests_to("w2").size(), 1u);  // LRU: w2 was idle longest
  EXPECT_EQ(decode_request(requests_to("w2")[0].back()).id, "j");
  // w2 dies too (silent, as w1): the job was already retried once. (A DISCONNECT would not do:
  // an intentq worker sends it only between jobs, so a job that crossed it never ran there.)
  for (int i = 0; i < 40 && replies_to("c").empty(); ++i) {
    advance(Ms(100));
    worker_msg({"w3", "", "MDPW01", kHeartbeat});
  }
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].error->code, ErrorCode::kWorkerLost);
  EXPECT_TRUE(requests_to("w3").empty());
  EXPECT_EQ(broker->worker_count(), 1u);
}

TEST_F(BrokerTest, NonRetryableJobIsNotRunTwice) {
  ready("w1", {"place_order", "@intentq=1", "@nonretryable=place_order"});
  ready("w2", {"place_order", "@intentq=1", "@nonretryable=place_order"});
  submit("c", {{"id", "o1"}}, "place_order");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].error->code, ErrorCode::kWorkerLost);
  EXPECT_TRUE(requests_to("w2").empty());
}

TEST_F(BrokerTest, BusyWorkerThatStopsHeartbeatingIsExpiredWithinLiveness) {
  ready("w1");
  submit("c", {{"id", "j"}, {"deadline_ms", 60000}});
  advance(Ms(2900));
  EXPECT_EQ(broker->worker_count(), 1u);
  advance(Ms(400));  // 3 x 1000 ms + one tick
  EXPECT_EQ(broker->worker_count(), 0u);
  EXPECT_EQ(broker->counters().workers_expired, 1u);
  // Requeued, and waits for a worker.
  EXPECT_EQ(broker->queued_count("echo"), 1u);
  ready("w9");
  EXPECT_EQ(requests_to("w9").size(), 1u);
}

TEST_F(BrokerTest, BrokerHeartbeatsEveryWorker) {
  ready("w1");
  ready("w2");
  submit("c", {{"id", "j"}});  // w1 busy
  advance(Ms(1100));
  int hb1 = 0, hb2 = 0;
  for (auto& m : out.workers) {
    if (m.size() == 4 && m[3] == kHeartbeat) (m[0] == "w1" ? hb1 : hb2)++;
  }
  EXPECT_GE(hb1, 1);
  EXPECT_GE(hb2, 1);
}

TEST_F(BrokerTest, StockWorkerToleratedAtGuidePaceAndBoundedByDeadlineWhenBusy) {
  ready("s1", {"echo.stock"});  // no @intentq, no @heartbeat
  advance(Ms(7000));            // longer than 3 x 1000 ms, shorter than 3 x 2500 ms
  EXPECT_EQ(broker->worker_count(), 1u);
  worker_msg({"s1", "", "MDPW01", kHeartbeat});
  client_msg({"c", "", "MDPC01", "echo.stock", "part1", "part2"});
  auto reqs = requests_to("s1");
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_EQ(reqs[0].size(), 8u);  // RFC 7 shape: no service frame, both body frames
  EXPECT_EQ(reqs[0][6], "part1");
  EXPECT_EQ(reqs[0][7], "part2");
  // Silent while busy: kept until its job's deadline (5 s) plus the liveness window.
  advance(Ms(5100));
  EXPECT_EQ(broker->worker_count(), 1u);
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);  // the opaque client got a TIMEOUT envelope
  EXPECT_EQ(got[0].error->code, ErrorCode::kTimeout);
  EXPECT_TRUE(out.published.empty());  // opaque services are not published
  advance(Ms(8000));
  EXPECT_EQ(broker->worker_count(), 0u);
}

TEST_F(BrokerTest, OpaqueBodiesPassThroughUntouched) {
  ready("s1", {"raw"});
  client_msg({"c", "", "MDPC01", "raw", "not msgpack", std::string("\0\xff", 2)});
  auto req = requests_to("s1").at(0);
  worker_msg({"s1", "", "MDPW01", kReply, req[4], "", "r1", "", "r3"});
  ASSERT_EQ(out.clients.size(), 1u);
  EXPECT_EQ(out.clients[0], (Msg{"c", "", "MDPC01", "raw", "r1", "", "r3"}));
}

TEST_F(BrokerTest, MmiServiceAndStats) {
  ready("w1");
  client_msg({"c", "", "MDPC01", "mmi.service", "echo"});
  client_msg({"c", "", "MDPC01", "mmi.service", "nothing"});
  client_msg({"c", "", "MDPC01", "mmi.bogus"});
  client_msg({"c", "", "MDPC01", "mmi.stats"});
  ASSERT_EQ(out.clients.size(), 4u);
  EXPECT_EQ(out.clients[0].back(), "200");
  EXPECT_EQ(out.clients[1].back(), "404");
  EXPECT_EQ(out.clients[2].back(), "501");
  const auto stats = json::from_msgpack(out.clients[3].back());
  EXPECT_EQ(stats["services"]["echo"]["workers"], 1);
  EXPECT_EQ(stats["services"]["echo"]["idle"], 1);
  EXPECT_EQ(stats["counters"]["requests"], 4);
  // After its last worker leaves, the service is reported absent.
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  client_msg({"c", "", "MDPC01", "mmi.service", "echo"});
  EXPECT_EQ(out.clients.back().back(), "404");
}

// Issue 16: mmi.stats is bounded in size (each list at most 48 KiB, "truncated") and in rate
// per client (over it, the latest body again, shared rather than encoded anew).
TEST_F(BrokerTest, MmiStatsIsBoundedInSizeAndFreshBodiesPerClient) {
  for (int w = 0; w < 2; ++w) {
    Msg ready_msg{"big" + std::to_string(w), "", "MDPW01", kReady};
    for (int i = 0; i < 256; ++i) {
      std::string name = "svc-" + std::to_string(w) + "-" + std::to_string(i) + "-";
      name.resize(64, 'x');
      ready_msg.push_back(name);
    }
    worker_msg(ready_msg);
  }
  for (int i = 0; i < 8; ++i) client_msg({"c", "", "MDPC01", "mmi.stats"});
  ASSERT_EQ(out.clients.size(), 8u);
  const auto first = json::from_msgpack(out.clients[0].back());
  EXPECT_TRUE(first["truncated"].get<bool>());
  EXPECT_LT(first["services"].size(), 512u);
  EXPECT_LT(out.clients[0].back().size(), 160u * 1024);
  // Five fresh bodies (a burst of one second's worth), then the fifth again.
  EXPECT_EQ(json::from_msgpack(out.clients[4].back())["counters"]["requests"], 5);
  for (int i = 5; i < 8; ++i) EXPECT_EQ(out.clients[i].back(), out.clients[4].back());
  // Another client has its own rate; a second later "c" gets fresh ones again.
  client_msg({"d", "", "MDPC01", "mmi.stats"});
  EXPECT_EQ(json::from_msgpack(out.clients.back().back())["counters"]["requests"], 9);
  advance(Ms(1000));
  client_msg({"c", "", "MDPC01", "mmi.stats"});
  const auto again = json::from_msgpack(out.clients.back().back());
  EXPECT_EQ(again["counters"]["requests"], 10);
  EXPECT_EQ(again["counters"]["stats_repeated"], 3);
}

TEST_F(BrokerTest, UnknownIntentAnsweredAtOnceKnownButAbsentQueues) {
  submit("c", {{"id", "u"}}, "never");
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0].error->code, ErrorCode::kUnknownIntent);
  EXPECT_EQ(replies_to("c")[0].id, "u");
  ready("w1");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  submit("c2", {{"id", "k"}, {"deadline_ms", 300}});
  EXPECT_TRUE(replies_to("c2").empty());
  EXPECT_EQ(broker->queued_count("echo"), 1u);
  advance(Ms(301));
  ASSERT_EQ(replies_to("c2").size(), 1u);
  EXPECT_EQ(replies_to("c2")[0].error->code, ErrorCode::kTimeout);
}

TEST_F(BrokerTest, UnknownIntentListsTheServicesLiveWorkersServe) {
  submit("c", {{"id", "u"}}, "ecoh");
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_NE(replies_to("c")[0].error->message.find("no worker is registered at all"),
            std::string::npos)
      << replies_to("c")[0].error->message;
  ready("w1");
  ready("w2", {"positions", "@intentq=1"});
  submit("c2", {{"id", "u2"}}, "ecoh");
  ASSERT_EQ(replies_to("c2").size(), 1u);
  const auto message = replies_to("c2")[0].error->message;
  EXPECT_EQ(replies_to("c2")[0].error->code, ErrorCode::kUnknownIntent);
  EXPECT_NE(message.find("no worker has registered service 'ecoh'; the broker knows: echo, "
                         "positions"),
            std::string::npos)
      << message;
}

TEST_F(BrokerTest, ARefusedEnvelopeCarriesItsId) {
  ready("w1");
  // deadline_ms 0 is not a deadline; the refusal names the field and keeps the id so the
  // submitter can match it to its request.
  client_msg({"c", "", "MDPC01", "echo", body({{"id", "job-7"}, {"deadline_ms", 0}})});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0].error->code, ErrorCode::kBadRequest);
  EXPECT_EQ(replies_to("c")[0].id, "job-7");
  EXPECT_NE(replies_to("c")[0].error->message.find("deadline_ms"), std::string::npos);
  EXPECT_TRUE(requests_to("w1").empty());
}

TEST_F(BrokerTest, StartupGraceHoldsRequestsForServicesNotYetRegistered) {
  restart_with_startup_grace(Ms(3000));
  // A client retrying against a restarted broker, before the workers re-registered.
  submit("c", {{"id", "early"}});
  EXPECT_TRUE(replies_to("c").empty());
  advance(Ms(500));
  ready("w1");
  ASSERT_EQ(requests_to("w1").size(), 1u);  // released to the worker that registered
  // A service nobody registers is still answered, once the grace is over.
  submit("c2", {{"id", "never"}}, "never");
  EXPECT_TRUE(replies_to("c2").empty());
  advance(Ms(2600));
  ASSERT_EQ(replies_to("c2").size(), 1u);
  EXPECT_EQ(replies_to("c2")[0].error->code, ErrorCode::kUnknownIntent);
  // After the grace, unknown services are answered at once.
  submit("c3", {{"id", "late"}}, "never");
  ASSERT_EQ(replies_to("c3").size(), 1u);
  EXPECT_EQ(replies_to("c3")[0].error->code, ErrorCode::kUnknownIntent);
}

TEST_F(BrokerTest, WorkersCannotRegisterMmiOrMixKinds) {
  ready("bad", {"mmi.service"});
  EXPECT_EQ(broker->worker_count(), 0u);
  ASSERT_FALSE(out.workers.empty());
  EXPECT_EQ(out.workers.back(), (Msg{"bad", "", "MDPW01", kDisconnect}));
  ready("w1");
  ready("stock", {"echo"});  // echo is an intentq service
  EXPECT_EQ(broker->worker_count(), 1u);
}

TEST_F(BrokerTest, BadRequestsNameTheProblem) {
  ready("w1");
  client_msg({"c", "", "MDPC01", "echo", "hello"});
  client_msg({"c", "", "MDPC01", "echo", body({{"deadline_ms", "x"}})});
  client_msg({"c", "", "MDPC01", "echo"});
  client_msg({"c", "", "MDPC02", "echo", body(json::object())});
  const auto got = replies_to("c");
  ASSERT_EQ(got.size(), 4u);
  for (auto& r : got) EXPECT_EQ(r.error->code, ErrorCode::kBadRequest);
  EXPECT_NE(got[0].error->message.find("not a msgpack map"), std::string::npos);
  EXPECT_NE(got[1].error->message.find("deadline_ms"), std::string::npos);
  EXPECT_NE(got[2].error->message.find("one body frame"), std::string::npos);
  EXPECT_NE(got[3].error->message.find("MDPC01"), std::string::npos);
  EXPECT_TRUE(requests_to("w1").empty());
}

TEST_F(BrokerTest, InvalidWorkerReplyBecomesInternalError) {
  ready("w1");
  submit("c", {{"id", "j"}});
  const auto req = requests_to("w1")[0];
  worker_msg({"w1", "", "MDPW01", kReply, req[4], "", "garbage"});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0].error->code, ErrorCode::kInternal);
}

TEST_F(BrokerTest, UnknownPeersAreToldToDisconnect) {
  worker_msg({"ghost", "", "MDPW01", kHeartbeat});
  ASSERT_EQ(out.workers.size(), 1u);
  EXPECT_EQ(out.workers[0][3], kDisconnect);
}

TEST_F(BrokerTest, UnreachableWorkerOnDispatchIsDroppedAndJobGoesToAnother) {
  ready("w1");
  ready("w2");
  out.gone.insert("w1");
  submit("c", {{"id", "j"}});
  EXPECT_EQ(requests_to("w2").size(), 1u);
  EXPECT_EQ(broker->worker_count(), 1u);
}

// Issue 7 defect 1 (a): a worker that announces two services and is gone by the time the first
// dispatch reaches it. dispatch() drops it while handle_ready still walks its services; the worker
// must stay valid memory until the event ends (ASan catches the old use-after-free).
TEST_F(BrokerTest, WorkerUnreachableOnDispatchRightAfterReadyForTwoServices) {
  ready("w0", {"a", "b", "@intentq=1"});
  submit("c", {{"id", "run"}}, "a");  // w0 busy
  submit("c", {{"id", "q1"}}, "a");
  submit("c", {{"id", "q2"}}, "b");
  ASSERT_EQ(broker->queued_count("a"), 1u);
  out.gone.insert("w1");
  ready("w1", {"a", "b", "@intentq=1"});
  EXPECT_EQ(broker->worker_count(), 1u);
  EXPECT_EQ(broker->queued_count("a"), 1u);
  EXPECT_EQ(broker->queued_count("b"), 1u);
  // The broker still works: w0 finishes and takes the queued jobs in turn.
  reply("w0", requests_to("w0").at(0));
  ASSERT_EQ(requests_to("w0").size(), 2u);
  reply("w0", requests_to("w0").at(1));
  ASSERT_EQ(requests_to("w0").size(), 3u);
  EXPECT_TRUE(replies_to("c").size() == 2u);
}

// Same, after a REPLY: the worker that just answered is handed the next job of its first service
// but its socket is already closed (a worker stopping with SIGTERM right after its last reply).
TEST_F(BrokerTest, WorkerUnreachableOnDispatchRightAfterItsReply) {
  ready("w1", {"a", "b", "c", "@intentq=1"});
  submit("c", {{"id", "run"}}, "a");
  submit("c", {{"id", "q1"}}, "a");
  submit("c", {{"id", "q2"}}, "b");
  out.gone.insert("w1");
  reply("w1", requests_to("w1").at(0));
  EXPECT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(broker->worker_count(), 0u);
  EXPECT_EQ(broker->queued_count("a"), 1u);
  EXPECT_EQ(broker->queued_count("b"), 1u);
  ready("w2", {"a", "b", "c", "@intentq=1"});
  EXPECT_EQ(requests_to("w2").size(), 1u);
}

// Issue 7 defect 1 (c): busy and idle workers expiring in the same tick. Expiring a busy one
// requeues its job and dispatches it to an idle one that is expiring too (and unreachable), which
// used to be freed while still listed for expiry.
TEST_F(BrokerTest, BusyAndIdleWorkersExpiringAtOnce) {
  for (int i = 0; i < 4; ++i) ready("busy" + std::to_string(i));
  for (int i = 0; i < 4; ++i)
    submit("c", {{"id", "j" + std::to_string(i)}, {"deadline_ms", 60000}});
  for (int i = 0; i < 4; ++i) ready("idle" + std::to_string(i));
  for (int i = 0; i < 4; ++i) out.gone.insert("idle" + std::to_string(i));
  advance(Ms(3500));
  EXPECT_EQ(broker->worker_count(), 0u);
  EXPECT_EQ(broker->queued_count("echo"), 4u);
  EXPECT_TRUE(replies_to("c").empty());
  // Jobs on workers that expire in the same pass are retried at most once in all.
  ready("w1");
  ready("w2");
  EXPECT_EQ(requests_to("w1").size() + requests_to("w2").size(), 2u);
  advance(Ms(3500));
  EXPECT_EQ(broker->worker_count(), 0u);
  EXPECT_EQ(replies_to("c").size() + broker->queued_count("echo"), 4u);
}

// Issue 7 defect 4: service names have a documented character set, and a made-up name can never
// produce a topic that a subscriber of another service's results receives.
TEST_F(BrokerTest, ServiceNamesAreCheckedAndCannotSpoofTopics) {
  EXPECT_FALSE(service_name_problem("summary"));
  EXPECT_FALSE(service_name_problem("echo.stock"));
  EXPECT_FALSE(service_name_problem("account_summary-2"));
  EXPECT_TRUE(service_name_problem("summary.ok"));
  EXPECT_TRUE(service_name_problem("summary.okay"));
  EXPECT_TRUE(service_name_problem("summary.error"));
  EXPECT_TRUE(service_name_problem(""));
  EXPECT_TRUE(service_name_problem("a..b"));
  EXPECT_TRUE(service_name_problem(".a"));
  EXPECT_TRUE(service_name_problem("\xff\xfe"));
  EXPECT_TRUE(service_name_problem("a b"));
  EXPECT_TRUE(service_name_problem(std::string(65, 'a')));
  EXPECT_FALSE(service_name_problem(std::string(64, 'a')));

  ready("w1", {"summary", "@intentq=1"});
  submit("c", {{"id", "s"}}, "summary.ok");
  submit("c", {{"id", "t"}}, "\xff\xfe");
  const auto got = replies_to("c");
  ASSERT_EQ(got.size(), 2u);
  for (auto& r : got) {
    EXPECT_EQ(r.error->code, ErrorCode::kBadRequest);
    EXPECT_NE(r.error->message.find("service name"), std::string::npos) << r.error->message;
    EXPECT_EQ(r.intent, "");  // no arbitrary bytes in the envelope
  }
  EXPECT_EQ(got[0].id, "s");
  // Nothing published: "result.summary.ok" subscribers see only summary's own results.
  EXPECT_TRUE(out.published.empty());
  // A worker cannot register such names either.
  ready("w2", {"orders.ok", "@intentq=1"});
  ready("w3", {"bad name", "@intentq=1"});
  EXPECT_EQ(broker->worker_count(), 1u);
  // Unknown but valid names are answered and published under their own topic only.
  submit("c", {{"id", "u"}}, "nosuch");
  ASSERT_EQ(out.published.size(), 1u);
  EXPECT_EQ(out.published[0][0], "result.nosuch.error");
}

// Issue 7 defect 5: generated ids are 128 random bits, and jobs without a client id are not
// cached, so nobody can fetch another client's result by guessing.
TEST_F(BrokerTest, GeneratedIdsAreRandomAndTheirRepliesAreNotCached) {
  ready("w1");
  submit("c", json::object());
  const auto req = requests_to("w1").at(0);
  const auto id = *decode_request(req.back()).id;
  EXPECT_EQ(id.size(), 34u);  // "j-" + 32 hex digits
  EXPECT_EQ(id.rfind("j-", 0), 0u);
  reply("w1", req);
  ASSERT_EQ(replies_to("c").size(), 1u);
  // Asking for that id again runs a new job instead of returning the cached result.
  submit("thief", {{"id", id}});
  EXPECT_TRUE(replies_to("thief").empty());
  EXPECT_EQ(requests_to("w1").size(), 2u);
  EXPECT_EQ(broker->counters().dedup_hits, 0u);
  JobIds ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(ids.next());
  EXPECT_EQ(seen.size(), 1000u);
}

// Issue 7 defect 6: attributes belong to live workers; heartbeats are bounded; the services cap
// holds exactly; empty services are forgotten.
TEST_F(BrokerTest, RegistryAttributesFollowLiveWorkersAndStayBounded) {
  ready("w1", {"summary", "@intentq=1", "@nonretryable=summary"});
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  ready("w2", {"summary", "@intentq=1"});
  ready("w3", {"summary", "@intentq=1"});
  submit("c", {{"id", "s"}}, "summary");
  const std::string holder = requests_to("w2").empty() ? "w3" : "w2";
  worker_msg({holder, "", "MDPW01", kDisconnect});
  EXPECT_EQ(broker->counters().requeued, 1u);  // retryable again: w1 is gone
  EXPECT_TRUE(replies_to("c").empty());

  ready("slow", {"x", "@heartbeat=4000000000"});
  ready("slow2", {"x", "@intentq=1", "@heartbeat=60001"});
  EXPECT_EQ(broker->worker_count(), 1u);

  Config c = config;
  c.max_services = 4;
  c.service_linger = Ms(1000);
  reset(c);
  ready("a", {"s1", "s2", "s3", "@intentq=1"});
  ready("b", {"s4", "s5", "@intentq=1"});  // would make 5
  EXPECT_EQ(broker->worker_count(), 1u);
  ready("b2", {"s4", "@intentq=1"});  // exactly 4
  EXPECT_EQ(broker->worker_count(), 2u);
  worker_msg({"a", "", "MDPW01", kDisconnect});
  advance(Ms(1600));  // s1..s3 had no worker and no job for the linger: forgotten
  ready("b", {"s5", "s6", "@intentq=1"});
  EXPECT_EQ(broker->worker_count(), 2u);
  const auto stats = json::from_msgpack(broker->stats_body(now));
  EXPECT_EQ(stats["services"].size(), 3u);
  EXPECT_FALSE(stats["services"].contains("s1"));
}

// Issue 7 defect 9: requests held for the startup grace get BUSY when the broker stops.
TEST_F(BrokerTest, HeldRequestsGetBusyWhenTheBrokerStops) {
  restart_with_startup_grace(Ms(3000));
  submit("c", {{"id", "early"}});
  EXPECT_TRUE(replies_to("c").empty());
  broker->begin_drain(now);
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0].error->code, ErrorCode::kBusy);
  EXPECT_EQ(replies_to("c")[0].id, "early");
  EXPECT_TRUE(broker->idle());
}

// Issue 7 defects 7 and 2: byte budgets on queues, the dedup cache and held requests; a request
// whose echo could not come back in one frame is refused up front.
TEST_F(BrokerTest, ByteBudgetsAndTheRequestSizeLimit) {
  Config c = config;
  c.max_queue = 1000;
  c.max_queue_bytes = 4000;  // each job: ~1010 request bytes + 512 overhead + routing id
  c.max_message_bytes = 20 * 1024;
  reset(c);
  ready("w1");
  const std::string kb(1000, 'x');
  for (int i = 0; i < 5; ++i)
    submit("c", {{"id", "q" + std::to_string(i)}, {"params", {{"p", kb}}}});
  // One running, two queued (~2 KB), the rest BUSY by bytes.
  EXPECT_EQ(broker->queued_count("echo"), 2u);
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].error->code, ErrorCode::kBusy);
  EXPECT_NE(got[0].error->message.find("bytes"), std::string::npos) << got[0].error->message;
  auto stats = json::from_msgpack(broker->stats_body(now));
  EXPECT_GT(stats["services"]["echo"]["queued_bytes"].get<int>(), 2000);
  EXPECT_GT(stats["jobs_bytes"].get<int>(), 4500);
  // 20 KiB limit - 16 KiB reply overhead: a 5 KB body is refused, naming the limit.
  submit("big", {{"id", "b"}, {"params", {{"p", std::string(5000, 'y')}}}});
  ASSERT_EQ(replies_to("big").size(), 1u);
  EXPECT_EQ(replies_to("big")[0].error->code, ErrorCode::kBadRequest);
  EXPECT_NE(replies_to("big")[0].error->message.find("4096"), std::string::npos)
      << replies_to("big")[0].error->message;

  DedupCache cache(Ms(60000), 1000, 1000);
  zmq::message_t small(std::string(100, 'r'));
  for (int i = 0; i < 10; ++i) cache.put("k" + std::to_string(i), small, now);
  EXPECT_LE(cache.bytes(), 1000u);
  EXPECT_EQ(cache.size(), 2u);  // 2 x (100 + 2 x key + 320) fit in 1000 bytes
  EXPECT_TRUE(cache.find("k9", now));
  EXPECT_FALSE(cache.find("k0", now));
}

TEST_F(BrokerTest, DrainRefusesNewWorkFinishesRunningAndTimesOutTheRest) {
  ready("w1");
  submit("c", {{"id", "a"}});
  submit("c", {{"id", "b"}});
  broker->begin_drain(now);
  submit("c", {{"id", "new"}});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0].error->code, ErrorCode::kBusy);
  EXPECT_FALSE(broker->idle());
  reply("w1", requests_to("w1")[0]);  // a finishes; b is dispatched (it was accepted)
  ASSERT_EQ(requests_to("w1").size(), 2u);
  EXPECT_FALSE(broker->idle());
  broker->finish_drain(now);
  const auto got = replies_to("c");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].id, "b");
  EXPECT_EQ(got[2].error->code, ErrorCode::kTimeout);
  EXPECT_EQ(out.workers.back()[3], kDisconnect);
}

TEST_F(BrokerTest, RandomFramesNeverBreakTheBroker) {
  ready("w1");
  std::mt19937 rng(7);
  auto rnd = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const std::vector<std::string> pieces = {
      "",       "MDPW01", "MDPC01",   "echo",      "mmi.service",        kReady,
      kRequest, kReply,   kHeartbeat, kDisconnect, std::string(8, '\0'), body({{"id", "z"}}),
      "\xc1"};
  for (int i = 0; i < 20000; ++i) {
    Msg m{rnd(2) ? "w1" : "p" + std::to_string(rnd(5))};
    const int n = rnd(8);
    for (int k = 0; k < n; ++k) {
      if (rnd(4) == 0) {
        std::string s(rnd(12), '\0');
        for (auto& c : s) c = static_cast<char>(rnd(256));
        m.push_back(s);
      } else {
        m.push_back(pieces[rnd(pieces.size())]);
      }
    }
    if (rnd(2))
      client_msg(m);
    else
      worker_msg(m);
    if (i % 100 == 0) advance(Ms(50));
  }
  // Still serving: a fresh worker and client complete a job.
  advance(Ms(10000));
  ready("good");
  submit("fresh", {{"id", "after-fuzz"}});
  auto reqs = requests_to("good");
  ASSERT_FALSE(reqs.empty());
  reply("good", reqs.back());
  bool answered = false;
  for (auto& r : replies_to("fresh")) answered |= r.id == "after-fuzz" && r.ok;
  EXPECT_TRUE(answered);
  EXPECT_LT(broker->job_count(), 100u);
}

TEST(DedupCacheTest, ExpiresByTtlAndEvictsOldestWhenFull) {
  DedupCache cache(Ms(100), 2);
  const auto t = Clock::time_point() + std::chrono::hours(1);
  zmq::message_t a("A", 1), b("B", 1), c("C", 1);
  cache.put("a", a, t);
  cache.put("b", b, t + Ms(10));
  ASSERT_NE(cache.find("a", t + Ms(50)), nullptr);
  cache.put("c", c, t + Ms(20));  // full: "a" goes
  EXPECT_EQ(cache.find("a", t + Ms(20)), nullptr);
  EXPECT_EQ(mdp::view(*cache.find("b", t + Ms(20))), "B");
  EXPECT_EQ(cache.find("b", t + Ms(110)), nullptr);  // past TTL
  cache.expire(t + Ms(200));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(RequestBodyTest, ReencodeKeepsOtherFieldsAndReplacesBrokerOnes) {
  const auto original = body({{"id", "old"},
                              {"params", {{"a", {1, 2}}}},
                              {"deadline_ms", 9999},
                              {"queued_ms", 5},
                              {"reply", false},
                              {"extra", "kept"}});
  const auto f = parse_request(original);
  EXPECT_EQ(f.id, "old");
  EXPECT_EQ(f.deadline_ms, 9999u);
  EXPECT_FALSE(f.reply);
  const auto j = json::from_msgpack(reencode_request(original, "new", 42, 7));
  EXPECT_EQ(j, json({{"id", "new"},
                     {"params", {{"a", {1, 2}}}},
                     {"deadline_ms", 42},
                     {"queued_ms", 7},
                     {"reply", false},
                     {"extra", "kept"}}));
}

}  // namespace
}  // namespace intentq::broker
