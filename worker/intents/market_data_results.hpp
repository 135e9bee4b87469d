// Market-data answers -> result maps (docs/protocol.md §9 `historical_bars`, `head_timestamp`,
// `quote`). Times are ISO-8601 UTC (common/market_data_params.hpp), numbers are numbers, and IB's
// "not applicable" (-1) is null: a bar's volume, wap and count for MIDPOINT/BID/ASK, a quote's
// missing ticks.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "gateway/market_data.hpp"
#include "worker/intents/market_data.hpp"

namespace intentq::intents {

// One bar: {t, o, h, l, c, v, wap, n}; `t` its start (ISO-8601 UTC, or the date for daily and
// longer bars). A time IB sent that cannot be read is a protocol error (GATEWAY_ERROR), never
// passed on as something else.
nlohmann::json bar_json(const gw::Bar& bar);

// The historical_bars result: {contract, bar_size, what_to_show, start, end, bars, [no_data,
// message]}. `contract` echoes the request's contract as a contract map; `start`/`end` are the
// range IB answered (ISO-8601 UTC, IB's text when it named another zone). With IB's 162 "HMDS
// query returned no data" the result is ok: `bars` empty, `no_data: true` and IB's text in
// `message`.
nlohmann::json historical_bars_json(const HistoricalBarsParams& params,
                                    const gw::HistoricalBars& answer);

// The quote result: {bid, ask, last, bid_size, ask_size, last_size, high, low, open, close,
// volume, last_time, market_data_type, delayed}; every value null when IB sent none (or -1).
// Delayed ticks (66..76, 88) fill the same keys; `delayed` says whether any arrived,
// `market_data_type` is IB's MARKET_DATA_TYPE answer (or the one asked for when IB sent none).
nlohmann::json quote_json(const gw::MarketDataSnapshot& snapshot, int asked_market_data_type);

}  // namespace intentq::intents
