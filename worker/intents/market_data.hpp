// What the market-data intents (historical_bars, head_timestamp, quote; issue 19) share: their
// typed params, read through the shared schema (common/params_schema.cpp, whose IB vocabulary is
// common/market_data_params.hpp), and the `gateway` pin. The result maps are in
// market_data_results.hpp.
#pragma once

#include <optional>
#include <string>

#include "gateway/types.hpp"
#include "worker/intent.hpp"

namespace intentq::intents {

// What reqHistoricalData and reqHeadTimestamp both ask about: the contract's data of one kind
// (what_to_show: TRADES, MIDPOINT, ...), within regular trading hours or not; `gateway` pins the
// job.
struct HistoricalQuery {
  gw::Contract contract;
  std::string what_to_show;
  bool use_rth = true;
  std::optional<std::string> gateway;
  bool operator==(const HistoricalQuery&) const = default;
};

// historical_bars: reqHistoricalData, always formatDate 2 (epoch seconds), keepUpToDate 0.
struct HistoricalBarsParams : HistoricalQuery {
  std::optional<std::string> end;  // ISO-8601 UTC as given (normalised); nullopt = now
  std::string end_date_time;       // IB's endDateTime: "" (now) or "yyyymmdd-hh:mm:ss" (UTC)
  std::string duration;            // "<n> S|D|W|M|Y"
  std::string bar_size;            // IB's spelling ("1 min", "1 day", "1W")
  bool operator==(const HistoricalBarsParams&) const = default;
};
HistoricalBarsParams parse_historical_bars_params(const JobContext& job);

// head_timestamp: reqHeadTimestamp, formatDate 2.
struct HeadTimestampParams : HistoricalQuery {};
HeadTimestampParams parse_head_timestamp_params(const JobContext& job);

// quote: reqMktData snapshot after reqMarketDataType when the session's type differs.
struct QuoteParams {
  gw::Contract contract;
  std::string market_data_type = "live";  // live, frozen, delayed, delayed_frozen
  int market_data_type_code = 1;          // IB's 1..4 for reqMarketDataType
  std::optional<std::string> gateway;
  bool operator==(const QuoteParams&) const = default;
};
QuoteParams parse_quote_params(const JobContext& job);

// IB's code of a market data type name (live 1, frozen 2, delayed 3, delayed_frozen 4) and back.
int market_data_type_code(const std::string& name);
std::string market_data_type_name(int code);

// A job pinned to one gateway (`gateway` param) that reached a worker of another: BAD_REQUEST
// naming both. The broker routes such jobs only to workers of that gateway (docs/protocol.md
// §6.7); this is the worker's own check, like check_account.
void check_gateway(const std::optional<std::string>& gateway, const JobContext& job);

}  // namespace intentq::intents
