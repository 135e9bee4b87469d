// What a scenario says about one contract's market data (the "market_data" object of a
// contracts[] entry; every key optional): its trading hours, its synthetic series, its first
// available data and the client's permission for live data.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "gateway/types.hpp"
#include "sim/market_hours.hpp"
#include "sim/price_series.hpp"

namespace intentq::sim {

// Live-data permission of a contract: live ticks; delayed only (10167, then delayed ticks); none
// (10168).
enum class LivePermission { kLive, kDelayed, kNone };
std::optional<LivePermission> permission_from_string(std::string_view s);  // live|delayed|none
std::string_view to_string(LivePermission p);

struct MarketDataSpec {
  HoursKind hours = HoursKind::kUsStock;
  SeriesParams series;
  int64_t head_timestamp = 0;  // UTC seconds: no data before it
  LivePermission permission = LivePermission::kLive;
};

// The defaults for a contract of the scenario: hours from its sec type; seed from its con_id
// (or symbol); tick = its min_tick (0.01 when unset); base price 20..520 from the seed (futures
// 1000..6000); head timestamp 2004-01-02 for stocks, FX and others, two years before expiry for
// futures, one year for options (when the contract names a yyyymmdd expiry); permission live.
MarketDataSpec default_market_data(const gw::ContractDetails& d);

}  // namespace intentq::sim
