// The simulator's answers to market-data requests, built from a scenario contract's synthetic
// series with the codec at the connection's server version: reqHistoricalData (HISTORICAL_DATA
// in the layout of the version, plus HISTORICAL_DATA_END from 196), reqHeadTimestamp and
// reqMktData snapshots. Pure (no I/O, time passed in): the connection decides when to send and
// applies pacing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/messages.hpp"
#include "sim/scenario.hpp"
#include "sim/selection.hpp"

namespace intentq::sim {

// The contract a market-data request names: its index in the scenario's contracts, or the error
// IB sends (200 unknown; 200 ambiguous when several match).
struct ContractLookup {
  int index = -1;
  std::optional<RequestError> error;
};
ContractLookup find_market_contract(const Scenario& s, const gw::Contract& query);

// "AAPL@SMART" (IB's label in its 162 texts).
std::string contract_label(const gw::Contract& c);

// HISTORICAL_DATA (+ HISTORICAL_DATA_END at sv >= 196), or one ERR_MSG.
std::vector<std::string> historical_data_answer(const Scenario& s, int sv,
                                                const gw::ReqHistoricalData& r, int64_t now);
// HEAD_TIMESTAMP, or one ERR_MSG.
std::vector<std::string> head_timestamp_answer(const Scenario& s, int sv,
                                               const gw::ReqHeadTimestamp& r);

// A snapshot's messages up to (not including) TICK_SNAPSHOT_END; `ends` says whether
// TICK_SNAPSHOT_END follows (false when the answer was an error). `market_data_type` is the
// connection's reqMarketDataType setting.
struct SnapshotAnswer {
  std::vector<std::string> payloads;
  bool ends = false;
};
SnapshotAnswer snapshot_answer(const Scenario& s, int sv, const gw::ReqMktData& r,
                               int market_data_type, int64_t now);

// The quote values at UTC second `now` (the last session second at or before it), as a snapshot
// shows them; `delayed`: 15 minutes earlier, as IB's delayed data. For tests and the answers.
struct Quote {
  int64_t time = 0;  // the second the values are from (LAST_TIMESTAMP)
  double bid = 0, ask = 0, last = 0, high = 0, low = 0, open = 0, close = 0;
  int64_t bid_size = 0, ask_size = 0, last_size = 0, volume = 0;
  bool found = false;  // false: no session second in the last 14 days
};
Quote quote_at(const MarketDataSpec& md, int64_t now, bool delayed);

}  // namespace intentq::sim
