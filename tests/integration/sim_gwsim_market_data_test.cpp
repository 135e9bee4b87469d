// Process-level tests of intentq-gwsim's market data over the wire: reqHistoricalData in both
// HISTORICAL_DATA layouts (sv 195: range inside the message; sv 200: HISTORICAL_DATA_END), bars
// equal to what the simulator's series computes for the same request, IB's errors for bad
// requests, reqHeadTimestamp, and reqMktData snapshots (live, delayed after 10167, refused with
// 10168), whose TICK_SNAPSHOT_END comes after the scaled 11 s.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "gateway/messages.hpp"
#include "sim/historical_bars.hpp"
#include "sim/market_data_answers.hpp"
#include "sim/scenario.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/historical_samples.hpp"
#include "tests/support/process.hpp"
#include "tests/support/raw_tws_client.hpp"

namespace intentq::sim {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

using Sim = test::GwsimProcess;

Sim start_sim(std::vector<std::string> args) {
  args.insert(args.begin(), {"--log-level", "warn"});
  return test::start_gwsim(test::Launch{std::move(args), {}, {}, "", 10s});
}

std::unique_ptr<RawClient> client_at(uint16_t port, int max_version, int client_id) {
  auto c = std::make_unique<RawClient>(port);
  if (c->handshake(176, max_version) != max_version) throw std::runtime_error("handshake");
  c->start_api(client_id);
  return c;
}

// One day of hourly bars up to `end`.
gw::HistoricalDataRequest hourly(std::string end = "20261204-21:00:00") {
  return test::hourly_bars(std::move(end), "1 D");
}

void expect_bars(const std::vector<gw::Bar>& got, const std::vector<SimBar>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].time, want[i].date);
    EXPECT_EQ(got[i].open, want[i].open);
    EXPECT_EQ(got[i].high, want[i].high);
    EXPECT_EQ(got[i].low, want[i].low);
    EXPECT_EQ(got[i].close, want[i].close);
    EXPECT_EQ(gw::decimal_value(got[i].volume).value_or(-1), want[i].volume);
    EXPECT_DOUBLE_EQ(gw::decimal_value(got[i].wap).value_or(-1), want[i].wap);
    EXPECT_EQ(got[i].count, want[i].count);
  }
}

TEST(SimMarketData, HistoricalBarsInBothLayouts) {
  Sim sim = start_sim({"--historical-pacing", "off"});
  const auto want = test::expected_bars(hourly());
  ASSERT_FALSE(want.error);
  ASSERT_EQ(want.bars.size(), 7u);

  auto old = client_at(sim.port, 195, 1);
  old->send(gw::encode_req_historical_data(195, 11, hourly()));
  auto m = std::get<gw::HistoricalDataMsg>(old->message(195));
  EXPECT_EQ(m.req_id, 11);
  EXPECT_TRUE(m.ends_answer);
  EXPECT_EQ(m.start, want.start);
  EXPECT_EQ(m.end, want.end);
  expect_bars(m.bars, want.bars);

  auto now = client_at(sim.port, 200, 2);
  now->send(gw::encode_req_historical_data(200, 12, hourly()));
  auto bars = std::get<gw::HistoricalDataMsg>(now->message(200));
  EXPECT_FALSE(bars.ends_answer);
  EXPECT_EQ(bars.req_id, 12);
  expect_bars(bars.bars, want.bars);
  auto end = std::get<gw::HistoricalDataEnd>(now->message(200));
  EXPECT_EQ(end.req_id, 12);
  EXPECT_EQ(end.start, want.start);
  EXPECT_EQ(end.end, want.end);

  // Other whatToShow values: -1 for volume, WAP and count.
  auto mid = hourly();
  mid.what_to_show = "MIDPOINT";
  now->send(gw::encode_req_historical_data(200, 13, mid));
  auto mids = std::get<gw::HistoricalDataMsg>(now->message(200));
  ASSERT_FALSE(mids.bars.empty());
  EXPECT_EQ(mids.bars[0].volume, "-1");
  EXPECT_EQ(mids.bars[0].wap, "-1");
  EXPECT_EQ(mids.bars[0].count, -1);
  expect_bars(mids.bars, test::expected_bars(mid).bars);
  std::get<gw::HistoricalDataEnd>(now->message(200));
}

