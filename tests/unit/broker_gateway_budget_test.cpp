// The per-gateway sliding one-second window (broker admission, issue 10).
#include "broker/gateway_budget.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace intentq::broker {
namespace {

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

TEST(GatewayBudget, AdmitsUpToTheBudgetPerSlidingSecond) {
  GatewayBudget b;
  b.add_worker("g", 45);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    if (!b.can_charge("g", 6, t0)) break;
    b.charge("g", 6, t0);
    ++admitted;
  }
  EXPECT_EQ(admitted, 7);  // 7 x 6 = 42 <= 45 < 48
  EXPECT_FALSE(b.can_charge("g", 6, t0 + Ms(999)));
  EXPECT_TRUE(b.can_charge("g", 3, t0 + Ms(999)));  // 42 + 3 = 45 fits exactly
  EXPECT_EQ(b.room_at("g", 6, t0 + Ms(10)), t0 + Ms(1000));
  EXPECT_TRUE(b.can_charge("g", 6, t0 + Ms(1000)));  // the window slid past the charges
}

TEST(GatewayBudget, RoomAtWalksOldestChargesFirst) {
  GatewayBudget b;
  b.add_worker("g", 10);
  b.charge("g", 4, t0);
  b.charge("g", 4, t0 + Ms(300));
  b.charge("g", 2, t0 + Ms(600));
  const auto now = t0 + Ms(700);
  EXPECT_FALSE(b.can_charge("g", 1, now));
  EXPECT_EQ(b.room_at("g", 4, now), t0 + Ms(1000));  // the first 4 leave: 6 + 4 <= 10
  EXPECT_EQ(b.room_at("g", 5, now), t0 + Ms(1300));  // needs the second one gone too
  EXPECT_EQ(b.room_at("g", 1, t0 + Ms(1000)), t0 + Ms(1000));
  EXPECT_EQ(b.room_at("unknown", 1, now), Clock::time_point::max());
}

TEST(GatewayBudget, NoWindowEverExceedsTheBudget) {
  // Property: whatever the arrival pattern, no 1000 ms window holds more than the budget.
  GatewayBudget b;
  b.add_worker("g", 45);
  std::vector<std::pair<Clock::time_point, uint32_t>> sent;
  std::mt19937 rng(7);
  auto now = t0;
  for (int i = 0; i < 5000; ++i) {
    now += Ms(rng() % 40);
    const uint32_t cost = 1 + rng() % 7;
    if (b.can_charge("g", cost, now)) {
      b.charge("g", cost, now);
      sent.emplace_back(now, cost);
    }
  }
  ASSERT_GT(sent.size(), 100u);
  for (size_t i = 0; i < sent.size(); ++i) {
    uint64_t sum = 0;
    for (size_t j = i; j < sent.size() && sent[j].first < sent[i].first + Ms(1000); ++j)
      sum += sent[j].second;
    ASSERT_LE(sum, 45u) << "window starting at charge " << i;
  }
}

TEST(GatewayBudget, BudgetIsTheSmallestAnnouncedByLiveWorkers) {
  GatewayBudget b;
  b.add_worker("g", 45);
  b.add_worker("g", 20);
  b.add_worker("h", 50);
  EXPECT_EQ(b.budget("g"), 20u);
  b.remove_worker("g", 20, t0);
  EXPECT_EQ(b.budget("g"), 45u);
  EXPECT_EQ(b.budget("h"), 50u);  // gateways are independent
  b.charge("g", 45, t0);
  EXPECT_FALSE(b.can_charge("g", 1, t0));
  EXPECT_TRUE(b.can_charge("h", 50, t0));
}

TEST(GatewayBudget, WindowSurvivesAWorkerReRegistering) {
  // A worker whose session flaps sends DISCONNECT and READY again: its charges must still count.
  GatewayBudget b;
  b.add_worker("g", 10);
  b.charge("g", 10, t0);
  b.remove_worker("g", 10, t0 + Ms(100));
  EXPECT_TRUE(b.known("g"));
  EXPECT_EQ(b.budget("g"), 10u);  // remembered while the window is not empty
  b.add_worker("g", 10);
  EXPECT_FALSE(b.can_charge("g", 1, t0 + Ms(200)));
  EXPECT_TRUE(b.can_charge("g", 1, t0 + Ms(1000)));
}

TEST(GatewayBudget, ForgetsGatewaysWithoutWorkersOnceTheirWindowEmpties) {
  GatewayBudget b;
  b.add_worker("g", 10);
  b.charge("g", 3, t0);
  b.remove_worker("g", 10, t0);
  b.collect(t0 + Ms(999));
  EXPECT_EQ(b.size(), 1u);
  b.collect(t0 + Ms(1000));
  EXPECT_EQ(b.size(), 0u);
  EXPECT_FALSE(b.can_charge("g", 1, t0 + Ms(1000)));  // unknown gateway: nothing admitted
}

TEST(GatewayBudget, AJobCostingMoreThanTheBudgetRunsAlone) {
  GatewayBudget b;
  b.add_worker("g", 5);
  EXPECT_TRUE(b.can_charge("g", 8, t0));  // empty window
  b.charge("g", 8, t0);
  EXPECT_FALSE(b.can_charge("g", 1, t0 + Ms(999)));
  EXPECT_EQ(b.room_at("g", 8, t0 + Ms(1)), t0 + Ms(1000));
}

TEST(GatewayBudget, StatsView) {
  GatewayBudget b;
  b.add_worker("g", 45);
  b.add_worker("g", 45);
  b.charge("g", 6, t0);
  b.charge("g", 6, t0 + Ms(500));
  int seen = 0;
  b.for_each(t0 + Ms(1200), [&](const std::string& id, const GatewayBudget::View& v) {
    ++seen;
    EXPECT_EQ(id, "g");
    EXPECT_EQ(v.budget, 45u);
    EXPECT_EQ(v.used, 6u);  // the first charge left the window
    EXPECT_EQ(v.workers, 2u);
    EXPECT_EQ(v.charged, 12u);
  });
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace intentq::broker
