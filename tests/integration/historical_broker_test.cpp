// The real intentq-broker with historical-class workers (issue 20): its options and the startup
// line announcing them, IB's window enforced per gateway in scaled time, mmi.stats while jobs
// wait, and the TIMEOUT at once for a job whose slot comes after its deadline. The workers are
// fake (raw READY with @historical=), so this runs whether or not the intents exist.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/e2e_cluster.hpp"
#include "tests/support/process.hpp"

namespace intentq::e2e {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const Msg kHistReady = {"historical_bars",
                        "@intentq=1",
                        "@gateway=gw-1",
                        "@session=up",
                        "@budget=1000",
                        "@cost=historical_bars:2",
                        "@historical=historical_bars",
                        "@heartbeat=5000"};

json bars(int con_id) {
  return {{"con_id", con_id}, {"exchange", "SMART"}, {"duration", "1 D"}, {"bar_size", "1 min"}};
}

TEST(HistoricalBroker, RefusesWindowsLongerThanTheRequestWindow) {
  Process p({test::bin_dir() + "/intentq-broker", "--frontend", "tcp://127.0.0.1:*", "--backend",
             "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", "--hist-window-s", "10",
             "--hist-identical-s", "15"});
  const auto status = p.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 78) << p.output_text();
  EXPECT_NE(p.output_text().find("--hist-identical-s"), std::string::npos) << p.output_text();
}

TEST(HistoricalBroker, WindowHoldsJobsVisiblyAndALateJobIsATimeoutAtOnce) {
  // IB's rules with a 4-request window, time scale 0.002 (as the simulator's --time-scale): the
  // 10-minute window is 1.2 s.
  Broker broker({"--startup-grace-ms", "0", "--hist-requests", "4", "--hist-time-scale", "0.002"});
  // Announced before the readiness line, like the rest of the configuration.
  EXPECT_NE(broker.process->output_text().find(
                "historical pacing per gateway: 4 requests (BID_ASK counts 2) in any 1.2 s"),
            std::string::npos)
      << broker.process->output_text();
  zmq::context_t ctx;
  std::vector<std::unique_ptr<FakeWorker>> workers;
  for (int i = 0; i < 6; ++i)
    workers.push_back(std::make_unique<FakeWorker>(ctx, broker.endpoints.backend, kHistReady));
  JobClient client(broker.endpoints.frontend);
  client.wait_service("historical_bars");
  for (int i = 0; i < 6; ++i)
    client.submit(
        "historical_bars",
        {{"id", "h" + std::to_string(i)}, {"params", bars(100 + i)}, {"deadline_ms", 20000}});
  // Four go at once; each is answered as soon as it arrives.
  std::vector<Clock::time_point> seen;
  auto collect = [&](size_t want, std::chrono::milliseconds within) {
    const auto end = Clock::now() + within;
    while (seen.size() < want && Clock::now() < end)
      for (auto& w : workers)
        if (auto r = w->next_request(5ms)) {
          seen.push_back(Clock::now());
          w->reply_ok(*r, "historical_bars");
        }
  };
  collect(4, 3s);
  ASSERT_EQ(seen.size(), 4u);
  const auto first_end = seen.front();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.reply().ok);
  // The window is full: the two others wait, visibly.
  const auto st = client.stats()["gateways"]["gw-1"]["historical"];
  EXPECT_EQ(st["requests"], 4) << st.dump();
  EXPECT_EQ(st["limit"], 4);
  EXPECT_EQ(st["window_ms"], 1200);
  EXPECT_EQ(st["queued"], 2) << st.dump();
  EXPECT_GT(st["next_slot_ms"].get<int>(), 0) << st.dump();
  EXPECT_LE(st["next_slot_ms"].get<int>(), 1200) << st.dump();
  // A job that cannot get a slot before its deadline is told so at once, with the next slot.
  const auto asked = Clock::now();
  client.submit(
      "historical_bars",
      {{"id", "late"}, {"params", bars(999)}, {"deadline_ms", 50}, {"priority", "interactive"}});
  const auto late = client.reply(2s);
  const auto waited = Clock::now() - asked;
  ASSERT_TRUE(late.error);
  EXPECT_EQ(late.error->code, ErrorCode::kTimeout);
  EXPECT_NE(late.error->message.find("4 requests in the last 1.2 s (limit 4); next slot "),
            std::string::npos)
      << late.error->message;
  EXPECT_NE(late.error->message.find(" UTC (in "), std::string::npos) << late.error->message;
  EXPECT_LT(waited, 45ms) << "answered at once, not at its deadline";
  // The two others go once the window has slid: a window after the first request ended.
  collect(6, 5s);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_GE(seen[4] - first_end, 1150ms);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(client.reply().ok);
  const auto counters = client.stats()["counters"];
  EXPECT_EQ(counters["historical_timeouts"], 1);
  EXPECT_GE(counters["historical_deferrals"].get<int>(), 1);
}

