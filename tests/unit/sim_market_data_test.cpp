// The simulator's synthetic market data: trading hours with US daylight-saving rules, the seeded
// one-second series, bars as exact aggregates of their seconds, and IB's historical-data errors.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>

#include "sim/historical_bars.hpp"
#include "sim/market_hours.hpp"
#include "sim/price_series.hpp"
#include "sim/scenario.hpp"

namespace intentq::sim {
namespace {

int64_t utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}

MarketDataSpec stock() {
  MarketDataSpec md;
  md.hours = HoursKind::kUsStock;
  md.series.seed = series_seed(265598, "AAPL");
  md.series.base_price = 200;
  md.series.tick = 0.01;
  md.head_timestamp = utc(2004, 1, 2);
  return md;
}

HistoricalRequest req(std::string end, std::string duration, std::string bar,
                      std::string what = "TRADES", bool rth = true, int fmt = 2) {
  HistoricalRequest r;
  r.end_date_time = std::move(end);
  r.duration = std::move(duration);
  r.bar_size = std::move(bar);
  r.what_to_show = std::move(what);
  r.use_rth = rth;
  r.format_date = fmt;
  return r;
}

const int64_t kNow = utc(2026, 12, 7, 21, 0);  // Monday 16:00 US/Eastern

TEST(SimMarketHours, UsDaylightSavingRules) {
  // 2026: DST from Sunday 8 March 02:00 EST to Sunday 1 November 02:00 EDT.
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2026, 3, 8, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2026, 3, 8, 7)), -4 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2026, 11, 1, 5, 59, 59)), -4 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2026, 11, 1, 6)), -5 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kFutures, utc(2026, 3, 8, 8)), -5 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kFutures, utc(2026, 3, 8, 7, 59)), -6 * 3600);
  // Before 2007: first Sunday of April to last Sunday of October (2004: 4 April, 31 October).
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2004, 4, 4, 7)), -4 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2004, 4, 4, 6, 59)), -5 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kUsStock, utc(2004, 10, 31, 6)), -5 * 3600);
  EXPECT_EQ(utc_offset(HoursKind::kAlways, utc(2026, 7, 1)), 0);
}

TEST(SimMarketHours, SessionsPerKind) {
  // Monday 7 December 2026 (EST): RTH 14:30-21:00 UTC, all hours 09:00-01:00 UTC.
  EXPECT_TRUE(in_session(HoursKind::kUsStock, true, utc(2026, 12, 7, 14, 30)));
  EXPECT_FALSE(in_session(HoursKind::kUsStock, true, utc(2026, 12, 7, 14, 29, 59)));
  EXPECT_TRUE(in_session(HoursKind::kUsStock, false, utc(2026, 12, 7, 14, 29, 59)));
  EXPECT_FALSE(in_session(HoursKind::kUsStock, true, utc(2026, 12, 7, 21)));
  EXPECT_TRUE(in_session(HoursKind::kUsStock, false, utc(2026, 12, 8, 0, 59)));
  EXPECT_FALSE(in_session(HoursKind::kUsStock, false, utc(2026, 12, 8, 1)));
  // Summer (EDT): RTH opens 13:30 UTC.
  EXPECT_TRUE(in_session(HoursKind::kUsStock, true, utc(2026, 7, 6, 13, 30)));
  EXPECT_FALSE(in_session(HoursKind::kUsStock, false, utc(2026, 12, 5, 15)));  // Saturday
  EXPECT_FALSE(in_session(HoursKind::kUsOption, false, utc(2026, 12, 7, 14)));
  // Futures: Sunday 17:00 CT opens the week; daily break 16:00-17:00 CT.
  EXPECT_TRUE(in_session(HoursKind::kFutures, false, utc(2026, 12, 6, 23)));
  EXPECT_FALSE(in_session(HoursKind::kFutures, false, utc(2026, 12, 6, 22, 59)));
  EXPECT_FALSE(in_session(HoursKind::kFutures, false, utc(2026, 12, 7, 22, 30)));
  EXPECT_FALSE(in_session(HoursKind::kFutures, true, utc(2026, 12, 6, 23)));
  EXPECT_EQ(trading_date(HoursKind::kFutures, utc(2026, 12, 6, 23)), 20261207);
  // FX: 17:00-17:15 ET break.
  EXPECT_FALSE(in_session(HoursKind::kFx, false, utc(2026, 12, 7, 22, 5)));
  EXPECT_TRUE(in_session(HoursKind::kFx, false, utc(2026, 12, 7, 22, 15)));
  EXPECT_EQ(next_session_second(HoursKind::kUsStock, false, utc(2026, 12, 5, 12)),
            utc(2026, 12, 7, 9));
}

