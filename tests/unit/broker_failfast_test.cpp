// Fail fast with the cause (issue 18) in the broker core, without sockets or clocks: a gateway
// whose workers all wait for their session answers GATEWAY_UNREACHABLE at once with the workers'
// connect error; a service whose last worker left answers NO_WORKER after the grace; requests
// sharing a job are told their own deadline; workers are known by the names they announce.
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

Config failfast_config(Ms grace = Ms(2000)) {
  Config c = quick_config();
  c.no_worker_grace = grace;
  return c;
}

class FailFastTest : public BrokerCoreTest {
 protected:
  FailFastTest() : BrokerCoreTest(failfast_config(), "positions") {}

  // A gateway worker whose session is up: positions (cost 2) and echo.
  void up_ready(const std::string& w, const std::string& name = "") {
    Msg m{w,
          "",
          "MDPW01",
          kReady,
          "positions",
          "echo",
          "@intentq=1",
          "@gateway=127.0.0.1:4002",
          "@session=up",
          "@budget=45",
          "@cost=positions:2"};
    if (!name.empty()) m.push_back("@name=" + name);
    worker_msg(m);
  }
  // A worker whose session is down: only echo, positions and summary wait for the gateway.
  void down_ready(const std::string& w, const std::string& error, uint64_t down_ms,
                  const std::string& gateway = "127.0.0.1:4002") {
    worker_msg({w, "", "MDPW01", kReady, "echo", "@intentq=1", "@gateway=" + gateway,
                "@session=down", "@waiting=positions,summary", "@session-error=" + error,
                "@session-down-ms=" + std::to_string(down_ms), "@name=host:" + w});
  }
  std::vector<JobReply> replies_to(const std::string& client) {
    std::vector<JobReply> r;
    for (const auto& b : reply_bodies_to(client)) r.push_back(decode_reply(b));
    return r;
  }
  std::string code_of(const JobReply& r) {
    return r.error ? std::string(to_string(r.error->code)) : std::string("ok");
  }
  json stats() { return json::from_msgpack(broker->stats_body(now)); }
  // `client` has exactly one reply: job `id` failed with `code` and `message`.
  void expect_one_failure(const std::string& client, const std::string& id, const std::string& code,
                          const std::string& message) {
    auto got = replies_to(client);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, id);
    EXPECT_EQ(code_of(got[0]), code);
    ASSERT_TRUE(got[0].error);
    EXPECT_EQ(got[0].error->message, message);
  }
};

// ---- GATEWAY_UNREACHABLE -----------------------------------------------------------------------

TEST_F(FailFastTest, GatewayDownIsAnsweredAtOnceWithTheWorkersConnectError) {
  down_ready("w1", "connect failed: Connection refused", 41000);
  down_ready("w2", "connect failed: Connection refused", 40000);
  submit("c", {{"id", "p1"}});
  // Answered at once, not queued.
  expect_one_failure("c", "p1", "GATEWAY_UNREACHABLE",
                     "gateway 127.0.0.1:4002 unreachable for 41 s: connect failed: Connection "
                     "refused; 2 workers waiting for it");
  EXPECT_EQ(broker->counters().gateway_unreachable, 1u);
  // The intents that need no gateway still run.
  submit("c", {{"id", "e1"}}, "echo");
  EXPECT_EQ(requests_to("w1").size() + requests_to("w2").size(), 1u);
}

TEST_F(FailFastTest, EachGatewayIsNamedWithItsOwnError) {
  down_ready("w1", "connect failed: Connection refused", 5000, "gw-a");
  down_ready("w2", "connect timed out", 12000, "gw-b");
  submit("c", {{"id", "p1"}}, "summary");
  expect_one_failure("c", "p1", "GATEWAY_UNREACHABLE",
                     "gateway gw-a unreachable for 5.0 s: connect failed: Connection refused; 1 "
                     "worker waiting for it; gateway gw-b unreachable for 12 s: connect timed "
                     "out; 1 worker waiting for it");
}

