// IB's historical-data pacing in intentq-gwsim, seen by a plain TWS client (raw wire, no broker):
// each rule broken on purpose makes its counter rise and gets IB's answer (162 pacing violation
// and nothing else for that request; 322 for the 51st open request), and a run within the rules
// leaves every counter at 0. The simulator runs with --time-scale 0.1 (the 15 s, 2 s and 10 min
// windows last 1.5 s, 0.2 s and 60 s), which only matters for the 2 s rule here: every other
// test finishes well within its window.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "gateway/messages.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/gwsim_stats.hpp"
#include "tests/support/process.hpp"
#include "tests/support/raw_tws_client.hpp"

namespace intentq::sim {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
constexpr int kSv = 200;

// stats(): the historical-pacing part of the simulator's counters.
struct Sim : test::GwsimProcess {
  test::GwsimStats::Historical stats() { return GwsimProcess::stats().historical; }
};

Sim start_sim(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--log-level", "warn", "--time-scale", "0.1",
                                // IB's 50 messages/s rule is another matter (sim_gwsim_test).
                                "--pacing", "off"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Sim{test::start_gwsim(test::Launch{std::move(args), {}, {}, "", 10s})};
}

// The default scenario's contracts (stocks, a future, an option) and three exchanges: 15
// (contract, exchange) keys, so that sequential requests never put 6 on one key.
constexpr int64_t kConIds[] = {265598, 272093, 3691937, 637533641, 812345678};
constexpr const char* kExchanges[] = {"SMART", "ISLAND", "ARCA"};

gw::Contract contract(int i) {
  gw::Contract c;
  c.con_id = kConIds[i % 5];
  c.exchange = kExchanges[(i / 5) % 3];
  return c;
}

// Request i: 30 one-minute bars ending i minutes after Friday 4 December 2026 15:00 UTC (inside
// every contract's hours), so no two requests are identical.
gw::HistoricalDataRequest bars(int i, std::string what = "TRADES") {
  gw::HistoricalDataRequest r;
  r.contract = contract(i);
  char end[32];
  std::snprintf(end, sizeof end, "20261204-%02d:%02d:00", 15 + i / 60, i % 60);
  r.end_date_time = end;
  r.duration = "1800 S";
  r.bar_size = "1 min";
  r.what_to_show = std::move(what);
  r.format_date = 2;
  return r;
}

gw::HeadTimestampRequest head(int i) {
  static const char* kWhat[] = {"TRADES", "MIDPOINT", "BID"};
  gw::HeadTimestampRequest h;
  h.contract.con_id = kConIds[i % 5];
  h.what_to_show = kWhat[(i / 5) % 3];
  h.use_rth = (i / 15) % 2 == 0;
  h.format_date = 1 + (i / 30) % 2;
  return h;
}

// How the simulator answered request `id`: "bars", "head", or "error <code>".
std::string answer_of(RawClient& c, int id) {
  while (true) {
    auto m = c.message(kSv);
    if (auto* e = std::get_if<gw::ErrorMessage>(&m)) {
      if (e->id == id) return "error " + std::to_string(e->code);
      continue;  // e.g. a farm notice
    }
    if (auto* b = std::get_if<gw::HistoricalDataMsg>(&m); b && b->req_id == id) {
      if (b->bars.empty()) return "empty";
      auto end = std::get<gw::HistoricalDataEnd>(c.message(kSv));
      return end.req_id == id ? "bars" : "bad end";
    }
    if (auto* h = std::get_if<gw::HeadTimestampMsg>(&m); h && h->req_id == id) return "head";
    ADD_FAILURE() << "unexpected message while waiting for request " << id;
    return "unexpected";
  }
}

// Sends reqHistoricalData `id` for `r` (reqHeadTimestamp for `h`) and returns how the simulator
// answered it (see answer_of).
std::string ask(RawClient& c, int id, const gw::HistoricalDataRequest& r) {
  c.send(gw::encode_req_historical_data(kSv, id, r));
  return answer_of(c, id);
}
std::string ask(RawClient& c, int id, const gw::HeadTimestampRequest& h) {
  c.send(gw::encode_req_head_timestamp(kSv, id, h));
  return answer_of(c, id);
}

// Everything sent before it has been handled once reqCurrentTime is answered (one connection is
// served in order); also shows that a refused request got nothing after its error.
void sync(RawClient& c) {
  c.send(gw::encode_req_current_time(kSv));
  auto m = c.message(kSv);
  ASSERT_TRUE(std::holds_alternative<gw::CurrentTime>(m))
      << "a refused request got more than its error";
}

std::unique_ptr<RawClient> client(Sim& sim, int id = 1) {
  return test::ready_client(sim.port, id);
}

void expect_counters(const test::GwsimStats::Historical& h, uint64_t identical, uint64_t same,
                     uint64_t window, uint64_t bid_ask, uint64_t open_limit) {
  EXPECT_EQ(h.violation("identical_15s"), identical);
  EXPECT_EQ(h.violation("same_contract_2s"), same);
  EXPECT_EQ(h.violation("window_10min"), window);
  EXPECT_EQ(h.violation("bid_ask_double"), bid_ask);
  EXPECT_EQ(h.open_limit_322, open_limit);
}

TEST(SimHistoricalPacingWire, WithinTheRulesEveryCounterStaysZero) {
  Sim sim = start_sim();
  auto c = client(sim);
  int id = 1;
  for (int i = 0; i < 20; ++i, ++id) ASSERT_EQ(ask(*c, id, bars(i)), "bars") << i;
  for (int i = 0; i < 4; ++i, ++id)  // BID_ASK counts twice: 28 of 60
    ASSERT_EQ(ask(*c, id, bars(20 + i, "BID_ASK")), "bars") << i;
  for (int i = 0; i < 10; ++i, ++id) {  // head timestamps, cancelled after their answer
    ASSERT_EQ(ask(*c, id, head(i)), "head") << i;
    c->send(gw::encode_cancel_head_timestamp(kSv, id));
  }
  sync(*c);
  auto h = sim.stats();
  EXPECT_EQ(h.requests, 34u);
  EXPECT_EQ(h.open_now, 0u);
  expect_counters(h, 0, 0, 0, 0, 0);
}

TEST(SimHistoricalPacingWire, IdenticalRequestWithinFifteenSeconds) {
  Sim sim = start_sim();
  auto c = client(sim);
  ASSERT_EQ(ask(*c, 1, bars(0)), "bars");
  c->send(gw::encode_req_historical_data(kSv, 2, bars(0)));
  auto m = std::get<gw::ErrorMessage>(c->message(kSv));
  EXPECT_EQ(m.id, 2);
  EXPECT_EQ(m.code, 162);
  EXPECT_NE(m.message.find("pacing violation"), std::string::npos) << m.message;
  sync(*c);
  expect_counters(sim.stats(), 1, 0, 0, 0, 0);
}

TEST(SimHistoricalPacingWire, SixForOneContractWithinTwoSeconds) {
  Sim sim = start_sim();
  auto c = client(sim);
  // Six different requests for AAPL@SMART TRADES at once.
  for (int id = 1; id <= 6; ++id) c->send(gw::encode_req_historical_data(kSv, id, bars(15 * id)));
  std::vector<std::string> answers;
  for (int id = 1; id <= 6; ++id) answers.push_back(answer_of(*c, id));
  EXPECT_EQ(answers,
            (std::vector<std::string>{"bars", "bars", "bars", "bars", "bars", "error 162"}));
  sync(*c);
  expect_counters(sim.stats(), 0, 1, 0, 0, 0);
}

// IB's 60 requests in ten minutes: `answered` requests of `what_to_show` fill the window (BID_ASK
// counts twice), and the next plain TRADES request is refused with 162.
struct WindowCase {
  const char* name;
  int answered;
  const char* what_to_show;
  uint64_t bid_ask_violations;  // the refused request is one when the window holds BID_ASK
};

void PrintTo(const WindowCase& w, std::ostream* os) {
  *os << w.name;
}

class SimHistoricalWindow : public ::testing::TestWithParam<WindowCase> {};

TEST_P(SimHistoricalWindow, TheRequestAfterAFullWindowGets162) {
  const WindowCase& w = GetParam();
  Sim sim = start_sim();
  auto c = client(sim);
  for (int id = 1; id <= w.answered; ++id)
    ASSERT_EQ(ask(*c, id, bars(id, w.what_to_show)), "bars") << id;
  EXPECT_EQ(ask(*c, w.answered + 1, bars(w.answered + 1)), "error 162");
  sync(*c);
  expect_counters(sim.stats(), 0, 0, 1, w.bid_ask_violations, 0);
}

INSTANTIATE_TEST_SUITE_P(SimHistoricalPacingWire, SimHistoricalWindow,
                         ::testing::Values(WindowCase{"SixtyOneWithinTenMinutes", 60, "TRADES", 0},
                                           // the 31st request: 61 counted of 60
                                           WindowCase{"BidAskCountsTwice", 30, "BID_ASK", 1}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SimHistoricalPacingWire, HeadTimestampsCountAndTheFiftyFirstOpenGets322) {
  Sim sim = start_sim();
  auto c = client(sim);
  // Head timestamps stay open until cancelled (IB counts them): 50 answered, none cancelled.
  for (int id = 1; id <= 50; ++id) ASSERT_EQ(ask(*c, id, head(id - 1)), "head") << id;
  c->send(gw::encode_req_historical_data(kSv, 51, bars(0)));
  auto e = std::get<gw::ErrorMessage>(c->message(kSv));
  EXPECT_EQ(e.id, 51);
  EXPECT_EQ(e.code, 322);
  sync(*c);
  auto h = sim.stats();
  EXPECT_EQ(h.open_now, 50u);
  expect_counters(h, 0, 0, 0, 0, 1);
  // Cancelling one makes room.
  c->send(gw::encode_cancel_head_timestamp(kSv, 1));
  EXPECT_EQ(ask(*c, 52, bars(1)), "bars");
  // A closed connection's requests are no longer open.
  c.reset();
  auto other = client(sim, 2);
  sync(*other);
  EXPECT_EQ(sim.stats().open_now, 0u);
}

TEST(SimHistoricalPacingWire, SmallBarsOnlyLeavesLargeBarsAlone) {
  Sim sim = start_sim({"--historical-pacing", "small"});
  auto c = client(sim);
  ASSERT_EQ(ask(*c, 1, bars(0)), "bars");
  c->send(gw::encode_req_historical_data(kSv, 2, bars(0)));  // identical, but 1-minute bars
  EXPECT_EQ(answer_of(*c, 2), "bars");
  auto small = bars(0);
  small.bar_size = "30 secs";
  ASSERT_EQ(ask(*c, 3, small), "bars");
  EXPECT_EQ(ask(*c, 4, small), "error 162");
  sync(*c);
  expect_counters(sim.stats(), 1, 0, 0, 0, 0);
}

}  // namespace
}  // namespace intentq::sim