TEST(SimPriceSeries, TheSameSecondAlwaysHasTheSameValues) {
  PriceSeries a(stock().series), b(stock().series);
  for (int64_t t : {utc(2026, 12, 7, 15), utc(2010, 6, 1, 14, 31, 17), utc(2026, 12, 7, 15) + 59}) {
    Summary x = a.second(t), y = b.second(t);
    EXPECT_EQ(x.bid.o, y.bid.o);
    EXPECT_EQ(x.trade.c, y.trade.c);
    EXPECT_EQ(x.volume, y.volume);
    EXPECT_GE(x.trade.h, std::max(x.trade.o, x.trade.c));
    EXPECT_LE(x.trade.l, std::min(x.trade.o, x.trade.c));
    EXPECT_GT(x.ask.l, x.bid.l);
    EXPECT_GE(x.count, 1);
    EXPECT_LE(x.count, x.volume);
  }
  // Consecutive seconds join: a second closes where the next one opens (across minutes too).
  auto t = utc(2026, 12, 7, 15, 0, 59);
  EXPECT_EQ(a.second(t).bid.c, a.second(t + 1).bid.o);
  EXPECT_EQ(a.second(t).trade.c, a.second(t + 1).trade.o);
  // Another contract walks elsewhere.
  MarketDataSpec other = stock();
  other.series.seed = series_seed(272093, "MSFT");
  EXPECT_NE(PriceSeries(other.series).minute_bid(t / 60), a.minute_bid(t / 60));
}

TEST(SimPriceSeries, AMinuteSummaryEqualsTheSumOfItsSeconds) {
  PriceSeries series(stock().series);
  std::array<Summary, 60> secs;
  for (int64_t m = utc(2026, 12, 7, 15) / 60; m < utc(2026, 12, 7, 15) / 60 + 500; ++m) {
    series.minute_seconds(m, secs, true);
    BarAccumulator acc(WhatToShow::kTrades);
    Summary sum = secs[0];
    for (int i = 1; i < 60; ++i) {
      const Summary& x = secs[static_cast<size_t>(i)];
      sum.bid.h = std::max(sum.bid.h, x.bid.h), sum.bid.l = std::min(sum.bid.l, x.bid.l);
      sum.trade.h = std::max(sum.trade.h, x.trade.h),
      sum.trade.l = std::min(sum.trade.l, x.trade.l);
      sum.bid.c = x.bid.c, sum.trade.c = x.trade.c;
      sum.sum_bid += x.sum_bid, sum.sum_ask += x.sum_ask;
      sum.volume += x.volume, sum.wap_sum += x.wap_sum, sum.count += x.count;
    }
    const Summary whole = series.minute_summary(m, true);
    ASSERT_EQ(whole.bid.o, sum.bid.o) << m;
    ASSERT_EQ(whole.bid.h, sum.bid.h) << m;
    ASSERT_EQ(whole.bid.l, sum.bid.l) << m;
    ASSERT_EQ(whole.bid.c, sum.bid.c) << m;
    ASSERT_EQ(whole.trade.o, sum.trade.o) << m;
    ASSERT_EQ(whole.trade.h, sum.trade.h) << m;
    ASSERT_EQ(whole.trade.l, sum.trade.l) << m;
    ASSERT_EQ(whole.trade.c, sum.trade.c) << m;
    ASSERT_EQ(whole.sum_bid, sum.sum_bid) << m;
    ASSERT_EQ(whole.sum_ask, sum.sum_ask) << m;
    ASSERT_EQ(whole.volume, sum.volume) << m;
    ASSERT_EQ(whole.wap_sum, sum.wap_sum) << m;
    ASSERT_EQ(whole.count, sum.count) << m;
  }
}

