// mmi.cancel in the broker core (issue 20 item 4), without sockets or clocks: a queued job leaves
// its queue, a running one's worker is told to stop it, only the submitter's own identity may
// cancel, and a job shared by several submitters goes on for those who did not cancel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.hpp"
#include "common/envelope.hpp"
#include "tests/unit/broker_test_kit.hpp"

namespace intentq::broker {
namespace {

using namespace core_test;

class CancelTest : public BrokerCoreTest {
 protected:
  CancelTest() : BrokerCoreTest(quick_config(), "summary") {}

  // A gateway worker serving summary (shared by identical requests) and echo.
  void ready(const std::string& w, bool cancels = true) {
    Msg m{w,
          "",
          "MDPW01",
          kReady,
          "summary",
          "echo",
          "@intentq=1",
          "@gateway=g",
          "@session=up",
          "@budget=1000",
          "@cost=summary:1"};
    if (cancels) m.push_back("@cancel=1");
    worker_msg(m);
  }
  void cancel(const std::string& client, const std::string& id) {
    client_msg({client, "", "MDPC01", "mmi.cancel", id});
  }
  // Replies to `client` for `service` (the job's intent, or mmi.cancel).
  std::vector<json> replies(const std::string& client, const std::string& service = "summary") {
    std::vector<json> r;
    for (auto& m : out.clients)
      if (m[0] == client && m.size() == 5 && m[3] == service) r.push_back(json::from_msgpack(m[4]));
    return r;
  }
  std::vector<Msg> cancels_to(const std::string& w) {
    std::vector<Msg> r;
    for (auto& m : out.workers)
      if (m[0] == w && m.size() == 5 && m[3] == kHeartbeat && m[4].rfind("@cancel-job=", 0) == 0)
        r.push_back(m);
    return r;
  }
  void reply(const std::string& w, const Msg& request) {
    answer(w, request, true, request[6], json{{"n", 1}});
  }
};

TEST_F(CancelTest, AQueuedJobLeavesItsQueueAndItsSubmitterGetsCancelled) {
  ready("w1");
  submit("c", {{"id", "busy"}, {"params", {{"group", "a"}}}});  // keeps w1 busy
  submit("c", {{"id", "queued"}, {"params", {{"group", "b"}}}});
  ASSERT_EQ(requests_to("w1").size(), 1u);
  cancel("c", "queued");
  auto got = replies("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "queued");
  EXPECT_EQ(got[0]["error"]["code"], "CANCELLED");
  auto ack = replies("c", "mmi.cancel");
  ASSERT_EQ(ack.size(), 1u);
  EXPECT_EQ(ack[0]["status"], "ok");
  EXPECT_EQ(ack[0]["id"], "queued");
  EXPECT_EQ(ack[0]["result"]["state"], "queued");
  EXPECT_EQ(broker->queued_count("summary"), 0u);
  // The worker never sees it: when it is free nothing more is dispatched.
  reply("w1", requests_to("w1")[0]);
  EXPECT_EQ(requests_to("w1").size(), 1u);
  EXPECT_EQ(broker->unanswered(), 0u);
  EXPECT_EQ(broker->job_count(), 0u);
  EXPECT_EQ(broker->counters().cancelled, 1u);
  EXPECT_TRUE(cancels_to("w1").empty());
}

TEST_F(CancelTest, ARunningJobsWorkerIsToldToStopAndItsLateReplyIsDropped) {
  ready("w1");
  submit("c", {{"id", "run"}});
  ASSERT_EQ(requests_to("w1").size(), 1u);
  cancel("c", "run");
  ASSERT_EQ(replies("c").size(), 1u);
  EXPECT_EQ(replies("c")[0]["error"]["code"], "CANCELLED");
  EXPECT_EQ(replies("c", "mmi.cancel")[0]["result"]["state"], "running");
  ASSERT_EQ(cancels_to("w1").size(), 1u);
  EXPECT_EQ(cancels_to("w1")[0][4], "@cancel-job=run");
  EXPECT_EQ(broker->counters().jobs_stopped, 1u);
  // The worker answers CANCELLED (or its result, if it was faster): dropped, not cached.
  reply("w1", requests_to("w1")[0]);
  EXPECT_EQ(replies("c").size(), 1u);
  EXPECT_EQ(broker->counters().late_replies_dropped, 1u);
  // The worker is free again, and a resubmission of the id runs afresh.
  submit("c", {{"id", "run"}});
  ASSERT_EQ(requests_to("w1").size(), 2u);
  reply("w1", requests_to("w1")[1]);
  ASSERT_EQ(replies("c").size(), 2u);
  EXPECT_EQ(replies("c")[1]["status"], "ok");
  EXPECT_FALSE(replies("c")[1].contains("dedup"));
}

TEST_F(CancelTest, AWorkerThatCannotStopJobsIsNotToldButTheSubmitterIsAnswered) {
  ready("w1", false);
  submit("c", {{"id", "run"}});
  cancel("c", "run");
  ASSERT_EQ(replies("c").size(), 1u);
  EXPECT_EQ(replies("c")[0]["error"]["code"], "CANCELLED");
  EXPECT_TRUE(cancels_to("w1").empty());
  reply("w1", requests_to("w1")[0]);
  EXPECT_EQ(replies("c").size(), 1u);
}

TEST_F(CancelTest, SomeoneElsesIdAndAnUnknownIdGetTheSameUnknownJob) {
  ready("w1");
  submit("owner", {{"id", "mine"}});
  cancel("thief", "mine");
  cancel("thief", "nothing-like-it");
  auto got = replies("thief", "mmi.cancel");
  ASSERT_EQ(got.size(), 2u);
  for (auto& r : got) EXPECT_EQ(r["error"]["code"], "UNKNOWN_JOB");
  // The same words for both, but for the id itself: nothing says whether a job exists.
  auto strip = [](json r) {
    std::string m = r["error"]["message"];
    std::string id = r["id"];
    return m.replace(m.find(id), id.size(), "");
  };
  EXPECT_EQ(strip(got[0]), strip(got[1]));
  EXPECT_TRUE(cancels_to("w1").empty());
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(replies("owner").size(), 1u);
  EXPECT_EQ(replies("owner")[0]["status"], "ok");
  EXPECT_EQ(broker->counters().cancels_unknown, 2u);
}

TEST_F(CancelTest, ASharedJobGoesOnForTheSubmitterWhoDidNotCancel) {
  ready("w1");
  submit("a", {{"id", "first"}});
  submit("b", {{"id", "second"}});  // identical: coalesced onto "first"
  ASSERT_EQ(broker->counters().coalesced, 1u);
  cancel("a", "first");
  EXPECT_EQ(replies("a")[0]["error"]["code"], "CANCELLED");
  EXPECT_EQ(replies("a", "mmi.cancel")[0]["result"]["state"], "detached");
  EXPECT_TRUE(cancels_to("w1").empty());
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(replies("b").size(), 1u);
  EXPECT_EQ(replies("b")[0]["status"], "ok");
  EXPECT_EQ(replies("b")[0]["id"], "second");
  EXPECT_EQ(replies("a").size(), 1u);
  // The cancelled id's answer was not kept: resubmitting it runs a job again.
  submit("a", {{"id", "first"}});
  EXPECT_EQ(requests_to("w1").size(), 2u);
  EXPECT_EQ(broker->counters().dedup_hits, 0u);
}

TEST_F(CancelTest, ARiderCancelsAloneAndTheLastOneLeavingStopsTheJob) {
  ready("w1");
  submit("a", {{"id", "first"}});
  submit("b", {{"id", "second"}});
  cancel("b", "second");
  EXPECT_EQ(replies("b")[0]["error"]["code"], "CANCELLED");
  EXPECT_TRUE(cancels_to("w1").empty());
  cancel("a", "first");
  EXPECT_EQ(replies("a")[0]["error"]["code"], "CANCELLED");
  EXPECT_EQ(replies("a", "mmi.cancel")[0]["result"]["state"], "running");
  EXPECT_EQ(cancels_to("w1").size(), 1u);
  EXPECT_EQ(broker->unanswered(), 0u);
}

TEST_F(CancelTest, TheSameIdAttachedByTwoClientsStaysForTheOther) {
  ready("w1");
  submit("a", {{"id", "x"}}, "echo");
  submit("b", {{"id", "x"}}, "echo");
  ASSERT_EQ(broker->counters().attached, 1u);
  cancel("a", "x");
  EXPECT_EQ(replies("a", "echo")[0]["error"]["code"], "CANCELLED");
  EXPECT_EQ(replies("a", "mmi.cancel")[0]["result"]["state"], "detached");
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(replies("b", "echo").size(), 1u);
  EXPECT_EQ(replies("b", "echo")[0]["status"], "ok");
}

TEST_F(CancelTest, BadCancelRequestsAreRefusedAndHarmNothing) {
  ready("w1");
  submit("c", {{"id", "run"}});
  client_msg({"c", "", "MDPC01", "mmi.cancel"});
  client_msg({"c", "", "MDPC01", "mmi.cancel", "run", "extra"});
  cancel("c", "");
  cancel("c", std::string(300, 'x'));
  cancel("c", std::string("\xff\xfe", 2));
  auto got = replies("c", "mmi.cancel");
  ASSERT_EQ(got.size(), 5u);
  for (auto& r : got) {
    EXPECT_EQ(r["error"]["code"], "BAD_REQUEST") << r.dump();
    EXPECT_EQ(r["id"], "");
  }
  EXPECT_TRUE(replies("c").empty());
  reply("w1", requests_to("w1")[0]);
  ASSERT_EQ(replies("c").size(), 1u);
  EXPECT_EQ(replies("c")[0]["status"], "ok");
}

TEST_F(CancelTest, WithCurveTheKeyOwnsTheJobAcrossConnections) {
  ready("w1");
  auto f = frames({"conn-1", "", "MDPC01", "summary", body({{"id", "k"}})});
  broker->on_client_message(f, now, "KEY-A");
  auto other = frames({"conn-2", "", "MDPC01", "mmi.cancel", "k"});
  broker->on_client_message(other, now, "KEY-B");
  EXPECT_EQ(replies("conn-2", "mmi.cancel")[0]["error"]["code"], "UNKNOWN_JOB");
  // The routing id alone is not the owner when the frontend uses CURVE.
  auto same_conn_other_key = frames({"conn-1", "", "MDPC01", "mmi.cancel", "k"});
  broker->on_client_message(same_conn_other_key, now, "KEY-B");
  EXPECT_EQ(replies("conn-1", "mmi.cancel")[0]["error"]["code"], "UNKNOWN_JOB");
  auto mine = frames({"conn-3", "", "MDPC01", "mmi.cancel", "k"});
  broker->on_client_message(mine, now, "KEY-A");
  EXPECT_EQ(replies("conn-3", "mmi.cancel")[0]["status"], "ok");
  EXPECT_EQ(replies("conn-1")[0]["error"]["code"], "CANCELLED");
}

}  // namespace
}  // namespace intentq::broker
