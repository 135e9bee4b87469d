// IB's historical pacing on real processes (issue 20, must-show 1 in part): intentq-broker pacing
// per gateway, four intentq-workers and intentq-gwsim enforcing IB's rules (its violation
// counters), both with their windows scaled by 0.01 (10 minutes last 6 s, 15 s last 150 ms, 2 s
// last 20 ms). Four clients submit 80 historical_bars jobs at once: every job is answered ok, the
// simulator counts no violation and no 51st open request, and a job whose deadline passes before
// its slot is answered TIMEOUT at once.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/e2e_cluster.hpp"
#include "tests/support/gwsim_stats.hpp"
#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kScenario =
    std::string(INTENTQ_SOURCE_DIR) + "/tests/data/market_data_scenario.json";
constexpr int64_t kAapl = 265598, kMsft = 272093;

// Job i of a client: 30 one-minute bars of AAPL or MSFT ending at a distinct minute.
json bars(int client, int i) {
  char end[32];
  std::snprintf(end, sizeof end, "2026-12-04T%02d:%02d:00Z", 15 + client, i);
  return {{"con_id", i % 2 ? kMsft : kAapl},
          {"end", end},
          {"duration", "1800 S"},
          {"bar_size", "1 min"}};
}

TEST(HistoricalPacingE2E, EightyJobsFromFourClientsBreakNoRuleOfTheSimulator) {
  Sim sim{{"--time-scale", "0.01", "--historical-pacing", "all"}, 0, kScenario};
  Broker broker{{"--startup-grace-ms", "0", "--hist-time-scale", "0.01"}};
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 4; ++i)
    workers.push_back(start_gateway_worker(broker, sim.address(), 31 + i, {"--gateway-id", "gw"}));
  e2e::wait_for_service(broker.endpoints.frontend, "historical_bars");
  std::vector<std::unique_ptr<e2e::JobClient>> clients;
  for (int c = 0; c < 4; ++c) {
    clients.push_back(std::make_unique<e2e::JobClient>(broker.endpoints.frontend));
    for (int i = 0; i < 20; ++i)
      clients.back()->submit("historical_bars",
                             {{"id", "c" + std::to_string(c) + "-" + std::to_string(i)},
                              {"priority", "bulk"},
                              {"deadline_ms", 60000},
                              {"params", bars(c, i)}});
  }
  // The window (60 in 6 s) fills and 20 wait, visibly (bounded wait).
  json st;
  for (const auto end = Clock::now() + 10s; Clock::now() < end;) {
    st = broker_stats(broker)["gateways"]["gw"]["historical"];
    if (st["requests"] == 60 && st["queued"] == 20) break;
  }
  ASSERT_EQ(st["requests"], 60) << st.dump();
  ASSERT_EQ(st["queued"], 20) << st.dump();
  EXPECT_GT(st["next_slot_ms"].get<int>(), 0) << st.dump();
  // A job that cannot wait for the next slot is told so at once.
  const auto asked = Clock::now();
  e2e::JobClient impatient(broker.endpoints.frontend);
  impatient.submit("historical_bars", {{"id", "impatient"},
                                       {"priority", "interactive"},
                                       {"deadline_ms", 300},
                                       {"params", bars(5, 0)}});
  const auto late = impatient.reply(10s);
  ASSERT_TRUE(late.error);
  EXPECT_EQ(late.error->code, ErrorCode::kTimeout) << late.error->message;
  EXPECT_NE(late.error->message.find("60 requests in the last 6 s (limit 60); next slot"),
            std::string::npos)
      << late.error->message;
  EXPECT_LT(Clock::now() - asked, 250ms);
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 20; ++i) {
      const auto reply = clients[static_cast<size_t>(c)]->reply(30s);
      EXPECT_TRUE(reply.ok) << describe(reply);
    }
  const auto hist = test::read_gwsim_stats(*sim.process).historical;
  EXPECT_GE(hist.requests, 80u);
  for (const auto& [rule, n] : hist.violations) EXPECT_EQ(n, 0u) << rule;
  EXPECT_EQ(hist.open_limit_322, 0u);
  st = broker_stats(broker)["gateways"]["gw"]["historical"];
  EXPECT_EQ(st["queued"], 0) << st.dump();
  EXPECT_GE(st["charged"].get<int>(), 80) << st.dump();
}

}  // namespace
}  // namespace intentq::intents_test
