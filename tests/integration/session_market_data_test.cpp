// The client session's market-data requests against the real simulator (intentq-gwsim):
// historical bars at both HISTORICAL_DATA layouts (sv 195 and 200) equal to what the simulator's
// series computes, IB's no-data answer as an empty result, errors by code, the head timestamp and
// its cancel, and quote snapshots (live, delayed after 10167, refused with 10168) with the
// connection's market data type set only when it changes. The simulator's counters (SIGUSR1)
// show what the session sent.
//
// Every wait is bounded: coroutines run on a test-owned io_context until done or a limit.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/asio.hpp"
#include "gateway/ib_errors.hpp"
#include "gateway/session.hpp"
#include "sim/historical_bars.hpp"
#include "sim/market_data_answers.hpp"
#include "sim/scenario.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/historical_samples.hpp"
#include "tests/support/process.hpp"

namespace intentq::gw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Kind = GatewayError::Kind;

// ---- Running coroutines from a test ----

template <class T>
T run(asio::io_context& io, awaitable<T> task, std::chrono::milliseconds limit = 20s) {
  bool done = false;
  std::optional<T> value;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) value = std::move(v);
    done = true;
  });
  const auto deadline = Clock::now() + limit;
  while (!done) {
    if (io.stopped()) io.restart();
    if (io.run_one_until(deadline) == 0 && Clock::now() >= deadline)
      throw std::runtime_error("task not finished within " + std::to_string(limit.count()) + " ms");
  }
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

void run(asio::io_context& io, awaitable<void> task, std::chrono::milliseconds limit = 20s) {
  auto as_int = [](awaitable<void> t) -> awaitable<int> {
    co_await std::move(t);
    co_return 0;
  };
  run(io, as_int(std::move(task)), limit);
}

template <class T>
GatewayError run_error(asio::io_context& io, awaitable<T> task) {
  try {
    run(io, std::move(task));
  } catch (const GatewayError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a GatewayError, but the request succeeded";
  return GatewayError(Kind::kIb, "no error");
}

// ---- The simulator ----

struct Sim : test::GwsimProcess {
  // The simulator's counters, as its SIGUSR1 line prints them.
  nlohmann::json stats() {
    auto stats = test::request_gwsim_stats(*process, 10s);
    if (!stats)
      throw std::runtime_error("no gwsim_stats line within 10 s:\n" + process->output_text());
    return *stats;
  }
  static int64_t sent(const nlohmann::json& stats, const std::string& message) {
    return stats["requests"].value(message, int64_t{0});
  }
  // Polls the counters until `message` was received `n` times (the simulator may not have read
  // the last bytes yet); returns the last count seen.
  int64_t wait_sent(const std::string& message, int64_t n) {
    const auto deadline = Clock::now() + 5s;
    int64_t got = sent(stats(), message);
    while (got < n && Clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);  // a poll interval, not a synchronisation
      got = sent(stats(), message);
    }
    return got;
  }
};

Sim start_sim(std::vector<std::string> args) {
  args.insert(args.begin(), {"--log-level", "warn"});
  return Sim{test::start_gwsim(test::Launch{std::move(args), {}, {}, "", 10s})};
}

std::shared_ptr<Session> connect(asio::io_context& io, uint16_t port, int max_version) {
  SessionOptions o;
  o.port = port;
  o.max_version = max_version;
  auto s = run(io, Session::connect(o));
  EXPECT_EQ(s->server_version(), max_version);
  return s;
}

// Two days of hourly bars up to a Friday's close.
HistoricalDataRequest hourly() {
  return test::hourly_bars("20261204-21:00:00", "2 D");
}

std::optional<double> as_value(double sim_value) {
  if (sim_value == -1) return std::nullopt;
  return sim_value;
}