TEST_F(FailFastTest, ASessionUpdateOnAHeartbeatChangesTheCauseWithoutANewReady) {
  down_ready("w1", "connect failed: Connection refused", 1000);
  advance(Ms(500));
  worker_msg({"w1", "", "MDPW01", kHeartbeat, "@session=down",
              "@session-error=handshake: server version 150 outside 176..200",
              "@session-down-ms=1500"});
  submit("c", {{"id", "p1"}});
  expect_one_failure("c", "p1", "GATEWAY_UNREACHABLE",
                     "gateway 127.0.0.1:4002 unreachable for 1.5 s: handshake: server version "
                     "150 outside 176..200; 1 worker waiting for it");
  EXPECT_TRUE(out.workers.empty() ||
              std::none_of(out.workers.begin(), out.workers.end(),
                           [](const Msg& m) { return m.size() > 3 && m[3] == kDisconnect; }))
      << "a session update is a heartbeat, not a reason to disconnect";
}

TEST_F(FailFastTest, AMalformedSessionUpdateIsIgnoredAndCounted) {
  down_ready("w1", "refused", 1000);
  worker_msg({"w1", "", "MDPW01", kHeartbeat, "@session=sideways"});
  EXPECT_EQ(broker->counters().bad_worker_messages, 1u);
  EXPECT_EQ(broker->worker_count(), 1u);
  submit("c", {{"id", "p1"}});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_NE(replies_to("c")[0].error->message.find("refused"), std::string::npos);
}

TEST_F(FailFastTest, QueuedJobsAreAnsweredWhenTheLastSessionGoesDown) {
  up_ready("w1");
  submit("c", {{"id", "running"}});
  submit("c", {{"id", "queued"}, {"params", {{"account", "DU2"}}}});  // not shared
  ASSERT_EQ(requests_to("w1").size(), 1u);
  // The session drops: the worker re-registers (DISCONNECT, a new socket, READY with @waiting).
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  down_ready("w1b", "session lost: connection reset", 0);
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 2u) << "the requeued running job and the queued one";
  for (const auto& r : got) {
    EXPECT_EQ(code_of(r), "GATEWAY_UNREACHABLE") << r.id;
    EXPECT_NE(r.error->message.find("session lost: connection reset"), std::string::npos);
  }
}

TEST_F(FailFastTest, TheStartupGraceHoldsNoRequestThatWorkersWaitFor) {
  reset([] {
    auto c = failfast_config();
    c.startup_grace = Ms(3000);
    return c;
  }());
  submit("c", {{"id", "early"}});  // before any worker: held
  EXPECT_TRUE(replies_to("c").empty());
  down_ready("w1", "connect failed: Connection refused", 100);
  ASSERT_EQ(replies_to("c").size(), 1u) << "released when a worker waits for it";
  EXPECT_EQ(code_of(replies_to("c")[0]), "GATEWAY_UNREACHABLE");
  submit("d", {{"id", "later"}});  // still within the grace: answered at once
  ASSERT_EQ(replies_to("d").size(), 1u);
  EXPECT_EQ(code_of(replies_to("d")[0]), "GATEWAY_UNREACHABLE");
}

TEST_F(FailFastTest, AnUpWorkerOfTheServiceMeansNoFailFast) {
  down_ready("w1", "refused", 1000, "gw-a");
  up_ready("w2");
  submit("c", {{"id", "p1"}});
  EXPECT_TRUE(replies_to("c").empty());
  EXPECT_EQ(requests_to("w2").size(), 1u);
}

TEST_F(FailFastTest, AnAccountOfADownGatewayIsGatewayUnreachableNotUnknown) {
  worker_msg({"wa", "", "MDPW01", kReady, "positions", "@intentq=1", "@gateway=gw-a", "@session=up",
              "@cost=positions:2", "@accounts=DU1"});
  worker_msg({"wb", "", "MDPW01", kReady, "positions", "@intentq=1", "@gateway=gw-b", "@session=up",
              "@cost=positions:2", "@accounts=DU2"});
  // gw-a's session drops: its worker re-registers waiting.
  worker_msg({"wa", "", "MDPW01", kDisconnect});
  down_ready("wa2", "cannot connect to the gateway at gw-a: Connection refused", 700, "gw-a");
  submit("c", {{"id", "p1"}, {"params", {{"account", "DU1"}}}});
  expect_one_failure("c", "p1", "GATEWAY_UNREACHABLE",
                     "gateway gw-a unreachable for 0.7 s: cannot connect to the gateway at gw-a: "
                     "Connection refused; 1 worker waiting for it (it manages account 'DU1')");
  submit("c", {{"id", "p2"}, {"params", {{"account", "DU2"}}}});  // gw-b is fine
  EXPECT_EQ(requests_to("wb").size(), 1u);
}

