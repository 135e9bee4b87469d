// IB's historical pacing as the broker counts it (issue 20): what one request costs
// (common/historical_rules) and each gateway's windows (broker/historical_budget), with time
// passed explicitly.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/historical_budget.hpp"
#include "common/historical_rules.hpp"
#include "tests/support/msgpack_json.hpp"

namespace intentq::broker {
namespace {

using historical::describe;
using nlohmann::json;

using test::mp;

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

TEST(HistoricalRules, WeightKeyAndBarSizeFromCanonicalParams) {
  auto r = describe("historical_bars", mp({{"con_id", 265598},
                                           {"exchange", "SMART"},
                                           {"what_to_show", "BID_ASK"},
                                           {"bar_size", "1 min"}}));
  EXPECT_EQ(r.weight, 2u);
  EXPECT_EQ(r.key, "con_id=265598|SMART|BID_ASK");
  EXPECT_FALSE(r.small_bars);
  // The default what_to_show (left out of canonical params) counts once.
  r = describe("historical_bars", mp({{"symbol", "AAPL"},
                                      {"sec_type", "STK"},
                                      {"currency", "USD"},
                                      {"exchange", "SMART"},
                                      {"bar_size", "30 secs"}}));
  EXPECT_EQ(r.weight, 1u);
  EXPECT_TRUE(r.small_bars);
  EXPECT_NE(r.key.find("AAPL|STK|USD|"), std::string::npos);
  // Head timestamp has no bars: it counts like a small-bar request.
  EXPECT_TRUE(describe("head_timestamp", mp({{"con_id", 1}})).small_bars);
  // Unreadable params are one ordinary request keyed on their bytes.
  r = describe("x", "\xc1");
  EXPECT_EQ(r.weight, 1u);
  EXPECT_TRUE(r.small_bars);
}

TEST(HistoricalRules, IdenticalMeansSameServiceAndParamsWhateverTheGatewayPin) {
  const auto a = describe("historical_bars", mp({{"con_id", 1}, {"duration", "1 D"}}));
  const auto b =
      describe("historical_bars", mp({{"con_id", 1}, {"duration", "1 D"}, {"gateway", "gw-2"}}));
  const auto c = describe("historical_bars", mp({{"con_id", 1}, {"duration", "2 D"}}));
  const auto d = describe("head_timestamp", mp({{"con_id", 1}, {"duration", "1 D"}}));
  EXPECT_EQ(a.identical, b.identical);
  EXPECT_NE(a.identical, c.identical);
  EXPECT_NE(a.identical, d.identical);
  EXPECT_EQ(a.key_hash, c.key_hash);  // one contract/exchange/what_to_show
}

TEST(HistoricalRules, BarSeconds) {
  EXPECT_EQ(historical::bar_seconds("1 secs"), 1u);
  EXPECT_EQ(historical::bar_seconds("30 secs"), 30u);
  EXPECT_EQ(historical::bar_seconds("1 min"), 60u);
  EXPECT_EQ(historical::bar_seconds("2 mins"), 120u);
  EXPECT_EQ(historical::bar_seconds("1 hour"), 3600u);
  EXPECT_EQ(historical::bar_seconds("1 day"), 86400u);
  EXPECT_EQ(historical::bar_seconds("1W"), 7u * 86400);
  EXPECT_EQ(historical::bar_seconds("1M"), 30u * 86400);
  EXPECT_FALSE(historical::bar_seconds("fast"));
  EXPECT_FALSE(historical::bar_seconds("0 secs"));
}

historical::Request req(uint64_t key, uint64_t identical, uint32_t weight = 1, bool small = true) {
  historical::Request r;
  r.key = "k" + std::to_string(key);
  r.key_hash = key;
  r.identical = identical;
  r.weight = weight;
  r.small_bars = small;
  return r;
}

TEST(HistoricalBudget, TimeScaleShrinksEveryWindowAlike) {
  HistoricalConfig c;
  c.time_scale = 0.01;  // as intentq-gwsim --time-scale 0.01: the 10-minute window lasts 6 s
  HistoricalBudget b(c);
  EXPECT_EQ(b.window(), Ms(6000));
  EXPECT_EQ(b.key_window(), Ms(20));
  EXPECT_EQ(b.identical_window(), Ms(150));
  EXPECT_NE(b.describe().find("60 requests (BID_ASK counts 2) in any 6 s"), std::string::npos)
      << b.describe();
  EXPECT_NE(b.describe().find("time scale 0.01"), std::string::npos) << b.describe();
  EXPECT_EQ(HistoricalBudget::window_text(Ms(600000)), "10 min");
}

TEST(HistoricalBudget, SlotIsACertainLowerBound) {
  HistoricalConfig c;
  c.requests = 3;
  HistoricalBudget b(c);
  b.add_worker("g");
  auto now = t0;
  std::vector<uint64_t> tickets;
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(b.check("g", req(i, i), now).ok);
    tickets.push_back(b.charge("g", req(i, i), now));
    now += Ms(1000);
  }
  auto v = b.check("g", req(9, 9), now);
  ASSERT_FALSE(v.ok);
  EXPECT_EQ(v.slot, now + Ms(600000));  // all running: at least a window from now
  b.settle("g", tickets[1], now);       // ends at 3 s: leaves at 603 s
  v = b.check("g", req(9, 9), now);
  EXPECT_EQ(v.slot, now + Ms(600000));
  EXPECT_EQ(v.why, "3 requests in the last 10 min (limit 3)");
  b.settle("g", tickets[0], now + Ms(1));
  v = b.check("g", req(9, 9), now + Ms(1));
  EXPECT_EQ(v.slot, now + Ms(600000));  // the earlier of the two settled
  EXPECT_TRUE(b.check("g", req(9, 9), now + Ms(600000)).ok);
  // A weight-2 request needs two to leave.
  v = b.check("g", req(9, 9, 2), now + Ms(600000));
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.slot, now + Ms(600001));
}