TEST(SessionMarketData, HistoricalBarsAtBothLayoutsEqualTheSeries) {
  Sim sim = start_sim({"--historical-pacing", "off"});
  asio::io_context io;
  for (int sv : {195, 200}) {
    SCOPED_TRACE(sv);
    auto session = connect(io, sim.port, sv);
    for (std::string what : {"TRADES", "MIDPOINT"}) {
      SCOPED_TRACE(what);
      auto r = hourly();
      r.what_to_show = what;
      auto got = run(io, session->historical_data(r));
      auto want = test::expected_bars(r);
      ASSERT_FALSE(want.error);
      EXPECT_FALSE(got.no_data);
      EXPECT_EQ(got.start, want.start);
      EXPECT_EQ(got.end, want.end);
      ASSERT_EQ(got.bars.size(), want.bars.size());
      ASSERT_FALSE(got.bars.empty());
      for (size_t i = 0; i < got.bars.size(); ++i) {
        const auto& g = got.bars[i];
        const auto& w = want.bars[i];
        EXPECT_EQ(g.time, w.date) << i;
        EXPECT_EQ(g.open, w.open) << i;
        EXPECT_EQ(g.high, w.high) << i;
        EXPECT_EQ(g.low, w.low) << i;
        EXPECT_EQ(g.close, w.close) << i;
        EXPECT_EQ(decimal_value(g.volume), as_value(w.volume)) << i;
        EXPECT_EQ(decimal_value(g.wap), as_value(w.wap)) << i;
        EXPECT_EQ(g.count, w.count) << i;
      }
    }
    run(io, session->close());
  }
}

TEST(SessionMarketData, NoDataIsEmptyAndErrorsGoByCode) {
  Sim sim = start_sim({"--historical-pacing", "off"});
  asio::io_context io;
  auto session = connect(io, sim.port, 200);

  // Bars of 30 s or less older than six months: IB answers 162 "no data" -> an empty answer.
  auto old = hourly();
  old.end_date_time = "20250102-15:00:00";
  old.duration = "60 S";
  old.bar_size = "1 secs";
  auto empty = run(io, session->historical_data(old));
  EXPECT_TRUE(empty.no_data);
  EXPECT_TRUE(empty.bars.empty());
  EXPECT_FALSE(empty.no_data_message.empty());

  auto step = hourly();
  step.bar_size = "1 secs";
  step.duration = "1 D";
  auto e = run_error(io, session->historical_data(step));
  EXPECT_EQ(e.kind, Kind::kIb);
  EXPECT_EQ(e.ib_code, 162);
  EXPECT_EQ(classify_ib_error(e.ib_code, e.what()).kind, IbErrorKind::kInvalidStep) << e.what();

  auto bad_size = hourly();
  bad_size.bar_size = "1 sec";
  e = run_error(io, session->historical_data(bad_size));
  EXPECT_EQ(e.ib_code, 321) << e.what();

  auto unknown = hourly();
  unknown.contract.con_id = 999;
  e = run_error(io, session->historical_data(unknown));
  EXPECT_EQ(e.ib_code, 200) << e.what();
  EXPECT_EQ(classify_ib_error(e.ib_code).kind, IbErrorKind::kNoSecurityDefinition);

  // The session is still usable after all of that.
  EXPECT_FALSE(run(io, session->historical_data(hourly())).bars.empty());
}

TEST(SessionMarketData, HeadTimestampIsAlwaysCancelled) {
  Sim sim = start_sim({});
  asio::io_context io;
  auto session = connect(io, sim.port, 200);
  HeadTimestampRequest r;
  r.contract = test::aapl_by_id();
  EXPECT_EQ(run(io, session->head_timestamp(r)), "1073053800");  // 2004-01-02 09:30 EST
  // The cancel was queued with the answer: once a later answer is back, the simulator has it.
  run(io, session->current_time());
  auto stats = sim.stats();
  EXPECT_EQ(sim.sent(stats, "reqHeadTimestamp"), 1);
  EXPECT_EQ(sim.sent(stats, "cancelHeadTimestamp"), 1);
  EXPECT_EQ(stats["historical"]["open_now"], 0) << stats.dump();
}

// Three contracts: live data (LIVE), delayed only (LATE), no permission (NONE).
std::string permissions_scenario() {
  return test::data_file("market_data_permissions_scenario.json");
}

MarketDataRequest quote(int64_t con_id) {
  MarketDataRequest r;
  r.contract.con_id = con_id;
  r.contract.exchange = "SMART";
  return r;
}

