// The simulator's pacing rule: 50 messages per sliding second, error 100 above, disconnect at
// twice the limit.
#include <gtest/gtest.h>

#include "sim/pacing.hpp"

namespace intentq::sim {
namespace {

using std::chrono::milliseconds;
using Verdict = PacingMeter::Verdict;

TEST(SimPacing, FiftyPerSecondPassThe51stIsRefused) {
  PacingMeter meter(50);
  auto t0 = PacingMeter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 50; ++i) {
    auto r = meter.on_message(t0 + milliseconds(i));
    ASSERT_EQ(r.verdict, Verdict::kOk) << i;
    EXPECT_EQ(r.received, i + 1);
  }
  auto r = meter.on_message(t0 + milliseconds(60));
  EXPECT_EQ(r.verdict, Verdict::kExceeded);
  EXPECT_EQ(r.received, 51);
}

TEST(SimPacing, TheWindowSlides) {
  PacingMeter meter(50);
  auto t0 = PacingMeter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 50; ++i) meter.on_message(t0);
  EXPECT_EQ(meter.on_message(t0 + milliseconds(999)).verdict, Verdict::kExceeded);
  // One second after the burst the 50 early messages have left the window; the refused one
  // at +999 ms is still in it.
  auto r = meter.on_message(t0 + milliseconds(1000));
  EXPECT_EQ(r.verdict, Verdict::kOk);
  EXPECT_EQ(r.received, 2);
}

TEST(SimPacing, SteadyFortyPerSecondNeverTrips) {
  PacingMeter meter(50);
  auto t = PacingMeter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 400; ++i, t += milliseconds(25)) {
    ASSERT_EQ(meter.on_message(t).verdict, Verdict::kOk) << i;
  }
}

TEST(SimPacing, SustainedViolationDisconnects) {
  PacingMeter meter(50);
  auto t0 = PacingMeter::Clock::time_point{} + std::chrono::hours(1);
  Verdict last = Verdict::kOk;
  int n = 0;
  while (last != Verdict::kDisconnect && n < 1000)
    last = meter.on_message(t0 + milliseconds(n++ / 10)).verdict;
  EXPECT_EQ(last, Verdict::kDisconnect);
  EXPECT_EQ(n, 101);
}

}  // namespace
}  // namespace intentq::sim
