// The market-data intents end to end (issue 19, must-show 1): client (or `intentq submit`) ->
// intentq-broker -> intentq-worker -> intentq-gwsim serving tests/data/market_data_scenario.json
// with its time rules scaled by 0.05 (a snapshot ends after 0.55 s instead of 11 s). Bars and head
// timestamps are compared with what the simulator's own series computes for the same request;
// each error class is shown: IB's invalid step (162), unknown contract (200), no permission
// (10168), no data in range (an ok result), params the broker refuses naming what is allowed, a
// deadline shorter than the snapshot's end (TIMEOUT saying so), and the gateway pin.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "common/market_data_params.hpp"
#include "sim/historical_bars.hpp"
#include "sim/market_data_answers.hpp"
#include "sim/scenario.hpp"
#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

using json = nlohmann::json;
namespace md = params::market_data;

const std::string kScenario = test::data_file("market_data_scenario.json");
constexpr int64_t kAapl = 265598, kMsft = 272093, kNoPermission = 999001;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the simulator computes for a request on AAPL (formatDate 2, as the worker asks).
sim::HistoricalAnswer simulated(const std::string& end, const std::string& duration,
                                const std::string& bar_size, const std::string& what) {
  static const sim::Scenario s = sim::load_scenario(kScenario);
  gw::Contract c;
  c.con_id = kAapl;
  const auto found = sim::find_market_contract(s, c);
  sim::HistoricalRequest r{end, duration, bar_size, what, true, 2};
  return sim::answer_historical(s.market_data[static_cast<size_t>(found.index)], r, now_seconds(),
                                "AAPL@SMART");
}

json number_or_null(double v) {
  return v == -1 ? json(nullptr) : json(v);
}

class IntentsMarketData : public ::testing::Test {
 protected:
  void SetUp() override {
    worker = start_gateway_worker(broker, sim.address(), 9, {"--gateway-id", "gw-md"});
    e2e::wait_for_service(broker.endpoints.frontend, "historical_bars");
  }
  Sim sim{{"--time-scale", "0.05"}, 0, kScenario};
  Broker broker{{"--startup-grace-ms", "0"}};
  // historical_bars of AAPL ending at `end` (ISO UTC).
  JobReply aapl_bars(const std::string& end, const std::string& duration,
                     const std::string& bar_size) {
    return run(broker, "historical_bars",
               {{"con_id", kAapl}, {"end", end}, {"duration", duration}, {"bar_size", bar_size}});
  }
  std::unique_ptr<Process> worker;
};

TEST_F(IntentsMarketData, HistoricalBarsAreTheSimulatorsSeriesInUtc) {
  auto reply = aapl_bars("2026-12-04T21:00:00Z", "1 D", "1 hour");
  ASSERT_TRUE(reply.ok) << describe(reply);
  const auto want = simulated("20261204-21:00:00", "1 D", "1 hour", "TRADES");
  ASSERT_FALSE(want.error);
  const auto& r = reply.result;
  EXPECT_EQ(r.at("bar_size"), "1 hour");
  EXPECT_EQ(r.at("what_to_show"), "TRADES");
  EXPECT_EQ(r.at("contract").at("con_id"), kAapl);
  EXPECT_EQ(r.at("start"), md::iso_from_ib(want.start).value());
  EXPECT_EQ(r.at("end"), "2026-12-04T21:00:00Z");
  const auto& bars = r.at("bars");
  ASSERT_EQ(bars.size(), want.bars.size());
  ASSERT_EQ(bars.size(), 7u) << "09:30-16:00 New York in hourly bars";
  EXPECT_EQ(bars[0].at("t"), "2026-12-04T14:30:00Z");  // the session's open, in UTC
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& got = bars[i];
    const auto& w = want.bars[i];
    EXPECT_EQ(got.at("t"), md::iso_from_ib(w.date).value()) << i;
    EXPECT_DOUBLE_EQ(got.at("o").get<double>(), w.open) << i;
    EXPECT_DOUBLE_EQ(got.at("h").get<double>(), w.high) << i;
    EXPECT_DOUBLE_EQ(got.at("l").get<double>(), w.low) << i;
    EXPECT_DOUBLE_EQ(got.at("c").get<double>(), w.close) << i;
    EXPECT_DOUBLE_EQ(got.at("v").get<double>(), w.volume) << i;
    EXPECT_NEAR(got.at("wap").get<double>(), w.wap, 1e-6) << i;
    EXPECT_EQ(got.at("n"), w.count) << i;
  }
  EXPECT_TRUE(reply.timings_ms.contains("historical_data")) << reply.timings_ms.dump();

  // MIDPOINT has no volume, wap or count (IB's -1: null); daily bars are dated.
  auto daily = run(broker, "historical_bars",
                   {{"con_id", kAapl},
                    {"end", "2026-12-04T21:00:00Z"},
                    {"duration", "1 W"},
                    {"bar_size", "1 day"},
                    {"what_to_show", "midpoint"}});
  ASSERT_TRUE(daily.ok) << describe(daily);
  const auto want_daily = simulated("20261204-21:00:00", "1 W", "1 day", "MIDPOINT");
  ASSERT_EQ(daily.result.at("bars").size(), want_daily.bars.size());
  ASSERT_FALSE(want_daily.bars.empty());
  for (size_t i = 0; i < want_daily.bars.size(); ++i) {
    const auto& got = daily.result.at("bars")[i];
    EXPECT_EQ(got.at("t"), md::iso_from_ib(want_daily.bars[i].date).value());
    EXPECT_EQ(got.at("t").get<std::string>().size(), 10u) << "a date: " << got.dump();
    EXPECT_DOUBLE_EQ(got.at("c").get<double>(), want_daily.bars[i].close);
    EXPECT_EQ(got.at("v"), number_or_null(want_daily.bars[i].volume));
    EXPECT_TRUE(got.at("v").is_null() && got.at("wap").is_null() && got.at("n").is_null())
        << got.dump();
  }
}