TEST(SimHistoricalBars, AMinuteBarIsTheAggregateOfItsSixtySecondBars) {
  const auto md = stock();
  for (const char* what : {"TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK"}) {
    SCOPED_TRACE(what);
    // 15:01 UTC = 10:01 EST, inside RTH.
    auto secs =
        answer_historical(md, req("20261207-15:02:00", "60 S", "1 secs", what), kNow, "AAPL");
    auto mins =
        answer_historical(md, req("20261207-15:02:00", "60 S", "1 min", what), kNow, "AAPL");
    ASSERT_FALSE(secs.error) << secs.error->message;
    ASSERT_FALSE(mins.error) << mins.error->message;
    ASSERT_EQ(secs.bars.size(), 60u);
    ASSERT_EQ(mins.bars.size(), 1u);
    const SimBar& m = mins.bars[0];
    EXPECT_EQ(m.date, std::to_string(utc(2026, 12, 7, 15, 1)));
    EXPECT_EQ(secs.bars[0].date, m.date);
    double hi = secs.bars[0].high, lo = secs.bars[0].low, vol = 0, wap_sum = 0, open_sum = 0,
           close_sum = 0;
    int64_t count = 0;
    for (const auto& s : secs.bars) {
      hi = std::max(hi, s.high), lo = std::min(lo, s.low);
      vol += s.volume, wap_sum += s.wap * s.volume, count += s.count;
      open_sum += s.open, close_sum += s.close;
    }
    EXPECT_EQ(m.high, hi);
    EXPECT_EQ(m.low, lo);
    if (std::string(what) == "BID_ASK") {
      // time-averaged bid and ask
      EXPECT_NEAR(m.open, open_sum / 60, 1e-6);
      EXPECT_NEAR(m.close, close_sum / 60, 1e-6);
      EXPECT_LT(m.open, m.close);
    } else {
      EXPECT_EQ(m.open, secs.bars.front().open);
      EXPECT_EQ(m.close, secs.bars.back().close);
    }
    if (std::string(what) == "TRADES") {
      EXPECT_EQ(m.volume, vol);
      EXPECT_EQ(m.count, count);
      EXPECT_NEAR(m.wap, wap_sum / vol, 1e-6);
      EXPECT_GE(m.wap, m.low);
      EXPECT_LE(m.wap, m.high);
    } else {
      EXPECT_EQ(m.volume, -1);
      EXPECT_EQ(m.wap, -1);
      EXPECT_EQ(m.count, -1);
    }
  }
  // A later request for the same range returns the same bars.
  auto a = answer_historical(md, req("20261201-16:00:00", "1 D", "5 mins"), kNow, "AAPL");
  auto b = answer_historical(md, req("20261201-16:00:00", "1 D", "5 mins"), kNow, "AAPL");
  ASSERT_FALSE(a.error);
  EXPECT_EQ(a.bars, b.bars);
}

TEST(SimHistoricalBars, RegularHoursAndDates) {
  const auto md = stock();
  // Tuesday 1 December 2026, hourly bars over the whole day.
  auto rth = answer_historical(
      md, req("20261202 00:00:00 US/Eastern", "1 D", "1 hour", "TRADES", true, 1), kNow, "AAPL");
  ASSERT_FALSE(rth.error) << rth.error->message;
  ASSERT_EQ(rth.bars.size(), 7u);  // 09:30, 10:00 .. 15:00
  EXPECT_EQ(rth.bars[0].date, "20261201 09:30:00 US/Eastern");
  EXPECT_EQ(rth.bars[1].date, "20261201 10:00:00 US/Eastern");
  EXPECT_EQ(rth.start, "20261201 00:00:00 US/Eastern");
  EXPECT_EQ(rth.end, "20261202 00:00:00 US/Eastern");
  auto all = answer_historical(
      md, req("20261202 00:00:00 US/Eastern", "1 D", "1 hour", "TRADES", false, 1), kNow, "AAPL");
  ASSERT_FALSE(all.error);
  ASSERT_EQ(all.bars.size(), 16u);  // 04:00 .. 19:00
  EXPECT_EQ(all.bars[0].date, "20261201 04:00:00 US/Eastern");
  // Daily bars are dated yyyymmdd whatever the format; weekends have none.
  auto days = answer_historical(md, req("20261205-00:00:00", "1 W", "1 day"), kNow, "AAPL");
  ASSERT_FALSE(days.error);
  ASSERT_EQ(days.bars.size(), 5u);
  EXPECT_EQ(days.bars[0].date, "20261130");
  EXPECT_EQ(days.bars[4].date, "20261204");
  // The daily bar aggregates the hourly ones.
  EXPECT_EQ(days.bars[1].volume, [&] {
    double v = 0;
    for (const auto& b : rth.bars) v += b.volume;
    return v;
  }());
  // Nothing after now.
  auto future = answer_historical(md, req("20261209-00:00:00", "2 D", "1 hour"), kNow, "AAPL");
  ASSERT_FALSE(future.error);
  EXPECT_EQ(future.bars.size(), 7u);  // Monday's RTH only
}

