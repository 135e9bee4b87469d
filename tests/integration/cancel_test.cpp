// Cancellation on real processes (issue 20 item 4): the broker, a gateway worker and intentq-gwsim
// holding an answer open. A queued job cancelled never reaches the worker; a running job cancelled
// makes the worker's session send IB's cancel (the simulator counts it) and the session stays
// up for the next job; someone else's id is UNKNOWN_JOB; a job shared by two submitters goes on
// for the one that did not cancel.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/gwsim_stats.hpp"
#include "tests/support/intents_cluster.hpp"
#include "tests/support/wait.hpp"

namespace intentq::intents_test {
namespace {

// The intents scenario with account summaries answered only after `latency_ms`.
std::string slow_summary_scenario(int latency_ms) {
  auto scenario = load_scenario();
  scenario["latency_ms"] = {{"account_summary", latency_ms}};
  const auto path =
      std::filesystem::temp_directory_path() /
      ("intentq-cancel-" + std::to_string(::getpid()) + "-" + std::to_string(latency_ms) + ".json");
  std::ofstream(path) << scenario.dump();
  return path.string();
}

JobRequest request(const std::string& id, nlohmann::json params = nlohmann::json::object()) {
  auto r = make_request(id, std::move(params), 60000);
  return r;
}

// The next reply on `client` for `service` (mmi.cancel or the job's intent); fails after 15 s.
JobReply next(JobClient& client, const std::string& service) {
  const auto until = Clock::now() + 15s;
  while (Clock::now() < until) {
    auto got = client.receive(1s);
    if (got && got->first == service) return got->second;
    EXPECT_FALSE(got) << "unexpected reply for " << got->first << ": " << describe(got->second);
  }
  throw std::runtime_error("no reply for " + service + " within 15 s");
}

// Reads the simulator's counters until `pred` holds (bounded).
test::GwsimStats wait_stats(Sim& sim, const std::function<bool(const test::GwsimStats&)>& pred) {
  const auto until = Clock::now() + 10s;
  auto s = test::read_gwsim_stats(*sim.process);
  while (!pred(s) && Clock::now() < until) {
    std::this_thread::sleep_for(50ms);  // polling the simulator's counters, not synchronising
    s = test::read_gwsim_stats(*sim.process);
  }
  return s;
}

// A simulator that answers account summaries after `latency_ms`, a broker, one gateway worker
// (client id `client_id`) the broker knows as serving account_summary, and two clients.
struct SlowSummaries {
  SlowSummaries(int latency_ms, int client_id)
      : sim({"--pacing", "off"}, 0, slow_summary_scenario(latency_ms)),
        worker(start_gateway_worker(broker, sim.address(), client_id)) {
    e2e::wait_for_service(broker.endpoints.frontend, "account_summary");
  }
  Sim sim;
  Broker broker;
  std::unique_ptr<Process> worker;
  JobClient first{broker.endpoints.frontend};
  JobClient second{broker.endpoints.frontend};
};

TEST(Cancel, QueuedAndRunningJobsAndSomeoneElsesId) {
  SlowSummaries rig(120000, 61);
  auto& [sim, broker, worker, owner, other] = rig;

  // The one worker takes the summary (the simulator holds its answer); the positions job queues.
  owner.send("account_summary", request("held"));
  ASSERT_TRUE(wait_stats(sim, [](auto& s) {
                return s.requests_of("reqAccountSummary") == 1;
              }).requests_of("reqAccountSummary") == 1);
  owner.send("positions", request("queued"));
  ASSERT_TRUE(test::wait_until(
      [&] { return broker_stats(broker)["services"]["positions"]["queued"] == 1; }, 10s))
      << broker_stats(broker).dump();

  // Someone else's id and an id nobody used: the same UNKNOWN_JOB, and nothing happens.
  other.request("mmi.cancel", {"held"});
  auto refused = next(other, "mmi.cancel");
  ASSERT_FALSE(refused.ok);
  EXPECT_EQ(refused.error->code, ErrorCode::kUnknownJob) << describe(refused);
  other.request("mmi.cancel", {"no-such-job"});
  EXPECT_EQ(next(other, "mmi.cancel").error->code, ErrorCode::kUnknownJob);

  // The queued job: CANCELLED, and the worker never sees it.
  owner.request("mmi.cancel", {"queued"});
  auto cancelled = next(owner, "positions");
  EXPECT_EQ(cancelled.id, "queued");
  ASSERT_TRUE(cancelled.error);
  EXPECT_EQ(cancelled.error->code, ErrorCode::kCancelled) << describe(cancelled);
  auto ack = next(owner, "mmi.cancel");
  ASSERT_TRUE(ack.ok) << describe(ack);
  EXPECT_EQ(ack.result["state"], "queued");

  // The running job: CANCELLED at once, and the worker's session sends IB's cancel.
  const auto cancel_sent = Clock::now();
  owner.request("mmi.cancel", {"held"});
  auto stopped = next(owner, "account_summary");
  const auto answered = Clock::now();
  ASSERT_TRUE(stopped.error);
  EXPECT_EQ(stopped.error->code, ErrorCode::kCancelled) << describe(stopped);
  EXPECT_EQ(next(owner, "mmi.cancel").result["state"], "running");

  // The session stays healthy: the next job runs on the same connection (the one worker is free
  // only once it stopped the cancelled job).
  auto after = run(broker, "current_time");
  EXPECT_TRUE(after.ok) << describe(after);
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  std::printf(
      "cancel of a running gateway job: submitter answered CANCELLED in %.1f ms; the "
      "worker stopped it and answered the next job %.1f ms after the cancel\n",
      ms(answered - cancel_sent), ms(Clock::now() - cancel_sent));
  auto seen = wait_stats(sim, [](auto& s) { return s.requests_of("cancelAccountSummary") == 1; });
  EXPECT_EQ(seen.requests_of("cancelAccountSummary"), 1u) << "the simulator saw no cancel";
  EXPECT_EQ(seen.requests_of("reqPositions"), 0u) << "the cancelled queued job reached IB";
  auto final_stats = test::read_gwsim_stats(*sim.process);
  EXPECT_EQ(final_stats.connections, 1u);
  auto counters = broker_stats(broker)["counters"];
  EXPECT_EQ(counters["cancelled"], 2);
  EXPECT_EQ(counters["jobs_stopped"], 1);
  EXPECT_EQ(counters["cancels_unknown"], 2);
}

TEST(Cancel, ASharedJobStillAnswersTheSubmitterWhoDidNotCancel) {
  SlowSummaries rig(1500, 62);
  auto& [sim, broker, worker, a, b] = rig;
  a.send("account_summary", request("from-a"));
  b.send("account_summary", request("from-b"));  // identical: coalesced onto from-a
  ASSERT_TRUE(
      test::wait_until([&] { return broker_stats(broker)["counters"]["coalesced"] == 1; }, 10s))
      << broker_stats(broker).dump();
  a.request("mmi.cancel", {"from-a"});
  EXPECT_EQ(next(a, "account_summary").error->code, ErrorCode::kCancelled);
  EXPECT_EQ(next(a, "mmi.cancel").result["state"], "detached");
  auto answer = next(b, "account_summary");
  ASSERT_TRUE(answer.ok) << describe(answer);
  EXPECT_EQ(answer.id, "from-b");
  // Which of the two the broker saw first (and ran as the job) depends on the sockets; either
  // way the other submitter's answer comes.
  EXPECT_FALSE(answer.result["account_summary"].empty()) << answer.result.dump();
  EXPECT_EQ(broker_stats(broker)["counters"]["jobs_stopped"], 0);
}

// The worker applies the broker's cancels in the order they came: a cancel for a job that already
// ended, read in one burst with a new REQUEST reusing its id (a resubmission after the cancel),
// does not stop the new job; a cancel after the REQUEST does. The broker here is a bare ROUTER.
TEST(Cancel, AWorkerAppliesCancelsInTheOrderTheyCame) {
  e2e::SilentRouter bare;  // answers only what the test sends on it
  zmq::socket_t& router = bare.socket;
  const std::string endpoint = bare.endpoint;
  auto worker = e2e::start_worker(endpoint, 1000, 3, "warn");
  const std::string kReadyCmd(1, '\x01'), kRequestCmd(1, '\x02'), kReplyCmd(1, '\x03'),
      kHeartbeatCmd(1, '\x04');
  // The next message of `command` from the worker (heartbeats in between are skipped).
  auto next_of = [&](const std::string& command) {
    const auto until = Clock::now() + 10s;
    while (Clock::now() < until)
      if (auto m = e2e::recv_within(router, 1s); m && m->size() > 3 && (*m)[3] == command)
        return *m;
    throw std::runtime_error("the worker sent no message of that command within 10 s");
  };
  const auto ready = next_of(kReadyCmd);
  const std::string peer = ready[0];
  EXPECT_NE(std::find(ready.begin(), ready.end(), "@cancel=1"), ready.end());
  auto request = [&](const std::string& token, int delay_ms) {
    auto r = make_request("dup", {{"delay_ms", delay_ms}}, 20000);
    e2e::send_frames(router,
                     {peer, "", "MDPW01", kRequestCmd, token, "", "echo", encode_request(r)});
  };
  auto cancel = [&] {
    e2e::send_frames(router, {peer, "", "MDPW01", kHeartbeatCmd, "@cancel-job=dup"});
  };
  auto reply_to = [&](const std::string& token) {
    for (;;) {
      auto m = next_of(kReplyCmd);
      if (m.size() == 7 && m[4] == token) return decode_reply(m[6]);
    }
  };
  request("token-01", 0);
  ASSERT_TRUE(reply_to("token-01").ok);
  cancel();                  // for the job that just ended...
  request("token-02", 200);  // ...read together with a new job of the same id
  auto second = reply_to("token-02");
  EXPECT_TRUE(second.ok) << "a stale cancel stopped the next job: " << describe(second);
  request("token-03", 10000);
  cancel();
  auto third = reply_to("token-03");
  ASSERT_TRUE(third.error) << "the cancel did not stop the job";
  EXPECT_EQ(third.error->code, ErrorCode::kCancelled);
}

// `intentq cancel`: someone else's (or an unknown) id exits 2 with UNKNOWN_JOB; bad input 78.
TEST(Cancel, CliSaysUnknownJobAndRefusesBadIds) {
  Broker broker;
  auto cli =
      e2e::run_cli({"cancel", "nobody-s-job", "--compact", "--broker", broker.endpoints.frontend});
  EXPECT_EQ(cli.exit_code, 2) << cli.output;
  auto json = e2e::first_json_line(cli.output);
  ASSERT_TRUE(json) << cli.output;
  EXPECT_EQ((*json)["error"]["code"], "UNKNOWN_JOB");
  EXPECT_NE(cli.output.find("only its submitter may cancel it"), std::string::npos) << cli.output;
  auto bad = e2e::run_cli({"cancel", std::string(300, 'x'), "--broker", broker.endpoints.frontend});
  EXPECT_EQ(bad.exit_code, 78) << bad.output;
}

}  // namespace
}  // namespace intentq::intents_test