TEST_F(IntentsMarketData, NoDataInRangeIsAnOkResultThatSaysSo) {
  // IB keeps bars of 30 s or less for six months only: 162 "HMDS query returned no data".
  auto reply = aapl_bars("2020-01-06T15:00:00Z", "1800 S", "1 secs");
  ASSERT_TRUE(reply.ok) << describe(reply);
  EXPECT_EQ(reply.result.at("bars"), json::array());
  EXPECT_EQ(reply.result.at("no_data"), true);
  EXPECT_NE(reply.result.at("message").get<std::string>().find("HMDS query returned no data"),
            std::string::npos);
}

TEST_F(IntentsMarketData, EachErrorClassCarriesIbsCodeOrNamesWhatIsAllowed) {
  // A step this worker's table admits (8,760 bars) but the gateway refuses (the simulator, as
  // IB, keeps intraday bars to a year): IB's 162 and its text.
  auto step = run(broker, "historical_bars",
                  {{"con_id", kAapl}, {"duration", "2 Y"}, {"bar_size", "2 hours"}});
  ASSERT_FALSE(step.ok);
  EXPECT_EQ(step.error->code, ErrorCode::kGatewayError) << describe(step);
  EXPECT_EQ(step.error->gateway_code, 162);
  EXPECT_NE(step.error->gateway_message.value_or("").find("invalid step"), std::string::npos);

  // No market data permission for historical data: IB's 162 with its text.
  auto no_permission =
      run(broker, "historical_bars",
          {{"con_id", kNoPermission}, {"duration", "1 D"}, {"bar_size", "1 hour"}});
  ASSERT_FALSE(no_permission.ok);
  EXPECT_EQ(no_permission.error->code, ErrorCode::kGatewayError) << describe(no_permission);
  EXPECT_EQ(no_permission.error->gateway_code, 162);
  EXPECT_NE(no_permission.error->gateway_message.value_or("").find("No market data permissions"),
            std::string::npos)
      << describe(no_permission);

  // An unknown contract: IB's 200.
  for (const char* intent : {"historical_bars", "head_timestamp", "quote"}) {
    json params{{"con_id", 1}};
    if (std::string(intent) == "historical_bars")
      params.update({{"duration", "1 D"}, {"bar_size", "1 hour"}});
    auto unknown = run(broker, intent, params);
    ASSERT_FALSE(unknown.ok) << intent;
    EXPECT_EQ(unknown.error->code, ErrorCode::kGatewayError) << intent << ": " << describe(unknown);
    EXPECT_EQ(unknown.error->gateway_code, 200) << intent;
    EXPECT_NE(unknown.error->gateway_message.value_or("").find("No security definition"),
              std::string::npos);
  }

  // No market data permission at all: 10168, named.
  auto refused = run(broker, "quote", {{"con_id", kNoPermission}});
  ASSERT_FALSE(refused.ok);
  EXPECT_EQ(refused.error->code, ErrorCode::kGatewayError) << describe(refused);
  EXPECT_EQ(refused.error->gateway_code, 10168);
  EXPECT_NE(refused.error->message.find("10168"), std::string::npos);

  // Refused by the broker before anything is sent, each naming what is allowed.
  auto bad_step = run(broker, "historical_bars",
                      {{"con_id", kAapl}, {"duration", "1 D"}, {"bar_size", "1 secs"}});
  ASSERT_FALSE(bad_step.ok);
  EXPECT_EQ(bad_step.error->code, ErrorCode::kBadRequest);
  EXPECT_NE(bad_step.error->message.find("IB allows at most 1800 S"), std::string::npos)
      << bad_step.error->message;
  auto bad_bar = run(broker, "historical_bars",
                     {{"con_id", kAapl}, {"duration", "1 D"}, {"bar_size", "1 minute"}});
  ASSERT_FALSE(bad_bar.ok);
  EXPECT_NE(bad_bar.error->message.find("must be one of 1 secs, 5 secs"), std::string::npos)
      << bad_bar.error->message;
  auto bad_end = run(
      broker, "historical_bars",
      {{"con_id", kAapl}, {"duration", "1 D"}, {"bar_size", "1 min"}, {"end", "2026-12-04 21:00"}});
  ASSERT_FALSE(bad_end.ok);
  EXPECT_NE(bad_end.error->message.find("ISO-8601 UTC"), std::string::npos);
  auto bad_type = run(broker, "quote", {{"con_id", kAapl}, {"market_data_type", "realtime"}});
  ASSERT_FALSE(bad_type.ok);
  EXPECT_NE(bad_type.error->message.find("live, frozen, delayed, delayed_frozen"),
            std::string::npos);
  for (const auto* r : {&bad_step, &bad_bar, &bad_end, &bad_type}) EXPECT_EQ(r->worker, "broker");

  // The worker is still fine.
  auto ok = run(broker, "head_timestamp", {{"con_id", kAapl}});
  EXPECT_TRUE(ok.ok) << describe(ok);
}

