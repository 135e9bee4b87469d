// The simulator's pacing rules: per connection (50 per sliding second per client, error 100
// above, disconnect at twice the limit) and combined (one budget over all clients; a client
// refused more than close_after times within one second is disconnected).
#include <gtest/gtest.h>

#include "sim/pacing.hpp"

namespace intentq::sim {
namespace {

using std::chrono::milliseconds;
using Verdict = PacingVerdict;
const auto kT0 = PacingClock::time_point{} + std::chrono::hours(1);

TEST(SimPacing, FiftyPerSecondPassThe51stIsRefused) {
  PacingMeter meter(50);
  for (int i = 0; i < 50; ++i) {
    auto r = meter.on_message(kT0 + milliseconds(i));
    ASSERT_EQ(r.verdict, Verdict::kOk) << i;
    EXPECT_EQ(r.received, i + 1);
  }
  auto r = meter.on_message(kT0 + milliseconds(60));
  EXPECT_EQ(r.verdict, Verdict::kExceeded);
  EXPECT_EQ(r.received, 51);
}

TEST(SimPacing, TheWindowSlides) {
  PacingMeter meter(50);
  for (int i = 0; i < 50; ++i) meter.on_message(kT0);
  EXPECT_EQ(meter.on_message(kT0 + milliseconds(999)).verdict, Verdict::kExceeded);
  // One second after the burst the 50 early messages have left the window; the refused one
  // at +999 ms is still in it.
  auto r = meter.on_message(kT0 + milliseconds(1000));
  EXPECT_EQ(r.verdict, Verdict::kOk);
  EXPECT_EQ(r.received, 2);
}

TEST(SimPacing, SteadyFortyPerSecondNeverTrips) {
  PacingMeter meter(50);
  auto t = kT0;
  for (int i = 0; i < 400; ++i, t += milliseconds(25)) {
    ASSERT_EQ(meter.on_message(t).verdict, Verdict::kOk) << i;
  }
}

TEST(SimPacing, SustainedViolationDisconnects) {
  PacingMeter meter(50);
  Verdict last = Verdict::kOk;
  int n = 0;
  while (last != Verdict::kDisconnect && n < 1000)
    last = meter.on_message(kT0 + milliseconds(n++ / 10)).verdict;
  EXPECT_EQ(last, Verdict::kDisconnect);
  EXPECT_EQ(n, 101);
}

TEST(SimPacingMode, NamesParse) {
  EXPECT_EQ(pacing_mode_from_string("combined"), PacingMode::kCombined);
  EXPECT_EQ(pacing_mode_from_string("per-connection"), PacingMode::kPerConnection);
  EXPECT_EQ(pacing_mode_from_string("off"), PacingMode::kOff);
  EXPECT_EQ(pacing_mode_from_string("Combined"), std::nullopt);
}

TEST(SimCombinedPacing, TwoClientsShareOneBudget) {
  CombinedPacing budget(50, 10);
  CombinedPacing::Violations a, b;
  for (int i = 0; i < 30; ++i) ASSERT_EQ(budget.on_message(a, kT0).verdict, Verdict::kOk) << i;
  for (int i = 0; i < 20; ++i) ASSERT_EQ(budget.on_message(b, kT0).verdict, Verdict::kOk) << i;
  // Each alone is under 50, together they used it all: the next message of either is refused.
  auto r = budget.on_message(b, kT0 + milliseconds(10));
  EXPECT_EQ(r.verdict, Verdict::kExceeded);
  EXPECT_EQ(r.received, 51);
  EXPECT_EQ(budget.on_message(a, kT0 + milliseconds(10)).verdict, Verdict::kExceeded);
}

TEST(SimCombinedPacing, RefusedMessagesDoNotUseTheBudget) {
  CombinedPacing budget(50, 1000);
  CombinedPacing::Violations a;
  for (int i = 0; i < 50; ++i) budget.on_message(a, kT0);
  for (int i = 0; i < 100; ++i) budget.on_message(a, kT0 + milliseconds(500));
  // The 50 served at t0 leave the window at t0+1 s; the refusals at +500 ms took no budget.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(budget.on_message(a, kT0 + milliseconds(1000)).verdict, Verdict::kOk) << i;
  }
  EXPECT_EQ(budget.on_message(a, kT0 + milliseconds(1000)).verdict, Verdict::kExceeded);
}

TEST(SimCombinedPacing, OnlyTheSustainedViolatorIsDisconnected) {
  CombinedPacing budget(50, 10);
  CombinedPacing::Violations polite, greedy;
  for (int i = 0; i < 50; ++i) budget.on_message(greedy, kT0);
  // The polite client is refused once (the budget is full), the greedy one keeps pushing.
  EXPECT_EQ(budget.on_message(polite, kT0 + milliseconds(1)).verdict, Verdict::kExceeded);
  for (int i = 1; i <= 10; ++i) {
    ASSERT_EQ(budget.on_message(greedy, kT0 + milliseconds(i)).verdict, Verdict::kExceeded) << i;
  }
  // The 11th refusal within one second is "more than 10": disconnect.
  EXPECT_EQ(budget.on_message(greedy, kT0 + milliseconds(20)).verdict, Verdict::kDisconnect);
  EXPECT_EQ(budget.on_message(polite, kT0 + milliseconds(21)).verdict, Verdict::kExceeded);
}

TEST(SimCombinedPacing, ViolationsSpreadOverTimeDoNotDisconnect) {
  CombinedPacing budget(5, 2);
  CombinedPacing::Violations a;
  auto t = kT0;
  // Each second: 5 served, 2 refused (not more than 2 per second): never disconnected.
  for (int s = 0; s < 10; ++s, t += milliseconds(1000)) {
    for (int i = 0; i < 5; ++i) ASSERT_EQ(budget.on_message(a, t).verdict, Verdict::kOk);
    for (int i = 0; i < 2; ++i) ASSERT_EQ(budget.on_message(a, t).verdict, Verdict::kExceeded);
  }
}

}  // namespace
}  // namespace intentq::sim
