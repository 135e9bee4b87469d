// The params of the market-data intents (issue 19): IB's bar sizes, durations and step limits,
// the ISO-8601 <-> IB time conversions, and the schema entries of historical_bars,
// head_timestamp and quote (messages that name what is allowed, the canonical form the broker
// keys sharing on).
#include "common/market_data_params.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "common/params_schema.hpp"
#include "tests/support/msgpack_json.hpp"

namespace intentq::params {
namespace {

using nlohmann::json;
namespace md = market_data;

using test::mp;

Parsed parse_as(std::string_view intent, const json& params) {
  return parse(*find_intent(intent), mp(params), intent);
}

std::string error_of(std::string_view intent, const json& params) {
  try {
    parse_as(intent, params);
  } catch (const ParamsError& e) {
    return e.what();
  }
  return "accepted";
}

// historical_bars refuses `params` with a message that says `part` (among other things).
void expect_bars_refusal_says(const json& params, const std::string& part) {
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, part, error_of("historical_bars", params));
}

std::string canon(std::string_view intent, const json& params) {
  return parse_as(intent, params).canonical();
}

const json kAapl{
    {"symbol", "AAPL"}, {"sec_type", "STK"}, {"exchange", "SMART"}, {"currency", "USD"}};

json bars(json extra) {
  json p = kAapl;
  p["duration"] = "1 D";
  p["bar_size"] = "1 min";
  if (extra.is_object()) p.update(extra);
  return p;
}

TEST(MarketDataParams, DurationsAreNUnitWithIbsCeilings) {
  EXPECT_EQ(md::duration_seconds("3600 S"), 3600);
  EXPECT_EQ(md::duration_seconds("1 D"), 86400);
  EXPECT_EQ(md::duration_seconds("2 W"), 2 * 7 * 86400);
  EXPECT_EQ(md::duration_seconds("1 M"), 30 * 86400);
  EXPECT_EQ(md::duration_seconds("1 Y"), 365 * 86400);
  for (const char* bad : {"", "1", "D", "1D", "1  D", " 1 D", "0 D", "-1 D", "1.5 D", "1 H",
                          "86401 S", "366 D", "53 W", "13 M", "51 Y", "1 d", "99999999999999 S"})
    EXPECT_FALSE(md::duration_seconds(bad)) << bad;
  EXPECT_NE(md::duration_error("1 H").find("unit S, D, W, M or Y"), std::string::npos);
}

TEST(MarketDataParams, StepLimitsFollowTheDocumentedTable) {
  EXPECT_EQ(md::step_error("1 secs", "1800 S"), "");
  EXPECT_NE(md::step_error("1 secs", "1801 S").find("IB allows at most 1800 S"), std::string::npos);
  EXPECT_EQ(md::step_error("5 secs", "3600 S"), "");
  EXPECT_NE(md::step_error("5 secs", "2 D"), "");
  EXPECT_EQ(md::step_error("30 secs", "28800 S"), "");
  EXPECT_NE(md::step_error("30 secs", "1 D"), "");
  EXPECT_EQ(md::step_error("1 min", "1 M"), "");  // 43,200 bars
  EXPECT_NE(md::step_error("1 min", "1 Y").find("525600 bars"), std::string::npos);
  EXPECT_EQ(md::step_error("1 day", "10 Y"), "");
  EXPECT_NE(md::step_error("1 day", "3600 S").find("shorter than one bar"), std::string::npos);
  EXPECT_EQ(md::step_error("1M", "1 M"), "");
}

TEST(MarketDataParams, IsoTimesConvertBothWays) {
  EXPECT_EQ(md::parse_iso_utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(md::parse_iso_utc("2026-12-04T21:00:00Z"), 1796418000);
  EXPECT_EQ(md::iso_utc(1796418000), "2026-12-04T21:00:00Z");
  EXPECT_EQ(md::iso_date(1796418000), "2026-12-04");
  EXPECT_EQ(md::parse_iso_utc("2024-02-29T23:59:59Z"),
            md::parse_iso_utc("2024-03-01T00:00:00Z").value() - 1);
  for (const char* bad : {"", "2026-12-04", "2026-12-04T21:00:00", "2026-12-04T21:00:00+00:00",
                          "2026-12-04 21:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-12-04T24:00:00Z", "1969-12-31T23:59:59Z",
                          "2026-12-04T21:00:00.5Z"})
    EXPECT_FALSE(md::parse_iso_utc(bad)) << bad;
  EXPECT_EQ(md::ib_end_date_time(std::nullopt), "");
  EXPECT_EQ(md::ib_end_date_time("2026-12-04T21:00:00Z"), "20261204-21:00:00");
}

TEST(MarketDataParams, IbAnswerTimesBecomeIsoUtcOrAreNotGuessed) {
  EXPECT_EQ(md::iso_from_ib("1796418000"), "2026-12-04T21:00:00Z");  // formatDate 2
  EXPECT_EQ(md::iso_from_ib("20261204"), "2026-12-04");              // daily bars
  EXPECT_EQ(md::iso_from_ib("20261204-21:00:00"), "2026-12-04T21:00:00Z");
  EXPECT_EQ(md::iso_from_ib("20261204 21:00:00 UTC"), "2026-12-04T21:00:00Z");
  EXPECT_EQ(md::iso_from_ib("20261204  21:00:00"), "2026-12-04T21:00:00Z");  // older gateways
  EXPECT_EQ(md::iso_from_ib("20261204 16:00:00 US/Eastern"), std::nullopt);
  EXPECT_EQ(md::iso_from_ib("20261332"), std::nullopt);
  EXPECT_EQ(md::iso_from_ib("garbage"), std::nullopt);
}

TEST(MarketDataSchema, HistoricalBarsValidatesEveryParamNamingWhatIsAllowed) {
  EXPECT_EQ(error_of("historical_bars", bars({})), "accepted");
  EXPECT_EQ(error_of("historical_bars",
                     {{"con_id", 265598}, {"duration", "1 D"}, {"bar_size", "1 hour"}}),
            "accepted");
  EXPECT_EQ(
      error_of("historical_bars", {{"symbol", "AAPL"}, {"duration", "1 D"}, {"bar_size", "1 min"}}),
      "historical_bars needs param 'con_id', or 'symbol' (or 'local_symbol') with "
      "'sec_type', 'exchange' and 'currency'");
  auto no_duration = kAapl;
  no_duration["bar_size"] = "1 min";
  EXPECT_EQ(error_of("historical_bars", no_duration),
            "historical_bars needs param 'duration' (e.g. \"1 D\")");
  auto no_bar = kAapl;
  no_bar["duration"] = "1 D";
  EXPECT_EQ(error_of("historical_bars", no_bar),
            "historical_bars needs param 'bar_size' (e.g. \"1 min\")");
  const auto bad_bar = bars({{"bar_size", "7 mins"}});
  expect_bars_refusal_says(bad_bar, "param 'bar_size' must be one of 1 secs, 5 secs, 10 secs");
  expect_bars_refusal_says(bad_bar, "1 day, 1W, 1M (got '7 mins')");
  expect_bars_refusal_says(bars({{"what_to_show", "SCHEDULE"}}),
                           "param 'what_to_show' must be one of TRADES, MIDPOINT, BID, ASK, "
                           "BID_ASK, ADJUSTED_LAST, HISTORICAL_VOLATILITY, "
                           "OPTION_IMPLIED_VOLATILITY");
  expect_bars_refusal_says(bars({{"duration", "1 H"}}), "param 'duration' must be");
  expect_bars_refusal_says(bars({{"end", "yesterday"}}),
                           "param 'end' must be an ISO-8601 UTC time");
  EXPECT_EQ(error_of("historical_bars", bars({{"use_rth", 1}})),
            "param 'use_rth' must be a boolean");
  expect_bars_refusal_says(
      bars({{"bar_size", "1 secs"}}),
      "param 'duration' ('1 D') does not fit bar size '1 secs': IB allows at most 1800 S");
  EXPECT_EQ(
      error_of("historical_bars", bars({{"account", "DU1"}})).find("param 'account' is not known"),
      0u);
  EXPECT_EQ(error_of("historical_bars", bars({{"gateway", " "}})),
            "param 'gateway' must not be empty");
}

TEST(MarketDataSchema, SpellingsThatMeanTheSameRequestShareOneCanonicalForm) {
  // Defaults dropped: what_to_show TRADES, use_rth true; aliases mapped; case and spaces.
  EXPECT_EQ(canon("historical_bars", bars({{"what_to_show", "trades"}, {"use_rth", true}})),
            canon("historical_bars", bars({})));
  EXPECT_EQ(canon("historical_bars", bars({{"bar_size", "1 mins"}, {"duration", " 1 d "}})),
            canon("historical_bars", bars({})));
  EXPECT_EQ(canon("historical_bars", bars({{"bar_size", "1 hours"}})),
            canon("historical_bars", bars({{"bar_size", "1 hour"}})));
  EXPECT_EQ(canon("historical_bars", bars({{"bar_size", "1 week"}, {"duration", "1 Y"}})),
            canon("historical_bars", bars({{"bar_size", "1W"}, {"duration", "1 Y"}})));
  EXPECT_EQ(canon("historical_bars", bars({{"end", "2026-12-04t21:00:00z"}})),
            canon("historical_bars", bars({{"end", "2026-12-04T21:00:00Z"}})));
  EXPECT_NE(canon("historical_bars", bars({{"use_rth", false}})),
            canon("historical_bars", bars({})));
  EXPECT_NE(canon("historical_bars", bars({{"gateway", "gw1"}})),
            canon("historical_bars", bars({})));
  const auto p = parse_as("historical_bars", bars({{"bar_size", "1 sec"}, {"duration", "60 s"}}));
  EXPECT_EQ(p.string("bar_size"), "1 secs");
  EXPECT_EQ(p.string("duration"), "60 S");
  EXPECT_EQ(p.string("what_to_show"), "TRADES");
  EXPECT_EQ(p.boolean("use_rth"), true);
  EXPECT_EQ(p.string("end"), std::nullopt);
}

TEST(MarketDataSchema, HeadTimestampAndQuote) {
  EXPECT_EQ(error_of("head_timestamp", kAapl), "accepted");
  EXPECT_EQ(error_of("head_timestamp", {{"con_id", 1}, {"duration", "1 D"}})
                .find("param 'duration' is not known"),
            0u);
  EXPECT_EQ(error_of("quote", {{"con_id", 265598}}), "accepted");
  EXPECT_EQ(error_of("quote", json::object()),
            "quote needs param 'con_id', or 'symbol' (or 'local_symbol') with 'sec_type', "
            "'exchange' and 'currency'");
  EXPECT_EQ(error_of("quote", {{"con_id", 1}, {"market_data_type", "realtime"}}),
            "param 'market_data_type' must be one of live, frozen, delayed, delayed_frozen (got "
            "'realtime')");
  EXPECT_EQ(canon("quote", {{"con_id", 1}, {"market_data_type", "LIVE"}}),
            canon("quote", {{"con_id", 1}}));
  EXPECT_EQ(parse_as("quote", {{"con_id", 1}, {"market_data_type", " Delayed "}})
                .string("market_data_type"),
            "delayed");
}

}  // namespace
}  // namespace intentq::params