TEST_F(IntentsMarketData, HeadTimestampIsTheSimulatorsFirstBarInUtc) {
  static const sim::Scenario s = sim::load_scenario(kScenario);
  gw::Contract c;
  c.con_id = kAapl;
  const auto found = sim::find_market_contract(s, c);
  const auto want = sim::answer_head_timestamp(s.market_data[static_cast<size_t>(found.index)],
                                               "TRADES", true, 2, "AAPL@SMART");
  auto reply =
      run(broker, "head_timestamp",
          {{"symbol", "AAPL"}, {"sec_type", "STK"}, {"exchange", "SMART"}, {"currency", "USD"}});
  ASSERT_TRUE(reply.ok) << describe(reply);
  EXPECT_EQ(reply.result.at("head_timestamp"), md::iso_from_ib(want.timestamp).value());
  EXPECT_EQ(reply.result.at("head_timestamp"), "2004-01-02T14:30:00Z");  // the first RTH second
  EXPECT_EQ(reply.result.at("epoch"), std::stoll(want.timestamp));
}

TEST_F(IntentsMarketData, QuoteLiveDelayedAndADeadlineShorterThanTheSnapshot) {
  auto live = run(broker, "quote", {{"con_id", kAapl}});
  ASSERT_TRUE(live.ok) << describe(live);
  const auto& q = live.result;
  for (const char* key : {"bid", "ask", "last", "bid_size", "ask_size", "last_size", "high", "low",
                          "open", "close", "volume"})
    EXPECT_TRUE(q.at(key).is_number()) << key << " in " << q.dump();
  EXPECT_LE(q.at("bid").get<double>(), q.at("ask").get<double>());
  EXPECT_EQ(q.at("market_data_type"), "live");
  EXPECT_EQ(q.at("delayed"), false);
  EXPECT_TRUE(md::parse_iso_utc(q.at("last_time").get<std::string>())) << q.dump();
  // The snapshot ends after the simulator's scaled 11 s (550 ms).
  EXPECT_GE(live.timings_ms.at("market_data_snapshot").get<int>(), 500) << live.timings_ms.dump();

  // Only delayed data for MSFT: 10167, then delayed ticks in the same keys.
  auto delayed = run(broker, "quote", {{"con_id", kMsft}, {"market_data_type", "delayed"}});
  ASSERT_TRUE(delayed.ok) << describe(delayed);
  EXPECT_EQ(delayed.result.at("delayed"), true);
  EXPECT_EQ(delayed.result.at("market_data_type"), "delayed");
  EXPECT_TRUE(delayed.result.at("bid").is_number()) << delayed.result.dump();

  // A deadline shorter than the snapshot's end: TIMEOUT that says so, from the worker.
  auto hurried = run(broker, "quote", {{"con_id", kAapl}}, 300);
  ASSERT_FALSE(hurried.ok);
  EXPECT_EQ(hurried.error->code, ErrorCode::kTimeout) << describe(hurried);
  EXPECT_NE(hurried.error->message.find("snapshot"), std::string::npos) << hurried.error->message;
  // The persistent session goes on.
  auto again = run(broker, "quote", {{"con_id", kAapl}});
  EXPECT_TRUE(again.ok) << describe(again);
}