TEST_F(FailFastTest, QueuedAccountJobsOfAGatewayThatWentDownGetItsCause) {
  worker_msg({"wa", "", "MDPW01", kReady, "positions", "@intentq=1", "@gateway=gw-a", "@session=up",
              "@cost=positions:2", "@accounts=DU1", "@name=host:1"});
  worker_msg({"wb", "", "MDPW01", kReady, "positions", "@intentq=1", "@gateway=gw-b", "@session=up",
              "@cost=positions:2", "@accounts=DU2"});
  submit("c", {{"id", "running"}, {"params", {{"account", "DU1"}}}});
  submit("c", {{"id", "queued"}, {"params", {{"account", "DU1"}}}});  // shares the job
  ASSERT_EQ(requests_to("wa").size(), 1u);
  // gw-a's session drops; its worker says so, then re-registers (DISCONNECT first).
  worker_msg({"wa", "", "MDPW01", kHeartbeat, "@session=down",
              "@session-error=session lost: connection reset by peer", "@session-down-ms=0"});
  worker_msg({"wa", "", "MDPW01", kDisconnect});
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 2u);
  for (const auto& r : got) {
    EXPECT_EQ(code_of(r), "GATEWAY_UNREACHABLE") << r.id;
    EXPECT_EQ(r.error->message,
              "gateway gw-a unreachable: session lost: connection reset by peer; its worker "
              "host:1 is registering again without it (it manages account 'DU1')");
  }
  EXPECT_EQ(broker->counters().unknown_account, 0u);
  EXPECT_TRUE(requests_to("wb").empty()) << "gw-b never gets gw-a's accounts";
}

TEST_F(FailFastTest, AccountsOfADownGatewayAreNamedInUnknownAccount) {
  worker_msg({"w2", "", "MDPW01", kReady, "positions", "@intentq=1", "@gateway=gw-b", "@session=up",
              "@cost=positions:2", "@accounts=DU2"});
  down_ready("w1", "connect failed: Connection refused", 3000, "gw-a");
  submit("c", {{"id", "p1"}, {"params", {{"account", "DU1"}}}});
  auto got = replies_to("c");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(code_of(got[0]), "UNKNOWN_ACCOUNT");
  EXPECT_NE(got[0].error->message.find("gateway gw-a unreachable for 3.0 s"), std::string::npos)
      << got[0].error->message;
}

TEST_F(FailFastTest, AJobThatCrossedAWorkersDisconnectIsNeverCountedAsLost) {
  // Two workers re-register one after the other (their sessions flap) just as the job reaches
  // each: it never ran, so it is neither WORKER_LOST nor out of retries.
  up_ready("w1");
  up_ready("w2");
  up_ready("w3");
  submit("c", {{"id", "p1"}});
  for (const std::string w : {"w1", "w2"}) {
    ASSERT_EQ(requests_to(w).size(), 1u) << w;
    worker_msg({w, "", "MDPW01", kDisconnect});
  }
  ASSERT_EQ(requests_to("w3").size(), 1u) << "the third worker gets it";
  EXPECT_TRUE(replies_to("c").empty());
  EXPECT_EQ(broker->counters().worker_lost, 0u);
  EXPECT_EQ(broker->counters().requeued, 2u);
}

// ---- NO_WORKER ---------------------------------------------------------------------------------