TEST(HistoricalBroker, DispatchOrderIsPriorityThenSubmittersInTurn) {
  // One request at a time: the order the worker receives them is the broker's order of service.
  Broker broker({"--startup-grace-ms", "0", "--hist-open", "1", "--metrics", "127.0.0.1:0"});
  zmq::context_t ctx;
  FakeWorker worker(ctx, broker.endpoints.backend, kHistReady);
  JobClient a(broker.endpoints.frontend), b(broker.endpoints.frontend),
      c(broker.endpoints.frontend), ui(broker.endpoints.frontend);
  a.wait_service("historical_bars");
  a.submit("historical_bars", {{"id", "blocker"}, {"params", bars(1)}});
  auto running = worker.next_request(5s);
  ASSERT_TRUE(running);
  // Everything else queues behind it (bounded wait for the broker to have read each batch, so
  // that A's download is first in its class).
  auto wait_queued = [&](int n) {
    const auto end = Clock::now() + 5s;
    while (Clock::now() < end && a.stats()["services"]["historical_bars"]["queued"].get<int>() < n)
      worker.next_request(20ms);  // heartbeats meanwhile; nothing can come (open limit)
    return a.stats()["services"]["historical_bars"]["queued"].get<int>();
  };
  for (int i = 1; i <= 3; ++i)
    a.submit("historical_bars",
             {{"id", "A" + std::to_string(i)}, {"priority", "bulk"}, {"params", bars(100 + i)}});
  ASSERT_EQ(wait_queued(3), 3);
  for (int i = 1; i <= 2; ++i)
    b.submit("historical_bars",
             {{"id", "B" + std::to_string(i)}, {"priority", "bulk"}, {"params", bars(200 + i)}});
  c.submit("historical_bars", {{"id", "C1"}, {"params", bars(300)}});
  ui.submit("historical_bars", {{"id", "UI"}, {"priority", "interactive"}, {"params", bars(400)}});
  ASSERT_EQ(wait_queued(7), 7);
  // The metrics show the same: one open (the blocker), seven queued (refreshed every 250 ms).
  std::smatch m;
  const auto line = broker.process->output_text();
  ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(metrics=http://127.0.0.1:(\d+)/metrics)")));
  const int port = std::stoi(m[1]);
  const std::string queued = R"(intentq_gateway{gateway="gw-1",what="hist_queued"} 7)";
  std::string body;
  for (const auto end = Clock::now() + 5s;
       Clock::now() < end && body.find(queued) == std::string::npos;)
    body = test::http_get(port, "/metrics");
  EXPECT_NE(body.find(queued), std::string::npos) << body;
  EXPECT_NE(body.find(R"(intentq_gateway{gateway="gw-1",what="hist_open"} 1)"), std::string::npos);
  EXPECT_NE(body.find(R"(intentq_gateway{gateway="gw-1",what="hist_requests"} 1)"),
            std::string::npos);
  std::vector<std::string> order;
  worker.reply_ok(*running, "historical_bars");
  for (int i = 0; i < 7; ++i) {
    auto r = worker.next_request(5s);
    ASSERT_TRUE(r) << "after " << ::testing::PrintToString(order);
    order.push_back(*decode_request(r->body.back()).id);
    worker.reply_ok(*r, "historical_bars");
  }
  // Interactive first, then normal, then the two bulk downloads taking turns.
  EXPECT_EQ(order, (std::vector<std::string>{"UI", "C1", "A1", "B1", "A2", "B2", "A3"}));
}

TEST(HistoricalBroker, CliSendsPriorityAndClientAndRefusesBadOnes) {
  Broker broker({"--startup-grace-ms", "0"});
  zmq::context_t ctx;
  FakeWorker worker(ctx, broker.endpoints.backend, kHistReady);
  JobClient(broker.endpoints.frontend).wait_service("historical_bars");
  const auto bad = run_cli(
      {"submit", "historical_bars", "--broker", broker.endpoints.frontend, "--priority", "urgent"});
  EXPECT_EQ(bad.exit_code, 78) << bad.output;
  CliRun ok;
  std::thread cli([&] {
    ok = run_cli({"submit", "historical_bars", "--broker", broker.endpoints.frontend, "--priority",
                  "bulk", "--client", "svc-a", "--params-json", bars(7).dump()});
  });
  auto r = worker.next_request(10s);
  ASSERT_TRUE(r);
  const auto envelope = nlohmann::json::from_msgpack(r->body.back());
  EXPECT_EQ(envelope["priority"], "bulk");
  EXPECT_EQ(envelope["client"], "svc-a");
  worker.reply_ok(*r, "historical_bars");
  cli.join();
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

}  // namespace
}  // namespace intentq::e2e
