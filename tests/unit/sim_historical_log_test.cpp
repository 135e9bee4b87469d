// The simulator's log of historical requests and cancels (--historical-log N): which messages it
// records and with which fields (bounded), that it keeps only the last N and counts what it
// dropped, and that the counters' line carries it only when it is kept.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/historical_log.hpp"
#include "sim/stats.hpp"

namespace intentq::sim {
namespace {

gw::ReqHistoricalData bars_request(int req_id, const std::string& end) {
  gw::ReqHistoricalData r;
  r.req_id = req_id;
  r.request.contract.con_id = 265598;
  r.request.end_date_time = end;
  r.request.bar_size = "1 min";
  r.request.duration = "1800 S";
  r.request.what_to_show = "BID_ASK";
  return r;
}

TEST(SimHistoricalLog, EntriesForHistoricalRequestsAndTheirCancelsOnly) {
  auto bars = historical_log_entry(bars_request(7, "20261204-15:00:00"));
  ASSERT_TRUE(bars);
  EXPECT_EQ(bars->message, "reqHistoricalData");
  EXPECT_EQ(bars->req_id, 7);
  EXPECT_EQ(bars->con_id, 265598);
  EXPECT_EQ(bars->what_to_show, "BID_ASK");
  EXPECT_EQ(bars->end, "20261204-15:00:00");
  EXPECT_EQ(bars->bar_size, "1 min");
  EXPECT_EQ(bars->duration, "1800 S");
  gw::ReqHeadTimestamp head;
  head.req_id = 8;
  head.request.contract.con_id = 272093;
  auto head_entry = historical_log_entry(head);
  ASSERT_TRUE(head_entry);
  EXPECT_EQ(head_entry->message, "reqHeadTimestamp");
  EXPECT_EQ(head_entry->con_id, 272093);
  auto cancel = historical_log_entry(gw::CancelHistoricalData{.req_id = 7});
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->message, "cancelHistoricalData");
  EXPECT_EQ(cancel->req_id, 7);
  EXPECT_EQ(historical_log_entry(gw::CancelHeadTimestamp{.req_id = 8})->message,
            "cancelHeadTimestamp");
  // What a client chose is kept to 64 bytes a field.
  auto huge = bars_request(9, std::string(1000, '2'));
  huge.request.what_to_show = std::string(1000, 'X');
  EXPECT_EQ(historical_log_entry(huge)->end.size(), 64u);
  EXPECT_EQ(historical_log_entry(huge)->what_to_show.size(), 64u);
  EXPECT_FALSE(historical_log_entry(gw::StartApi{}));
  EXPECT_FALSE(historical_log_entry(gw::ReqMarketDataType{}));
}

TEST(SimHistoricalLog, VerdictsAreNamedAsTheViolationCounters) {
  EXPECT_EQ(verdict_name(HistoricalVerdict::kOk), "ok");
  EXPECT_EQ(verdict_name(HistoricalVerdict::kIdentical), "identical_15s");
  EXPECT_EQ(verdict_name(HistoricalVerdict::kSameContract), "same_contract_2s");
  EXPECT_EQ(verdict_name(HistoricalVerdict::kWindow), "window_10min");
  EXPECT_EQ(verdict_name(HistoricalVerdict::kOpenLimit), "open_limit_322");
}

TEST(SimHistoricalLog, KeepsTheLastNAndCountsTheDropped) {
  HistoricalLog log(2);
  for (int i = 1; i <= 3; ++i) {
    auto e = *historical_log_entry(bars_request(i, "e" + std::to_string(i)));
    e.t_ms = 10 * i;
    e.conn = 4;
    e.verdict = "ok";
    log.add(e);
  }
  auto cancel = *historical_log_entry(gw::CancelHistoricalData{.req_id = 3});
  cancel.t_ms = 35;
  cancel.conn = 4;
  log.add(cancel);
  EXPECT_EQ(log.dropped(), 2u);
  const auto j = log.to_json();
  ASSERT_EQ(j.size(), 2u) << j.dump();
  EXPECT_EQ(j[0], nlohmann::json::parse(R"({"t_ms": 30, "conn": 4, "req_id": 3,
      "msg": "reqHistoricalData", "verdict": "ok", "con_id": 265598, "what_to_show": "BID_ASK",
      "end": "e3", "bar_size": "1 min", "duration": "1800 S"})"));
  // A cancel names only its request.
  EXPECT_EQ(j[1], nlohmann::json::parse(
                      R"({"t_ms": 35, "conn": 4, "req_id": 3, "msg": "cancelHistoricalData"})"));
}

TEST(SimHistoricalLog, TheCountersLineCarriesItOnlyWhenKept) {
  HistoricalPacing pacing;
  Stats off;
  off.historical_log.add(*historical_log_entry(bars_request(1, "")));
  auto line = nlohmann::json::parse(off.json_line(0, pacing));
  EXPECT_FALSE(line["gwsim_stats"]["historical"].contains("log")) << line.dump();
  EXPECT_TRUE(off.historical_log.entries().empty());

  Stats on;
  on.historical_log = HistoricalLog(5);
  auto e = *historical_log_entry(bars_request(1, "x"));
  e.verdict = "window_10min";
  on.historical_log.add(e);
  line = nlohmann::json::parse(on.json_line(0, pacing));
  const auto& h = line["gwsim_stats"]["historical"];
  ASSERT_EQ(h["log"].size(), 1u) << line.dump();
  EXPECT_EQ(h["log"][0]["verdict"], "window_10min");
  EXPECT_EQ(h["log_dropped"], 0);
}

}  // namespace
}  // namespace intentq::sim
