// Plain data of IB's market-data requests and answers: historical bars, head timestamp, quote
// snapshots. The codec (gateway/messages_market_data.cpp) reads and writes these; the simulator
// serves them; the intents turn them into result maps.
//
// Conventions (on top of types.hpp's):
// - IB sends decimals (volume, wap, tick sizes) as strings; they stay the strings IB sent, so
//   nothing is lost or rounded on the way. decimal_value() turns one into a number, with IB's
//   "not applicable" (-1, empty, the unset sentinels) as std::nullopt.
// - A bar's time is the text IB sent (its START; epoch seconds with formatDate 2, yyyymmdd for
//   daily bars, "yyyymmdd hh:mm:ss TZ" with formatDate 1).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/types.hpp"

namespace intentq::gw {

// One bar of HISTORICAL_DATA (and of HISTORICAL_DATA_UPDATE).
struct Bar {
  std::string time;  // the bar's start, as sent
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  std::string volume = "-1";  // decimal as sent; "-1" = not applicable (MIDPOINT, BID, ASK)
  std::string wap = "-1";     // decimal as sent; "-1" = not applicable
  int count = -1;             // trades in the bar; -1 = not applicable

  bool operator==(const Bar&) const = default;
};

// A leg of a BAG contract (requests only; intentq sends none but the codec reads them).
struct ComboLegRef {
  int64_t con_id = 0;
  int ratio = 0;
  std::string action;  // BUY / SELL
  std::string exchange;

  bool operator==(const ComboLegRef&) const = default;
};

// reqHistoricalData's parameters (everything but the request id).
struct HistoricalDataRequest {
  Contract contract;               // includeExpired is sent; secIdType/secId/issuerId are not
  std::vector<ComboLegRef> legs;   // sec_type BAG only
  std::string end_date_time;       // "" = now; "yyyymmdd-hh:mm:ss" = UTC
  std::string bar_size = "1 day";  // IB's barSizeSetting: "1 secs", "1 min", "1 day", ...
  std::string duration = "1 D";    // IB's durationStr: "<n> S|D|W|M|Y"
  bool use_rth = true;
  std::string what_to_show = "TRADES";
  int format_date = 2;  // 1 = text with time zone, 2 = epoch seconds (intentq always sends 2)
  bool keep_up_to_date = false;
  std::string chart_options;  // IB's TagValue list, always empty today

  bool operator==(const HistoricalDataRequest&) const = default;
};

// reqHeadTimestamp's parameters.
struct HeadTimestampRequest {
  Contract contract;
  bool use_rth = true;
  std::string what_to_show = "TRADES";
  int format_date = 2;

  bool operator==(const HeadTimestampRequest&) const = default;
};

struct DeltaNeutral {
  int64_t con_id = 0;
  double delta = 0;
  double price = 0;

  bool operator==(const DeltaNeutral&) const = default;
};

// reqMktData's parameters. intentq asks for snapshots only (snapshot = true, no generic ticks).
struct MarketDataRequest {
  Contract contract;
  std::vector<ComboLegRef> legs;  // sec_type BAG only
  std::optional<DeltaNeutral> delta_neutral;
  std::string generic_ticks;  // must be empty with snapshot (IB answers 321)
  bool snapshot = true;
  bool regulatory_snapshot = false;
  std::string options;  // mktDataOptions; must be empty (IB refuses anything else)

  bool operator==(const MarketDataRequest&) const = default;
};

// reqMarketDataType's values (a per-connection setting for later reqMktData).
namespace market_data_type {
inline constexpr int kLive = 1;
inline constexpr int kFrozen = 2;
inline constexpr int kDelayed = 3;
inline constexpr int kDelayedFrozen = 4;
}  // namespace market_data_type

// IB's tick types that a quote snapshot uses (TICK_PRICE / TICK_SIZE / TICK_STRING ids).
namespace tick {
inline constexpr int kBidSize = 0;
inline constexpr int kBid = 1;
inline constexpr int kAsk = 2;
inline constexpr int kAskSize = 3;
inline constexpr int kLast = 4;
inline constexpr int kLastSize = 5;
inline constexpr int kHigh = 6;
inline constexpr int kLow = 7;
inline constexpr int kVolume = 8;
inline constexpr int kClose = 9;
inline constexpr int kOpen = 14;
inline constexpr int kLastTimestamp = 45;
inline constexpr int kDelayedBid = 66;
inline constexpr int kDelayedAsk = 67;
inline constexpr int kDelayedLast = 68;
inline constexpr int kDelayedBidSize = 69;
inline constexpr int kDelayedAskSize = 70;
inline constexpr int kDelayedLastSize = 71;
inline constexpr int kDelayedHigh = 72;
inline constexpr int kDelayedLow = 73;
inline constexpr int kDelayedVolume = 74;
inline constexpr int kDelayedClose = 75;
inline constexpr int kDelayedOpen = 76;
inline constexpr int kDelayedLastTimestamp = 88;
}  // namespace tick

// True for the delayed tick types (66..76, 88).
bool is_delayed_tick(int tick_type);
// The live tick type a delayed one stands for (66 -> 1 BID, 88 -> 45 ...); others unchanged.
int live_tick_type(int tick_type);
// The size tick that rides along a price tick in TICK_PRICE (BID -> BID_SIZE, DELAYED_ASK ->
// DELAYED_ASK_SIZE, ...), or -1 when there is none.
int size_tick_for_price(int tick_type);

// A decimal IB sent as text, as a number: nullopt for "", "-1" and IB's unset sentinels
// (IB's "not applicable"), and for text that is not a number.
std::optional<double> decimal_value(std::string_view text);

// What a historical-data request returned.
struct HistoricalBars {
  std::string start;  // the range IB answered (HISTORICAL_DATA below sv 196, else ..._END)
  std::string end;
  std::vector<Bar> bars;
  // IB answered 162 "HMDS query returned no data": an empty answer, not an error. The text is
  // IB's (localised); the intent reports an ok result with no bars.
  bool no_data = false;
  std::string no_data_message;
  std::vector<ErrorMessage> warnings;  // informational codes for the request id (e.g. 165)
};

// One TICK_PRICE as it arrived.
struct PriceTick {
  double price = 0;   // -1 (or 0 with size 0) = no data
  std::string size;   // the size that rode along, decimal as sent ("" when none)
  int attr_mask = 0;  // bit 0 canAutoExecute / bit 1 pastLimit / bit 2 preOpen ...

  bool operator==(const PriceTick&) const = default;
};

// What a market-data snapshot returned, up to TICK_SNAPSHOT_END.
struct MarketDataSnapshot {
  std::map<int, PriceTick> prices;          // TICK_PRICE by tick type (last one wins)
  std::map<int, std::string> sizes;         // TICK_SIZE by tick type; also the sizes that rode
                                            // along TICK_PRICE (a later TICK_SIZE wins)
  std::map<int, double> generics;           // TICK_GENERIC by tick type
  std::map<int, std::string> strings;       // TICK_STRING by tick type (45 = last timestamp)
  std::vector<int> tick_types;              // distinct tick types, in order of arrival
  std::optional<int> market_data_type;      // MARKET_DATA_TYPE (58) for the request
  std::optional<double> min_tick;           // TICK_REQ_PARAMS (81)
  std::string bbo_exchange;                 // TICK_REQ_PARAMS
  std::optional<int> snapshot_permissions;  // TICK_REQ_PARAMS
  std::vector<ErrorMessage> warnings;       // e.g. 10167 (delayed data follows), by request id

  // True if any delayed tick (66..76, 88) arrived.
  bool delayed() const;
};

}  // namespace intentq::gw
