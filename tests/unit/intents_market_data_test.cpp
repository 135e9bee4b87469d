// The market-data intents' typed params and result maps (issue 19): what historical_bars,
// head_timestamp and quote send to the gateway for given params, and what they answer for given
// gateway data (ISO-8601 UTC times, numbers as numbers, null for IB's -1, no data as an ok
// result).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "gateway/session.hpp"
#include "worker/intents/market_data.hpp"
#include "worker/intents/market_data_results.hpp"

namespace intentq::intents {
namespace {

using nlohmann::json;

JobContext job_with(const std::string& intent, const json& params) {
  JobContext job;
  job.intent = intent;
  job.params = params;
  return job;
}

TEST(MarketDataParams, HistoricalBarsBecomeIbsRequestFields) {
  const auto p =
      parse_historical_bars_params(job_with("historical_bars", {{"symbol", " AAPL "},
                                                                {"sec_type", "stk"},
                                                                {"exchange", "SMART"},
                                                                {"currency", "USD"},
                                                                {"end", "2026-12-04T21:00:00Z"},
                                                                {"duration", "2 d"},
                                                                {"bar_size", "1 hours"},
                                                                {"what_to_show", "midpoint"},
                                                                {"use_rth", false}}));
  EXPECT_EQ(p.contract.symbol, "AAPL");
  EXPECT_EQ(p.contract.sec_type, "STK");
  EXPECT_EQ(p.end_date_time, "20261204-21:00:00");  // IB's UTC form
  EXPECT_EQ(p.duration, "2 D");
  EXPECT_EQ(p.bar_size, "1 hour");
  EXPECT_EQ(p.what_to_show, "MIDPOINT");
  EXPECT_FALSE(p.use_rth);
  const auto now = parse_historical_bars_params(job_with(
      "historical_bars", {{"con_id", 265598}, {"duration", "1 D"}, {"bar_size", "1 min"}}));
  EXPECT_EQ(now.end_date_time, "");  // absent = now
  EXPECT_EQ(now.what_to_show, "TRADES");
  EXPECT_TRUE(now.use_rth);
  try {
    parse_historical_bars_params(job_with(
        "historical_bars", {{"con_id", 265598}, {"duration", "1 D"}, {"bar_size", "1 secs"}}));
    FAIL() << "a step IB refuses must be refused before anything is sent";
  } catch (const JobFailure& e) {
    EXPECT_EQ(e.code, ErrorCode::kBadRequest);
    EXPECT_NE(std::string(e.what()).find("IB allows at most 1800 S"), std::string::npos);
  }
}

TEST(MarketDataParams, QuoteTypesAndTheGatewayPin) {
  auto q = parse_quote_params(job_with("quote", {{"con_id", 1}, {"market_data_type", "Delayed"}}));
  EXPECT_EQ(q.market_data_type, "delayed");
  EXPECT_EQ(q.market_data_type_code, 3);
  EXPECT_EQ(parse_quote_params(job_with("quote", {{"con_id", 1}})).market_data_type_code, 1);
  EXPECT_EQ(market_data_type_name(4), "delayed_frozen");

  auto job = job_with("quote", {{"con_id", 1}, {"gateway", "gw-live"}});
  job.gateway.id = "gw-paper";
  q = parse_quote_params(job);
  EXPECT_EQ(q.gateway, "gw-live");
  EXPECT_THROW(check_gateway(q.gateway, job), JobFailure);
  job.gateway.id = "gw-live";
  EXPECT_NO_THROW(check_gateway(q.gateway, job));
  EXPECT_NO_THROW(check_gateway(std::nullopt, job));
}

TEST(MarketDataResults, BarsAreIsoUtcNumbersAndNullForIbsMinusOne) {
  gw::Bar trades{"1796418000", 101.5, 102.25, 101, 102, "1234", "101.75", 56};
  EXPECT_EQ(bar_json(trades), json::parse(R"({"t": "2026-12-04T21:00:00Z", "o": 101.5,
      "h": 102.25, "l": 101.0, "c": 102.0, "v": 1234.0, "wap": 101.75, "n": 56})"));
  gw::Bar midpoint{"20261204", 1.5, 1.75, 1.25, 1.5, "-1", "-1", -1};
  EXPECT_EQ(bar_json(midpoint), json::parse(R"({"t": "2026-12-04", "o": 1.5, "h": 1.75,
      "l": 1.25, "c": 1.5, "v": null, "wap": null, "n": null})"));
  gw::Bar broken{"yesterday", 1, 1, 1, 1, "1", "1", 1};
  try {
    bar_json(broken);
    FAIL() << "an unreadable time is a protocol error, never passed on";
  } catch (const gw::GatewayError& e) {
    EXPECT_EQ(e.kind, gw::GatewayError::Kind::kProtocol);
  }
}

TEST(MarketDataResults, HistoricalBarsResultAndNoDataInRange) {
  HistoricalBarsParams p;
  p.contract.con_id = 265598;
  p.contract.symbol = "AAPL";
  p.bar_size = "1 min";
  p.what_to_show = "TRADES";
  gw::HistoricalBars answer;
  answer.start = "20261204-14:30:00";
  answer.end = "20261204 21:00:00 UTC";
  answer.bars.push_back({"1796394600", 1, 2, 0.5, 1.5, "10", "1.25", 3});
  auto r = historical_bars_json(p, answer);
  EXPECT_EQ(r["contract"], json::parse(R"({"con_id": 265598, "symbol": "AAPL"})"));
  EXPECT_EQ(r["bar_size"], "1 min");
  EXPECT_EQ(r["what_to_show"], "TRADES");
  EXPECT_EQ(r["start"], "2026-12-04T14:30:00Z");
  EXPECT_EQ(r["end"], "2026-12-04T21:00:00Z");
  ASSERT_EQ(r["bars"].size(), 1u);
  EXPECT_EQ(r["bars"][0]["t"], "2026-12-04T14:30:00Z");
  EXPECT_FALSE(r.contains("no_data"));

  gw::HistoricalBars none;
  none.no_data = true;
  none.no_data_message = "Historical Market Data Service error message:HMDS query returned no data";
  r = historical_bars_json(p, none);
  EXPECT_EQ(r["bars"], json::array());
  EXPECT_EQ(r["no_data"], true);
  EXPECT_EQ(r["message"], none.no_data_message);
  EXPECT_TRUE(r["start"].is_null());
  // A range in a zone the worker does not convert is IB's text, not a guess.
  answer.end = "20261204 16:00:00 US/Eastern";
  EXPECT_EQ(historical_bars_json(p, answer)["end"], "20261204 16:00:00 US/Eastern");
}

TEST(MarketDataResults, QuoteFromLiveAndDelayedTicks) {
  gw::MarketDataSnapshot live;
  live.prices[gw::tick::kBid] = {189.5, "300", 0};
  live.prices[gw::tick::kAsk] = {189.55, "200", 0};
  live.prices[gw::tick::kLast] = {189.52, "100", 0};
  live.prices[gw::tick::kHigh] = {191, "", 0};
  live.prices[gw::tick::kLow] = {-1, "", 0};  // IB's "no data"
  live.sizes[gw::tick::kBidSize] = "300";
  live.sizes[gw::tick::kAskSize] = "200";
  live.sizes[gw::tick::kLastSize] = "100";
  live.sizes[gw::tick::kVolume] = "123456";
  live.strings[gw::tick::kLastTimestamp] = "1796418000";
  live.market_data_type = 1;
  auto q = quote_json(live, 1);
  EXPECT_EQ(q, json::parse(R"({"bid": 189.5, "ask": 189.55, "last": 189.52, "bid_size": 300.0,
      "ask_size": 200.0, "last_size": 100.0, "high": 191.0, "low": null, "open": null,
      "close": null, "volume": 123456.0, "last_time": "2026-12-04T21:00:00Z",
      "market_data_type": "live", "delayed": false})"));

  gw::MarketDataSnapshot delayed;
  delayed.prices[gw::tick::kDelayedBid] = {189.4, "5", 0};
  delayed.sizes[gw::tick::kDelayedBidSize] = "5";
  delayed.prices[gw::tick::kDelayedClose] = {188, "", 0};
  delayed.strings[gw::tick::kDelayedLastTimestamp] = "1796418000";
  delayed.market_data_type = 3;
  delayed.tick_types = {gw::tick::kDelayedBid, gw::tick::kDelayedBidSize, gw::tick::kDelayedClose,
                        gw::tick::kDelayedLastTimestamp};
  q = quote_json(delayed, 1);
  EXPECT_EQ(q["bid"], 189.4);
  EXPECT_EQ(q["bid_size"], 5.0);
  EXPECT_EQ(q["close"], 188.0);
  EXPECT_EQ(q["last_time"], "2026-12-04T21:00:00Z");
  EXPECT_EQ(q["market_data_type"], "delayed");
  EXPECT_EQ(q["delayed"], true);
}

}  // namespace
}  // namespace intentq::intents