// A lost worker's charge is settled at a moment to come (its job's deadline): that must not
// drop the other charges still in the window (once it expired them as of that moment, and the
// broker sent 100 requests in a 60-request window).
TEST(HistoricalBudget, SettlingAtAMomentToComeKeepsTodaysCharges) {
  HistoricalConfig c;
  c.requests = 2;
  HistoricalBudget b(c);
  b.add_worker("g");
  const uint64_t first = b.charge("g", req(1, 1), t0);
  b.settle("g", first, t0 + Ms(1000));  // leaves at 601 s
  const uint64_t lost = b.charge("g", req(2, 2), t0 + Ms(2000));
  b.settle("g", lost, t0 + Ms(700000));  // counts until 1,300 s
  const auto now = t0 + Ms(3000);
  auto v = b.check("g", req(3, 3), now);
  EXPECT_FALSE(v.ok) << "both charges still count at 3 s";
  EXPECT_EQ(v.slot, t0 + Ms(601000));
  EXPECT_EQ(b.view("g", now).used, 2u);
  EXPECT_TRUE(b.check("g", req(3, 3), t0 + Ms(601000)).ok);
  EXPECT_FALSE(b.check("g", req(3, 3, 2), t0 + Ms(601000)).ok);  // the lost one still counts
}

TEST(HistoricalBudget, ExemptBarsCountOnlyAsOpenWithSmallBarsOnly) {
  HistoricalConfig c;
  c.requests = 1;
  c.open = 2;
  c.small_bars_only = true;
  HistoricalBudget b(c);
  b.add_worker("g");
  const auto big = req(1, 1, 1, false);
  ASSERT_TRUE(b.check("g", big, t0).ok);
  b.charge("g", big, t0);
  ASSERT_TRUE(b.check("g", big, t0).ok);  // not even identical counts for exempt bars
  b.charge("g", big, t0);
  auto v = b.check("g", req(2, 2), t0);
  ASSERT_FALSE(v.ok);  // two open
  EXPECT_EQ(v.slot, t0);
  EXPECT_EQ(b.view("g", t0).used, 0u);
}

// A random schedule of requests over many keys: whatever the order of ends, no sliding window of
// the request, key and identical rules ever holds more than its limit, counted from dispatch to
// settling (the span in which the worker may send the request).
TEST(HistoricalBudget, NoWindowEverExceedsItsLimit) {
  HistoricalConfig c;
  c.requests = 12;
  c.window_s = 10;
  c.per_key = 3;
  c.key_window_s = 2;
  c.identical_s = 5;
  c.open = 4;
  HistoricalBudget b(c);
  b.add_worker("g");
  std::mt19937 rng(7);
  struct Span {
    Clock::time_point from, to;
    historical::Request r;
    uint64_t ticket;
  };
  std::vector<Span> spans;
  auto now = t0;
  for (int step = 0; step < 20000; ++step) {
    now += Ms(rng() % 50);
    for (auto& s : spans)
      if (s.to == Clock::time_point::max() && rng() % 10 == 0) {
        s.to = now;
        b.settle("g", s.ticket, now);
      }
    const auto r = req(rng() % 5, rng() % 12, rng() % 4 == 0 ? 2 : 1);
    if (!b.check("g", r, now).ok) continue;
    spans.push_back({now, Clock::time_point::max(), r, b.charge("g", r, now)});
  }
  ASSERT_GT(spans.size(), 100u);
  // At each dispatch instant, what counts in each window ending then.
  for (const auto& s : spans) {
    const auto t = s.from;
    uint64_t used = 0, same_key = 0, identical = 0, open = 0;
    for (const auto& o : spans) {
      if (o.from > t) continue;
      const bool running = o.to == Clock::time_point::max() || o.to > t;
      auto in = [&](Ms w) { return running || o.to + w > t; };
      if (in(b.window())) used += o.r.weight;
      if (in(b.key_window()) && o.r.key_hash == s.r.key_hash) ++same_key;
      if (in(b.identical_window()) && o.r.identical == s.r.identical) ++identical;
      if (running) ++open;
    }
    EXPECT_LE(used, c.requests);
    EXPECT_LE(same_key, c.per_key);
    EXPECT_EQ(identical, 1u);
    EXPECT_LE(open, c.open);
  }
}

}  // namespace
}  // namespace intentq::broker
