// IB's historical-data pacing rules in the simulator: identical requests within 15 s, six for
// one contract within 2 s, 60 per 10 minutes with BID_ASK counting twice, 50 open at once; the
// small-bars-only option and the time scale.
#include <gtest/gtest.h>

#include <string>

#include "sim/historical_pacing.hpp"

namespace intentq::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using V = HistoricalVerdict;
const auto kT0 = PacingClock::time_point{} + std::chrono::hours(1);

HistoricalRequestKey key(std::string identity, std::string contract = "AAPL@SMART TRADES",
                         int weight = 1, bool small = true) {
  return {std::move(identity), std::move(contract), weight, small};
}

TEST(SimHistoricalPacing, IdenticalWithinFifteenSeconds) {
  HistoricalPacing p;
  EXPECT_EQ(p.on_request(1, 1, key("a"), kT0), V::kOk);
  EXPECT_EQ(p.on_request(1, 2, key("a"), kT0 + seconds(14)), V::kIdentical);
  EXPECT_EQ(p.counters().identical, 1u);
  // The refused repeat counts too: 15 s after it, not after the first.
  EXPECT_EQ(p.on_request(1, 3, key("a"), kT0 + seconds(16)), V::kIdentical);
  EXPECT_EQ(p.on_request(1, 4, key("a"), kT0 + seconds(31)), V::kOk);
  EXPECT_EQ(p.counters().identical, 2u);
  EXPECT_EQ(p.counters().requests, 4u);
}

TEST(SimHistoricalPacing, SixForOneContractWithinTwoSeconds) {
  HistoricalPacing p;
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(p.on_request(1, i, key("r" + std::to_string(i)), kT0 + milliseconds(100 * i)),
              V::kOk);
  EXPECT_EQ(p.on_request(1, 5, key("r5"), kT0 + milliseconds(600)), V::kSameContract);
  // Another contract, or the same one's other whatToShow, is not affected.
  EXPECT_EQ(p.on_request(1, 6, key("m", "AAPL@SMART MIDPOINT"), kT0 + milliseconds(700)), V::kOk);
  EXPECT_EQ(p.counters().same_contract, 1u);
  // Two seconds after the first ones have left, the contract is free again.
  EXPECT_EQ(p.on_request(1, 7, key("r7"), kT0 + milliseconds(2700)), V::kOk);
}

TEST(SimHistoricalPacing, SixtyPerTenMinutesBidAskCountsTwice) {
  HistoricalPacing p;
  auto t = kT0;
  for (int i = 0; i < 60; ++i, t += seconds(5)) {
    ASSERT_EQ(p.on_request(1, i, key("r" + std::to_string(i), "c" + std::to_string(i)), t), V::kOk)
        << i;
    p.close(1, i);  // answered
  }
  EXPECT_EQ(p.on_request(1, 60, key("x", "cx"), t), V::kWindow);
  EXPECT_EQ(p.counters().window, 1u);
  EXPECT_EQ(p.counters().bid_ask_double, 0u);
  // Ten minutes after the first request it has left the window, but the refused one counts:
  // still 60. Once the second has left too, there is room.
  EXPECT_EQ(p.on_request(1, 61, key("y", "cy"), kT0 + seconds(600)), V::kWindow);
  EXPECT_EQ(p.on_request(1, 62, key("z", "cz"), kT0 + seconds(610)), V::kOk);

  HistoricalPacing q;
  t = kT0;
  for (int i = 0; i < 30; ++i, t += seconds(5)) {
    ASSERT_EQ(q.on_request(1, i, key("b" + std::to_string(i), "c" + std::to_string(i), 2), t),
              V::kOk);
    q.close(1, i);
  }
  // 31 requests, weight 61: the double count alone broke the window.
  EXPECT_EQ(q.on_request(1, 30, key("t", "ct"), t), V::kWindow);
  EXPECT_EQ(q.counters().window, 1u);
  EXPECT_EQ(q.counters().bid_ask_double, 1u);
}

TEST(SimHistoricalPacing, FiftyOpenTheFiftyFirstGets322) {
  HistoricalPacingOptions o;
  o.window_limit = 1000;
  HistoricalPacing p(o);
  auto t = kT0;
  for (int i = 0; i < 50; ++i, t += milliseconds(500))
    ASSERT_EQ(p.on_request(1, i, key("r" + std::to_string(i), "c" + std::to_string(i)), t), V::kOk);
  EXPECT_EQ(p.open_now(), 50u);
  EXPECT_EQ(p.on_request(2, 99, key("x", "cx"), t), V::kOpenLimit);
  EXPECT_EQ(p.counters().open_limit, 1u);
  p.close(1, 7);
  EXPECT_EQ(p.on_request(2, 100, key("y", "cy"), t + seconds(1)), V::kOk);
  p.close_connection(1);
  EXPECT_EQ(p.open_now(), 1u);
  EXPECT_TRUE(p.is_open(2, 100));
}

TEST(SimHistoricalPacing, SmallBarsOnlyAndTimeScale) {
  HistoricalPacingOptions o;
  o.small_bars_only = true;
  o.time_scale = 0.01;  // 15 s -> 150 ms, 2 s -> 20 ms, 10 min -> 6 s
  HistoricalPacing p(o);
  EXPECT_EQ(p.identical_window(), milliseconds(150));
  EXPECT_EQ(p.long_window(), seconds(6));
  // Large bars are not paced: the same request twice at once passes.
  EXPECT_EQ(p.on_request(1, 1, key("day", "c", 1, false), kT0), V::kOk);
  EXPECT_EQ(p.on_request(1, 2, key("day", "c", 1, false), kT0), V::kOk);
  EXPECT_EQ(p.on_request(1, 3, key("sec"), kT0), V::kOk);
  EXPECT_EQ(p.on_request(1, 4, key("sec"), kT0 + milliseconds(149)), V::kIdentical);
  EXPECT_EQ(p.on_request(1, 5, key("sec"), kT0 + milliseconds(300)), V::kOk);
}

}  // namespace
}  // namespace intentq::sim