TEST(SimMarketData, HistoricalErrorsCarryIbsCodes) {
  Sim sim = start_sim({"--historical-pacing", "off"});
  auto c = client_at(sim.port, 200, 1);
  auto error_for = [&](int id, gw::HistoricalDataRequest r) {
    c->send(gw::encode_req_historical_data(200, id, r));
    auto e = std::get<gw::ErrorMessage>(c->message(200));
    EXPECT_EQ(e.id, id);
    EXPECT_GT(e.error_time_ms, 0);  // sv >= 194
    return e;
  };
  auto r = hourly();
  r.bar_size = "1 sec";
  EXPECT_EQ(error_for(1, r).code, 321);
  r = hourly();
  r.format_date = 0;
  EXPECT_EQ(error_for(2, r).code, 321);
  r = hourly();
  r.bar_size = "1 secs";
  auto step = error_for(3, r);
  EXPECT_EQ(step.code, 162);
  EXPECT_NE(step.message.find("invalid step"), std::string::npos) << step.message;
  r = hourly("20261206-12:00:00");  // a Sunday
  auto none = error_for(4, r);
  EXPECT_EQ(none.code, 162);
  EXPECT_NE(none.message.find("HMDS query returned no data"), std::string::npos) << none.message;
  r = hourly();
  r.contract.con_id = 999;
  EXPECT_EQ(error_for(5, r).code, 200);
}

TEST(SimMarketData, HeadTimestamp) {
  Sim sim = start_sim({});
  auto c = client_at(sim.port, 200, 1);
  gw::HeadTimestampRequest h;
  h.contract = test::aapl_by_id();
  h.what_to_show = "TRADES";
  h.use_rth = true;
  h.format_date = 2;
  c->send(gw::encode_req_head_timestamp(200, 5, h));
  auto m = std::get<gw::HeadTimestampMsg>(c->message(200));
  EXPECT_EQ(m.req_id, 5);
  // The default head, 2004-01-02, moved to that day's 09:30 EST.
  EXPECT_EQ(m.timestamp, "1073053800");
  c->send(gw::encode_cancel_head_timestamp(200, 5));
}

// Three contracts: live data (LIVE), delayed only (LATE), no permission (NONE).
std::string permissions_scenario() {
  return test::data_file("market_data_permissions_scenario.json");
}

struct Snapshot {
  std::vector<gw::ServerMessage> messages;  // up to and including the end (or an error)
  std::chrono::steady_clock::duration took{};
};

Snapshot snapshot(RawClient& c, int id, int64_t con_id) {
  gw::MarketDataRequest r;
  r.contract.con_id = con_id;
  r.contract.exchange = "SMART";
  r.snapshot = true;
  const auto t0 = std::chrono::steady_clock::now();
  c.send(gw::encode_req_mkt_data(200, id, r));
  Snapshot s;
  while (true) {
    s.messages.push_back(c.message(200));
    if (std::holds_alternative<gw::TickSnapshotEnd>(s.messages.back())) break;
    if (auto* e = std::get_if<gw::ErrorMessage>(&s.messages.back()); e && e->code != 10167) break;
  }
  s.took = std::chrono::steady_clock::now() - t0;
  return s;
}

