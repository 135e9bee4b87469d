// The historical-bars request the market-data tests send to the simulator, and the answer the
// simulator's series computes for it: the session tests and the simulator's own wire tests compare
// what came back with the same expectation. Header-only: the tests that use it link intentq_sim.
#pragma once

#include <chrono>
#include <string>

#include "gateway/messages.hpp"
#include "sim/historical_bars.hpp"
#include "sim/market_data_answers.hpp"
#include "sim/scenario.hpp"

namespace intentq::test {

// AAPL as a client names it: by contract id, on SMART.
inline gw::Contract aapl_by_id() {
  gw::Contract c;
  c.con_id = 265598;
  c.exchange = "SMART";
  return c;
}

// Hourly TRADES bars of AAPL in regular trading hours, with epoch-second times.
inline gw::HistoricalDataRequest hourly_bars(std::string end, std::string duration) {
  gw::HistoricalDataRequest r;
  r.contract = aapl_by_id();
  r.end_date_time = std::move(end);
  r.duration = std::move(duration);
  r.bar_size = "1 hour";
  r.what_to_show = "TRADES";
  r.use_rth = true;
  r.format_date = 2;
  return r;
}

// What the simulator's series gives for `r` now (the default scenario's AAPL).
inline sim::HistoricalAnswer expected_bars(const gw::HistoricalDataRequest& r) {
  static const sim::Scenario s = sim::default_scenario();
  auto found = sim::find_market_contract(s, r.contract);
  sim::HistoricalRequest q{r.end_date_time, r.duration, r.bar_size,
                           r.what_to_show,  r.use_rth,  r.format_date};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return sim::answer_historical(s.market_data[static_cast<size_t>(found.index)], q, now,
                                "AAPL@SMART");
}

}  // namespace intentq::test