TEST_F(IntentsMarketData, TheGatewayParamPinsAJobToOneGateway) {
  auto pinned = run(broker, "quote", {{"con_id", kAapl}, {"gateway", "gw-md"}});
  EXPECT_TRUE(pinned.ok) << describe(pinned);
  auto elsewhere = run(
      broker, "historical_bars",
      {{"con_id", kAapl}, {"duration", "1 D"}, {"bar_size", "1 hour"}, {"gateway", "gw-other"}});
  ASSERT_FALSE(elsewhere.ok);
  EXPECT_EQ(elsewhere.error->code, ErrorCode::kNoWorker) << describe(elsewhere);
  EXPECT_NE(elsewhere.error->message.find("gw-other"), std::string::npos);
}

TEST(IntentsMarketDataBounds, ABarAnswerPastTheWorkersBoundFailsAndTheWorkerGoesOn) {
  // Bars count against the per-request bound like any answer's rows: a worker that allows 5,000
  // rows refuses a week of one-minute BTC bars (10,080), cancels the request, and serves the next.
  Sim sim{{"--time-scale", "0.05", "--historical-pacing", "off"}, 0, kScenario};
  Broker broker{{"--startup-grace-ms", "0"}};
  auto worker = start_gateway_worker(broker, sim.address(), 11, {"--gateway-max-rows", "5000"});
  e2e::wait_for_service(broker.endpoints.frontend, "historical_bars");
  const json btc{{"symbol", "BTC"},   {"sec_type", "CRYPTO"},          {"exchange", "PAXOS"},
                 {"currency", "USD"}, {"end", "2026-12-04T21:00:00Z"}, {"use_rth", false}};
  json week = btc;
  week.update({{"duration", "1 W"}, {"bar_size", "1 min"}});
  auto big = run(broker, "historical_bars", week);
  ASSERT_FALSE(big.ok);
  EXPECT_EQ(big.error->code, ErrorCode::kGatewayError) << describe(big);
  EXPECT_NE(big.error->message.find("passed the bound of 5000 rows"), std::string::npos)
      << describe(big);
  json day = btc;
  day.update({{"duration", "1 D"}, {"bar_size", "1 min"}});
  auto small = run(broker, "historical_bars", day);
  ASSERT_TRUE(small.ok) << describe(small);
  EXPECT_EQ(small.result.at("bars").size(), 1440u);
}

TEST_F(IntentsMarketData, TheCliSubmitsHistoricalBars) {
  auto cli = e2e::run_cli({"submit",   "historical_bars",
                           "--broker", broker.endpoints.frontend,
                           "--param",  "symbol=AAPL",
                           "--param",  "sec_type=STK",
                           "--param",  "exchange=SMART",
                           "--param",  "currency=USD",
                           "--param",  "end=2026-12-04T21:00:00Z",
                           "--param",  "duration=1 D",
                           "--param",  "bar_size=1 hour",
                           "--param",  "use_rth=true",
                           "--compact"});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  auto reply = e2e::first_json_line(cli.output);
  ASSERT_TRUE(reply) << cli.output;
  EXPECT_EQ(reply->at("status"), "ok") << cli.output;
  EXPECT_EQ(reply->at("result").at("bars").size(), 7u);
  EXPECT_EQ(reply->at("result").at("end"), "2026-12-04T21:00:00Z");
  // A bad param: the CLI prints the broker's BAD_REQUEST and exits non-zero.
  auto bad = e2e::run_cli({"submit", "historical_bars", "--broker", broker.endpoints.frontend,
                           "--param", "con_id=265598", "--param", "duration=1 D", "--param",
                           "bar_size=7 mins", "--compact"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("must be one of 1 secs"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace intentq::intents_test