TEST(SessionMarketData, SnapshotsLiveDelayedRefusedAndTheTypePerConnection) {
  // Time scale 0.1: a snapshot ends after 1.1 s instead of 11 s.
  const auto path = permissions_scenario();
  Sim sim = start_sim({"--scenario", path, "--time-scale", "0.1"});
  asio::io_context io;
  auto session = connect(io, sim.port, 200);

  auto live = run(io, session->snapshot(quote(1)));
  EXPECT_FALSE(live.delayed());
  EXPECT_EQ(live.market_data_type, market_data_type::kLive);
  EXPECT_EQ(live.min_tick, 0.01);
  EXPECT_TRUE(live.warnings.empty());
  for (int t : {tick::kBid, tick::kAsk, tick::kLast}) EXPECT_TRUE(live.prices.count(t)) << t;
  for (int t : {tick::kBidSize, tick::kAskSize, tick::kVolume}) EXPECT_TRUE(live.sizes.count(t));
  EXPECT_LT(live.prices.at(tick::kBid).price, live.prices.at(tick::kAsk).price);

  // No live permission: 10167 rides along, delayed ticks follow, the answer completes.
  auto late = run(io, session->snapshot(quote(2)));
  EXPECT_TRUE(late.delayed());
  EXPECT_EQ(late.market_data_type, market_data_type::kDelayed);
  ASSERT_EQ(late.warnings.size(), 1u);
  EXPECT_EQ(late.warnings[0].code, 10167);
  EXPECT_TRUE(late.prices.count(tick::kDelayedBid));

  auto e = run_error(io, session->snapshot(quote(3)));
  EXPECT_EQ(e.kind, Kind::kIb);
  EXPECT_EQ(e.ib_code, 10168);
  EXPECT_EQ(classify_ib_error(e.ib_code).kind, IbErrorKind::kNoMarketDataPermission);

  // So far every snapshot was live, the connection's default: no reqMarketDataType sent.
  EXPECT_EQ(sim.sent(sim.stats(), "reqMarketDataType"), 0);
  // Two at once with different types, then the same type again: one reqMarketDataType each time
  // the type changes, and each snapshot is answered.
  int answered = 0;
  for (int type : {market_data_type::kDelayed, market_data_type::kLive})
    asio::co_spawn(
        io, session->snapshot(quote(1), type),
        [&](std::exception_ptr e, MarketDataSnapshot s) { answered += !e && !s.prices.empty(); });
  const auto deadline = Clock::now() + 20s;
  while (answered < 2 && Clock::now() < deadline) io.run_one_for(100ms);
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(sim.sent(sim.stats(), "reqMarketDataType"), 2);
  run(io, session->snapshot(quote(1), market_data_type::kLive));
  run(io, session->snapshot(quote(1), market_data_type::kDelayedFrozen));
  run(io, session->snapshot(quote(1), market_data_type::kDelayedFrozen));
  auto stats = sim.stats();
  EXPECT_EQ(sim.sent(stats, "reqMarketDataType"), 3);
  EXPECT_EQ(sim.sent(stats, "reqMktData"), 8);
  EXPECT_EQ(sim.sent(stats, "cancelMktData"), 0) << "a complete snapshot needs no cancel";
}

TEST(SessionMarketData, AnAbandonedSnapshotIsCancelled) {
  const auto path = permissions_scenario();
  Sim sim = start_sim({"--scenario", path, "--time-scale", "0.1"});
  asio::io_context io;
  auto session = connect(io, sim.port, 200);
  // The caller gives up before the snapshot's end (its deadline): close() cancels it on the wire.
  bool gave_up = false;
  asio::co_spawn(io, session->snapshot(quote(1)),
                 [&](std::exception_ptr e, MarketDataSnapshot) { gave_up = e != nullptr; });
  io.run_for(200ms);
  run(io, session->close());
  io.run_for(100ms);
  EXPECT_TRUE(gave_up);
  EXPECT_EQ(sim.wait_sent("cancelMktData", 1), 1);
  EXPECT_EQ(sim.sent(sim.stats(), "reqMktData"), 1);
}

}  // namespace
}  // namespace intentq::gw
