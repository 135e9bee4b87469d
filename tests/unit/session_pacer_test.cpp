// The pacer's arithmetic: never more than `burst` sends in any window, and no needless delay.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "gateway/pacer.hpp"

namespace intentq::gw {
namespace {

using namespace std::chrono_literals;
using Clock = Pacer::clock;

// Sends `n` messages as early as the pacer allows, starting at `t0`; returns the send times.
std::vector<Clock::time_point> send_greedily(Pacer& p, Clock::time_point t0, int n) {
  std::vector<Clock::time_point> at;
  auto now = t0;
  for (int i = 0; i < n; ++i) {
    now = p.earliest(now);
    p.record(now);
    at.push_back(now);
  }
  return at;
}

// The largest number of sends inside any half-open window [t, t + w).
size_t max_in_window(const std::vector<Clock::time_point>& at, Clock::duration w) {
  size_t best = 0;
  for (size_t i = 0; i < at.size(); ++i) {
    auto end = std::lower_bound(at.begin() + i, at.end(), at[i] + w);
    best = std::max(best, static_cast<size_t>(end - (at.begin() + i)));
  }
  return best;
}

TEST(SessionPacer, DefaultRateAllowsABurstOf45ThenWaitsForTheWindow) {
  Pacer p(45);
  EXPECT_EQ(p.burst(), 45u);
  EXPECT_EQ(p.window(), std::chrono::duration_cast<Clock::duration>(1s));
  auto t0 = Clock::now();
  auto at = send_greedily(p, t0, 45);
  EXPECT_EQ(at.back(), t0) << "the first 45 messages need not wait";
  EXPECT_EQ(p.earliest(t0), t0 + 1s) << "the 46th waits until the first leaves the window";
  EXPECT_EQ(p.earliest(t0 + 2s), t0 + 2s) << "no delay once the window is clear";
}

TEST(SessionPacer, NeverExceedsTheRateInAnySlidingSecond) {
  for (double rate : {45.0, 50.0, 200.0, 7.5}) {
    Pacer p(rate);
    auto t0 = Clock::now();
    auto at = send_greedily(p, t0, 500);
    auto per_second = static_cast<size_t>(std::floor(rate));
    EXPECT_EQ(max_in_window(at, 1s), per_second) << "rate " << rate;
    // Greedy sending reaches that rate: one full burst per second, no more waiting than that.
    EXPECT_EQ(at.back() - t0, std::chrono::seconds(499 / per_second)) << "rate " << rate;
  }
}

TEST(SessionPacer, HundredMessagesAt45PerSecondTakeTwoWindows) {
  Pacer p(45);
  auto t0 = Clock::now();
  auto at = send_greedily(p, t0, 100);
  EXPECT_EQ(at[44], t0);
  EXPECT_EQ(at[45], t0 + 1s);
  EXPECT_EQ(at[89], t0 + 1s);
  EXPECT_EQ(at[90], t0 + 2s);
}

TEST(SessionPacer, SlowRatesSpaceSingleMessages) {
  Pacer p(0.5);
  EXPECT_EQ(p.burst(), 1u);
  auto t0 = Clock::now();
  p.record(t0);
  EXPECT_EQ(p.earliest(t0), t0 + 2s);
}

TEST(SessionPacer, SpacedOutSendsAreNeverDelayed) {
  Pacer p(10);
  auto t = Clock::now();
  for (int i = 0; i < 50; ++i, t += 150ms) {
    EXPECT_EQ(p.earliest(t), t) << "message " << i;
    p.record(t);
  }
}

TEST(SessionPacer, RejectsNonPositiveRates) {
  EXPECT_THROW(Pacer(0), std::invalid_argument);
  EXPECT_THROW(Pacer(-3), std::invalid_argument);
}

}  // namespace
}  // namespace intentq::gw