TEST(SimMarketData, SnapshotsLiveDelayedAndRefused) {
  // Time scale 0.1: the snapshot ends after 1.1 s instead of 11 s.
  Sim sim = start_sim({"--scenario", permissions_scenario(), "--time-scale", "0.1"});
  auto c = client_at(sim.port, 200, 1);
  c->send(gw::encode_req_market_data_type(200, gw::market_data_type::kLive));

  auto live = snapshot(*c, 1, 1);
  EXPECT_GE(live.took, 1100ms);
  ASSERT_GE(live.messages.size(), 4u);
  auto params = std::get<gw::TickReqParams>(live.messages[0]);
  EXPECT_EQ(params.min_tick, 0.01);
  EXPECT_EQ(std::get<gw::MarketDataTypeMsg>(live.messages[1]).type, 1);
  std::map<int, double> prices;
  std::map<int, std::string> sizes, strings;
  for (const auto& m : live.messages) {
    if (auto* p = std::get_if<gw::TickPrice>(&m)) prices[p->tick_type] = p->price;
    if (auto* z = std::get_if<gw::TickSize>(&m)) sizes[z->tick_type] = z->size;
    if (auto* s = std::get_if<gw::TickString>(&m)) strings[s->tick_type] = s->value;
  }
  for (int t : {1, 2, 4, 6, 7, 9, 14}) EXPECT_TRUE(prices.count(t)) << t;
  for (int t : {0, 3, 5, 8}) EXPECT_TRUE(sizes.count(t)) << t;
  EXPECT_TRUE(strings.count(45));
  EXPECT_LT(prices[1], prices[2]);  // bid < ask
  EXPECT_LE(prices[7], prices[4]);  // low <= last <= high
  EXPECT_LE(prices[4], prices[6]);
  // The values are the series' "now".
  static const Scenario s = parse_scenario(R"({"accounts": ["DU1"], "contracts": [
    {"contract": {"con_id": 1, "symbol": "LIVE"}, "market_data": {"hours": "always", "base_price": 50}}]})");
  const auto q = quote_at(s.market_data[0], std::stoll(strings[45]), false);
  EXPECT_EQ(prices[1], q.bid);
  EXPECT_EQ(prices[2], q.ask);

  auto late = snapshot(*c, 2, 2);
  ASSERT_GE(late.messages.size(), 4u);
  EXPECT_EQ(std::get<gw::ErrorMessage>(late.messages[0]).code, 10167);
  EXPECT_EQ(std::get<gw::MarketDataTypeMsg>(late.messages[2]).type, 3);
  bool delayed_bid = false, live_tick = false;
  for (const auto& m : late.messages) {
    if (auto* p = std::get_if<gw::TickPrice>(&m)) {
      delayed_bid |= p->tick_type == gw::tick::kDelayedBid;
      live_tick |= !gw::is_delayed_tick(p->tick_type);
    }
  }
  EXPECT_TRUE(delayed_bid);
  EXPECT_FALSE(live_tick);
  EXPECT_TRUE(std::holds_alternative<gw::TickSnapshotEnd>(late.messages.back()));

  auto refused = snapshot(*c, 3, 3);
  ASSERT_EQ(refused.messages.size(), 1u);
  EXPECT_EQ(std::get<gw::ErrorMessage>(refused.messages[0]).code, 10168);
  EXPECT_EQ(std::get<gw::ErrorMessage>(refused.messages[0]).id, 3);
  // No permission: historical requests get 162 "No market data permissions ...".
  gw::HistoricalDataRequest h;
  h.contract.con_id = 3;
  h.duration = "1 D";
  h.bar_size = "1 hour";
  c->send(gw::encode_req_historical_data(200, 30, h));
  auto perm = std::get<gw::ErrorMessage>(c->message(200));
  EXPECT_EQ(perm.id, 30);
  EXPECT_EQ(perm.code, 162);
  EXPECT_NE(perm.message.find("No market data permissions for SMART STK"), std::string::npos)
      << perm.message;

  // A cancelled snapshot never ends; the next request is answered as usual.
  gw::MarketDataRequest r;
  r.contract.con_id = 1;
  r.snapshot = true;
  c->send(gw::encode_req_mkt_data(200, 4, r));
  c->send(gw::encode_cancel_mkt_data(200, 4));
  auto after = snapshot(*c, 5, 1);
  for (const auto& m : after.messages) {
    if (auto* e = std::get_if<gw::TickSnapshotEnd>(&m)) {
      EXPECT_EQ(e->req_id, 5);
    }
  }
}

