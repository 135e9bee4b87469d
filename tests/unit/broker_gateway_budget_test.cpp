// The per-gateway sliding one-second window (broker admission, issue 10).
#include "broker/gateway_budget.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

namespace intentq::broker {
namespace {

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

// The most messages any one-second window starting at one of `sent` (sorted by time) holds.
uint64_t busiest_second(const std::vector<std::pair<Clock::time_point, uint32_t>>& sent) {
  uint64_t most = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    uint64_t sum = 0;
    for (size_t j = i; j < sent.size() && sent[j].first < sent[i].first + Ms(1000); ++j)
      sum += sent[j].second;
    most = std::max(most, sum);
  }
  return most;
}

// A job that sent all its messages at `at` and ended there.
void sent(GatewayBudget& b, const std::string& id, uint32_t cost, Clock::time_point at) {
  b.settle(id, b.charge(id, cost, at), at);
}

TEST(GatewayBudget, AdmitsUpToTheBudgetPerSlidingSecond) {
  GatewayBudget b;
  b.add_worker("g", 45);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    if (!b.can_charge("g", 6, t0)) break;
    sent(b, "g", 6, t0);
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
  sent(b, "g", 4, t0);
  sent(b, "g", 4, t0 + Ms(300));
  sent(b, "g", 2, t0 + Ms(600));
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
  std::vector<std::pair<Clock::time_point, uint32_t>> admitted;
  std::mt19937 rng(7);
  auto now = t0;
  for (int i = 0; i < 5000; ++i) {
    now += Ms(rng() % 40);
    const uint32_t cost = 1 + rng() % 7;
    if (b.can_charge("g", cost, now)) {
      sent(b, "g", cost, now);
      admitted.emplace_back(now, cost);
    }
  }
  ASSERT_GT(admitted.size(), 100u);
  EXPECT_LE(busiest_second(admitted), 45u);
}

TEST(GatewayBudget, ARunningJobHoldsItsShareUntilASecondAfterItEnds) {
  GatewayBudget b;
  b.add_worker("g", 12);
  const uint64_t running = b.charge("g", 6, t0);
  sent(b, "g", 6, t0);
  EXPECT_FALSE(b.can_charge("g", 6, t0 + Ms(10)));
  // Only the settled charge can leave; the running one needs its settling first.
  EXPECT_EQ(b.room_at("g", 6, t0 + Ms(10)), t0 + Ms(1000));
  EXPECT_EQ(b.room_at("g", 12, t0 + Ms(10)), Clock::time_point::max());
  EXPECT_TRUE(b.can_charge("g", 6, t0 + Ms(1500)));   // the settled one left
  EXPECT_FALSE(b.can_charge("g", 7, t0 + Ms(1500)));  // the running one still counts
  sent(b, "g", 6, t0 + Ms(1500));
  b.settle("g", running, t0 + Ms(1600));  // its cancels may have left at 1600
  EXPECT_FALSE(b.can_charge("g", 6, t0 + Ms(2499)));
  EXPECT_EQ(b.room_at("g", 6, t0 + Ms(2000)), t0 + Ms(2500));
  EXPECT_EQ(b.room_at("g", 12, t0 + Ms(2000)), t0 + Ms(2600));
  b.settle("g", running, t0 + Ms(5000));  // settling twice changes nothing
  EXPECT_TRUE(b.can_charge("g", 12, t0 + Ms(2600)));
}

TEST(GatewayBudget, NoGatewayWindowExceedsTheBudgetWhenJobsSendUntilTheyEnd) {
  // Property (the defect of charging only at dispatch): jobs send part of their messages at
  // dispatch and the rest (cancels) when they end, 5-300 ms later; workers run one job each. In
  // no one-second window of sending times may the gateway see more than the budget.
  GatewayBudget b;
  constexpr int kWorkers = 8;
  for (int w = 0; w < kWorkers; ++w) b.add_worker("g", 45);
  struct Running {
    uint64_t ticket;
    Clock::time_point ends;
    uint32_t rest;
  };
  std::vector<std::optional<Running>> workers(kWorkers);
  std::vector<std::pair<Clock::time_point, uint32_t>> wire;  // what the gateway reads
  std::mt19937 rng(11);
  auto now = t0;
  for (int step = 0; step < 20000; ++step) {
    now += Ms(rng() % 7);
    for (auto& w : workers) {
      if (w && w->ends <= now) {
        wire.emplace_back(w->ends, w->rest);
        b.settle("g", w->ticket, w->ends);
        w.reset();
      }
    }
    for (auto& w : workers) {
      if (w || !b.can_charge("g", 6, now)) continue;
      const uint64_t ticket = b.charge("g", 6, now);
      wire.emplace_back(now, 4);
      w = Running{ticket, now + Ms(5 + rng() % 300), 2};
    }
  }
  std::sort(wire.begin(), wire.end());
  ASSERT_GT(wire.size(), 500u);
  EXPECT_LE(busiest_second(wire), 45u);
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
  sent(b, "g", 45, t0);
  EXPECT_FALSE(b.can_charge("g", 1, t0));
  EXPECT_TRUE(b.can_charge("h", 50, t0));
}

TEST(GatewayBudget, WindowSurvivesAWorkerReRegistering) {
  // A worker whose session flaps sends DISCONNECT and READY again: its charges must still count.
  GatewayBudget b;
  b.add_worker("g", 10);
  sent(b, "g", 10, t0);
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
  sent(b, "g", 3, t0);
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
  sent(b, "g", 8, t0);
  EXPECT_FALSE(b.can_charge("g", 1, t0 + Ms(999)));
  EXPECT_EQ(b.room_at("g", 8, t0 + Ms(1)), t0 + Ms(1000));
}

TEST(GatewayBudget, StatsView) {
  GatewayBudget b;
  b.add_worker("g", 45);
  b.add_worker("g", 45);
  sent(b, "g", 6, t0);
  sent(b, "g", 6, t0 + Ms(500));
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