TEST_F(FailFastTest, AServiceWhoseWorkersLeftIsAnsweredNoWorkerAfterTheGrace) {
  up_ready("w1");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  submit("c", {{"id", "p1"}});
  EXPECT_TRUE(replies_to("c").empty()) << "queued during the grace";
  advance(Ms(1999));
  EXPECT_TRUE(replies_to("c").empty());
  advance(Ms(1));
  // Answered when the grace ends, not at its deadline.
  expect_one_failure("c", "p1", "NO_WORKER",
                     "no worker has served 'positions' for 2.0 s; start a worker for it, or check "
                     "why its workers left");
  // After the grace a new request is answered on arrival.
  submit("d", {{"id", "p2"}});
  ASSERT_EQ(replies_to("d").size(), 1u);
  EXPECT_EQ(code_of(replies_to("d")[0]), "NO_WORKER");
  EXPECT_EQ(broker->counters().no_worker, 2u);
}

TEST_F(FailFastTest, NoWorkerNamesTheWallClockTimeTheServiceWasLastServed) {
  // 12:01:07 UTC on some day is t0 in the broker's steady time.
  const auto wall_t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                       std::chrono::seconds(((12 * 60 + 1) * 60 + 7) - 1700000000 % 86400);
  broker->set_wall_clock([&](Clock::time_point t) {
    return wall_t0 + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - t0);
  });
  up_ready("w1");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  advance(Ms(3000));
  submit("c", {{"id", "p1"}});
  expect_one_failure("c", "p1", "NO_WORKER",
                     "no worker has served 'positions' since 12:01:07 UTC (3.0 s); start a worker "
                     "for it, or check why its workers left");
}

TEST_F(FailFastTest, AWorkerBackWithinTheGraceRunsTheQueuedJob) {
  up_ready("w1");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  submit("c", {{"id", "p1"}});
  advance(Ms(1500));
  up_ready("w2");
  ASSERT_EQ(requests_to("w2").size(), 1u);
  advance(Ms(1000));
  EXPECT_TRUE(replies_to("c").empty()) << "no NO_WORKER for a job that runs";
}

TEST_F(FailFastTest, AForgottenServiceIsStillAnsweredNoWorkerWithItsTime) {
  reset([] {
    auto c = failfast_config();
    c.service_linger = Ms(1000);
    return c;
  }());
  up_ready("w1");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  advance(Ms(5000));  // past the linger: the service is forgotten
  submit("c", {{"id", "p1"}});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(code_of(replies_to("c")[0]), "NO_WORKER") << "not UNKNOWN_INTENT: it was served";
  EXPECT_NE(replies_to("c")[0].error->message.find("for 5.0 s"), std::string::npos);
}

TEST_F(FailFastTest, GraceZeroKeepsTheMajordomoQueueUntilTheDeadline) {
  reset(failfast_config(Ms(0)));
  up_ready("w1");
  worker_msg({"w1", "", "MDPW01", kDisconnect});
  submit("c", {{"id", "p1"}, {"deadline_ms", 3000}});
  advance(Ms(2999));
  EXPECT_TRUE(replies_to("c").empty());
  advance(Ms(1));
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(code_of(replies_to("c")[0]), "TIMEOUT");
}

// ---- shared jobs -------------------------------------------------------------------------------

TEST_F(FailFastTest, RequestsSharingATimedOutJobAreToldTheirOwnDeadline) {
  up_ready("w1");
  submit("c", {{"id", "blocker"}, {"params", {{"account", "DU9"}}}});  // keeps w1 busy
  submit("c", {{"id", "first"}, {"deadline_ms", 4000}});
  advance(Ms(1000));
  submit("d", {{"id", "second"}, {"deadline_ms", 3000}});  // joins "first"; ends at the same time
  ASSERT_EQ(broker->counters().coalesced, 1u);
  advance(Ms(3000));
  auto second = replies_to("d");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(code_of(second[0]), "TIMEOUT");
  EXPECT_NE(second[0].error->message.find("deadline of 3000 ms"), std::string::npos)
      << second[0].error->message;
  EXPECT_EQ(second[0].error->message.find("4000"), std::string::npos) << second[0].error->message;
}