TEST(SimMarketData, MarketTimeFreezesTheData) {
  // Friday 4 December 2026 15:00 EST.
  Sim sim = start_sim({"--market-time", "2026-12-04T20:00:00Z", "--time-scale", "0.02",
                       "--historical-pacing", "off"});
  auto c = client_at(sim.port, 200, 1);
  auto a = snapshot(*c, 1, 265598);
  auto b = snapshot(*c, 2, 265598);
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) {
    if (auto* p = std::get_if<gw::TickPrice>(&a.messages[i])) {
      auto q = std::get<gw::TickPrice>(b.messages[i]);
      EXPECT_EQ(p->price, q.price) << p->tick_type;
    }
    if (auto* t = std::get_if<gw::TickString>(&a.messages[i])) {
      EXPECT_EQ(t->value, "1796414400");  // the market time itself (in session)
    }
  }
  // "Now" for bars is the market time: a day back from Friday 15:00 is Thursday 15:00-16:00 and
  // Friday 09:30 .. 14:00.
  auto r = hourly("");
  c->send(gw::encode_req_historical_data(200, 3, r));
  auto bars = std::get<gw::HistoricalDataMsg>(c->message(200));
  ASSERT_EQ(bars.bars.size(), 7u);
  EXPECT_EQ(bars.bars.back().time, "1796410800");
}

TEST(SimMarketData, HostileGatewayStreamsBarsWithoutEnd) {
  // historical-no-end: the bars message over and over, never HISTORICAL_DATA_END, until the
  // flood's byte bound; the connection then serves requests again.
  Sim sim = start_sim(
      {"--fault", "historical-no-end", "--flood-bytes", "200000", "--historical-pacing", "off"});
  auto c = client_at(sim.port, 200, 1);
  c->send(gw::encode_req_historical_data(200, 7, hourly()));
  c->send(gw::encode_req_current_time(200));
  int bars = 0;
  while (true) {
    auto m = c->message(200);
    if (std::holds_alternative<gw::CurrentTime>(m)) break;
    ASSERT_FALSE(std::holds_alternative<gw::HistoricalDataEnd>(m)) << "the answer ended";
    auto& b = std::get<gw::HistoricalDataMsg>(m);
    EXPECT_EQ(b.req_id, 7);
    EXPECT_EQ(b.bars.size(), 7u);
    ++bars;
  }
  // currentTime may overtake the flood (the flood goes at the reader's pace): drain the rest.
  while (true) {
    auto r = c->next(500ms);
    if (r.status != RawClient::Status::kFrame) break;
    auto m = gw::decode_server_message(200, r.payload);
    ASSERT_FALSE(std::holds_alternative<gw::HistoricalDataEnd>(m));
    ++bars;
  }
  EXPECT_GT(bars, 10);
  c->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(c->message(200)));
}

TEST(SimMarketData, AtMostAHundredSnapshotsOpenPerConnection) {
  // Snapshots end after 11 s here: the 101st within that time is refused with IB's 101.
  Sim sim = start_sim({"--pacing", "off"});
  auto c = client_at(sim.port, 200, 1);
  gw::MarketDataRequest r;
  r.contract = test::aapl_by_id();
  for (int id = 1; id <= 101; ++id) c->send(gw::encode_req_mkt_data(200, id, r));
  while (true) {
    auto m = c->message(200);
    ASSERT_FALSE(std::holds_alternative<gw::TickSnapshotEnd>(m)) << "a snapshot ended early";
    if (auto* e = std::get_if<gw::ErrorMessage>(&m)) {
      EXPECT_EQ(e->code, 101);
      EXPECT_EQ(e->id, 101);
      break;
    }
  }
}

}  // namespace
}  // namespace intentq::sim