TEST(SimHistoricalBars, ErrorsAsIbSendsThem) {
  const auto md = stock();
  auto code = [&](HistoricalRequest r) {
    auto a = answer_historical(md, r, kNow, "AAPL@SMART");
    return a.error ? a.error->code : 0;
  };
  EXPECT_EQ(code(req("", "1 D", "1 sec")), 321);
  EXPECT_EQ(code(req("", "1 D", "1 min", "TRADES", true, 0)), 321);
  EXPECT_EQ(code(req("", "1 D", "1 min", "NOPE")), 321);
  EXPECT_EQ(code(req("", "1 X", "1 min")), 321);
  EXPECT_EQ(code(req("2026-12-01", "1 D", "1 min")), 321);
  // Step limits.
  auto step = answer_historical(md, req("", "1 D", "1 secs"), kNow, "AAPL@SMART");
  ASSERT_TRUE(step.error);
  EXPECT_EQ(step.error->code, 162);
  EXPECT_NE(step.error->message.find("invalid step"), std::string::npos);
  EXPECT_EQ(code(req("", "60 S", "1 hour")), 162);  // a bar longer than the duration
  EXPECT_EQ(code(req("", "2000 S", "1 secs")), 0);
  // Small bars older than six months: no data.
  auto old = answer_historical(md, req("20260303-15:00:00", "60 S", "1 secs"), kNow, "AAPL@SMART");
  ASSERT_TRUE(old.error);
  EXPECT_EQ(old.error->code, 162);
  EXPECT_NE(old.error->message.find("HMDS query returned no data"), std::string::npos);
  EXPECT_EQ(code(req("20260303-15:01:00", "60 S", "1 min")), 0);  // 1-minute bars still come
  // Before the head timestamp, and a weekend: no data.
  EXPECT_EQ(code(req("20031231-15:00:00", "1 W", "1 day")), 162);
  EXPECT_EQ(code(req("20261206-00:00:00", "1 D", "1 hour")), 162);
  // Daily bars over years stay cheap enough to answer (bounded by the step table).
  EXPECT_EQ(code(req("", "31 Y", "1 day")), 162);
}

TEST(SimHistoricalBars, HeadTimestamp) {
  auto md = stock();  // head 2004-01-02 (a Friday, EST)
  auto rth = answer_head_timestamp(md, "TRADES", true, 2, "AAPL");
  ASSERT_FALSE(rth.error);
  EXPECT_EQ(rth.timestamp, std::to_string(utc(2004, 1, 2, 14, 30)));
  auto all = answer_head_timestamp(md, "TRADES", false, 1, "AAPL");
  ASSERT_FALSE(all.error);
  EXPECT_EQ(all.timestamp, "20040102-00:00:00");  // Thursday 19:00 EST
  EXPECT_EQ(answer_head_timestamp(md, "TRADES", true, 0, "AAPL").error->code, 321);
  // No bar before the head.
  md.head_timestamp = utc(2026, 12, 7, 15, 0, 30);
  auto bars = answer_historical(md, req("20261207-15:02:00", "120 S", "1 min"), kNow, "AAPL");
  ASSERT_FALSE(bars.error);
  ASSERT_EQ(bars.bars.size(), 2u);
  EXPECT_EQ(bars.bars[0].date, std::to_string(utc(2026, 12, 7, 15, 0, 30)));
}

TEST(SimScenarioMarketData, DefaultsAndOverrides) {
  auto s = default_scenario();
  ASSERT_EQ(s.market_data.size(), s.contracts.size());
  for (size_t i = 0; i < s.contracts.size(); ++i) {
    const auto& c = s.contracts[i].contract;
    if (c.sec_type == "FUT") {
      EXPECT_EQ(s.market_data[i].hours, HoursKind::kFutures);
      EXPECT_EQ(s.market_data[i].head_timestamp, utc(2024, 12, 18));
      EXPECT_EQ(s.market_data[i].series.tick, 0.25);
    }
    if (c.sec_type == "STK") {
      EXPECT_EQ(s.market_data[i].hours, HoursKind::kUsStock);
    }
    EXPECT_EQ(s.market_data[i].permission, LivePermission::kLive);
  }
  auto t = parse_scenario(R"({"accounts": ["DU1"], "contracts": [
      {"contract": {"con_id": 1, "symbol": "X", "sec_type": "STK"},
       "market_data": {"hours": "always", "permission": "delayed", "head_timestamp": "2020-05-01T13:00:00Z",
                       "base_price": 12.5, "volume_per_second": 7, "seed": 42}}]})");
  ASSERT_EQ(t.market_data.size(), 1u);
  EXPECT_EQ(t.market_data[0].hours, HoursKind::kAlways);
  EXPECT_EQ(t.market_data[0].permission, LivePermission::kDelayed);
  EXPECT_EQ(t.market_data[0].head_timestamp, utc(2020, 5, 1, 13));
  EXPECT_EQ(t.market_data[0].series.base_price, 12.5);
  EXPECT_EQ(t.market_data[0].series.seed, 42u);
  EXPECT_THROW(parse_scenario(R"({"accounts": ["DU1"], "contracts": [{"contract": {"con_id": 1},
      "market_data": {"permission": "maybe"}}]})"),
               ScenarioError);
  EXPECT_THROW(parse_scenario(R"({"accounts": ["DU1"], "contracts": [{"contract": {"con_id": 1},
      "market_data": {"head_timestamp": "yesterday"}}]})"),
               ScenarioError);
}

}  // namespace
}  // namespace intentq::sim
