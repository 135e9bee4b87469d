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

TEST(SessionPacer, DefaultRateSendsTenAtOnceThenSpacesEvenly) {
  Pacer p(45);
  EXPECT_EQ(p.per_window(), 45u);
  EXPECT_EQ(p.window(), std::chrono::duration_cast<Clock::duration>(1100ms))
      << "1 s plus slack for a gateway that reads late";
  EXPECT_EQ(p.bucket_capacity(), 10);
  auto t0 = Clock::now();
  auto at = send_greedily(p, t0, 20);
  EXPECT_EQ(at[9], t0) << "a job's first requests need not wait";
  // Then one message per 1/45 s (22.2 ms), not a burst.
  for (int i = 10; i < 20; ++i) {
    auto expected = t0 + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>((i - 9) / 45.0));
    EXPECT_NEAR(std::chrono::duration<double>(at[i] - expected).count(), 0, 1e-6)
        << "message " << i;
  }
  EXPECT_EQ(p.earliest(t0 + 10s), t0 + 10s) << "no delay once idle for a while";
}

TEST(SessionPacer, NeverExceedsTheRateInAnySlidingSecond) {
  for (double rate : {45.0, 50.0, 200.0, 7.5}) {
    Pacer p(rate);
    auto t0 = Clock::now();
    auto at = send_greedily(p, t0, 500);
    auto per_second = static_cast<size_t>(std::floor(rate));
    EXPECT_LE(max_in_window(at, 1s), per_second) << "rate " << rate;
    EXPECT_EQ(max_in_window(at, 1100ms), per_second) << "rate " << rate;
    // Greedy sending reaches that rate: 500 messages need 499/per_second windows, not much more.
    auto windows = static_cast<double>(499 / per_second);
    auto took = std::chrono::duration<double>(at.back() - t0).count();
    EXPECT_GE(took, windows * 1.1 - 1e-6) << "rate " << rate;
    EXPECT_LE(took, (windows + 1) * 1.1) << "rate " << rate;
  }
}

TEST(SessionPacer, HundredMessagesAt45PerSecondSpanMoreThanTwoSeconds) {
  Pacer p(45);
  auto t0 = Clock::now();
  auto at = send_greedily(p, t0, 100);
  EXPECT_LT(at[44], t0 + 1s);
  EXPECT_EQ(at[45], t0 + 1100ms) << "the 46th waits for the first to leave the window";
  EXPECT_EQ(at[90], t0 + 2200ms);
  // Even spacing: no 100 ms hold much more than the bucket.
  EXPECT_LE(max_in_window(at, 100ms), 10u + 5u);
}

TEST(SessionPacer, SlowRatesSpaceSingleMessages) {
  Pacer p(0.5);
  EXPECT_EQ(p.per_window(), 1u);
  auto t0 = Clock::now();
  p.record(t0);
  EXPECT_GE(p.earliest(t0), t0 + 2s);
  EXPECT_LE(p.earliest(t0), t0 + 2200ms);
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