TEST_F(FailFastTest, AWorkersTimeoutIsNotPassedOffAsAnAttachedRequestsOwn) {
  up_ready("w1");
  submit("c", {{"id", "first"}, {"deadline_ms", 1000}});
  ASSERT_EQ(requests_to("w1").size(), 1u);
  advance(Ms(100));
  submit("d", {{"id", "second"}, {"deadline_ms", 5000}});  // joins the running job
  ASSERT_EQ(broker->counters().coalesced, 1u);
  // The worker gives up at the deadline it was given (the first request's).
  JobReply rep = make_error_reply("first", "positions", ErrorCode::kTimeout,
                                  "deadline of 1000 ms passed while the job ran");
  rep.worker = "w1";
  const auto request = requests_to("w1")[0];
  worker_msg({"w1", "", "MDPW01", kReply, request[4], "", encode_reply(rep)});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(replies_to("c")[0].error->message, "deadline of 1000 ms passed while the job ran");
  auto second = replies_to("d");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, "second");
  EXPECT_EQ(code_of(second[0]), "TIMEOUT");
  EXPECT_EQ(second[0].error->message.find("1000"), std::string::npos) << second[0].error->message;
  EXPECT_NE(second[0].error->message.find("own deadline of 5000 ms"), std::string::npos)
      << second[0].error->message;
}

// ---- names -------------------------------------------------------------------------------------

TEST_F(FailFastTest, StatsNameEveryWorkerAndWhatTheDownOnesWaitFor) {
  up_ready("w1", "alpha:17");
  down_ready("w2", "connect failed: Connection refused", 2000);
  worker_msg({"w3", "", "MDPW01", kReady, "plain"});  // a stock worker: no name
  auto s = stats();
  std::vector<std::string> names;
  for (const auto& w : s["worker_list"]) names.push_back(w["name"]);
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "0x7733");  // "w3" as hex
  EXPECT_EQ(names[1], "alpha:17");
  EXPECT_EQ(names[2], "host:w2");
  bool found = false;
  for (const auto& g : s["gateway_workers"]) {
    if (g["name"] != "host:w2") continue;
    found = true;
    EXPECT_EQ(g["session"], "down");
    EXPECT_EQ(g["waiting"], json::array({"positions", "summary"}));
    EXPECT_EQ(g["session_error"], "connect failed: Connection refused");
    EXPECT_EQ(g["session_down_ms"], 2000);
  }
  EXPECT_TRUE(found);
}

TEST_F(FailFastTest, StatsCountTheJobsEachWorkerAnswered) {
  up_ready("w1", "alpha:17");
  submit("c", {{"id", "one"}});
  const auto request = requests_to("w1");
  ASSERT_EQ(request.size(), 1u);
  auto jobs_done = [&] {
    const auto s = stats();  // kept alive for the loop
    for (const auto& w : s["worker_list"])
      if (w["name"] == "alpha:17") return w["jobs_done"].get<int>();
    return -1;
  };
  EXPECT_EQ(jobs_done(), 0);
  JobReply rep;
  rep.id = "one";
  rep.intent = "positions";
  rep.ok = true;
  rep.result = json::object();
  rep.worker = "w1";
  worker_msg({"w1", "", "MDPW01", kReply, request[0][4], "", encode_reply(rep)});
  ASSERT_EQ(replies_to("c").size(), 1u);
  EXPECT_EQ(jobs_done(), 1);
  const auto s = stats();
  for (const auto& g : s["gateway_workers"])
    if (g["name"] == "alpha:17") {
      EXPECT_EQ(g["jobs_done"], 1);
    }
}

TEST_F(FailFastTest, BadNamesAndWaitingListsAreRefused) {
  worker_msg({"w1", "", "MDPW01", kReady, "echo", "@intentq=1", "@name="});
  worker_msg({"w2", "", "MDPW01", kReady, "echo", "@intentq=1", "@waiting=mmi.service"});
  worker_msg({"w3", "", "MDPW01", kReady, "echo", "@intentq=1", "@waiting=a,,b"});
  EXPECT_EQ(broker->worker_count(), 0u);
  EXPECT_EQ(broker->counters().bad_worker_messages, 3u);
}

}  // namespace
}  // namespace intentq::broker
