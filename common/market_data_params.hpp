// IB's vocabulary for historical data requests (issue 19), checked and converted in one place for
// the params schema (common/params_schema.cpp, read by the broker and the worker) and for the
// market-data intents (worker/intents/): bar sizes, durations, IB's step limits, and the
// conversions between the ISO-8601 UTC times of the intents and IB's time fields.
//
// docs/protocol.md §9 (`historical_bars`) lists the rules; the step limits enforced here are the
// table below (kStepLimits), which follows IB's older published table for bars under one minute
// and caps every request at kMaxBarsPerRequest bars. The gateway still decides last: a request this
// table admits that IB refuses is answered with IB's `162 ... invalid step` (GATEWAY_ERROR).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace intentq::params::market_data {

struct BarSize {
  std::string_view name;  // IB's barSizeSetting, exactly as IB spells it
  int64_t seconds;        // 1W = 7 days, 1M = 30 days
  // The longest duration IB accepts for this bar size (seconds); 0 = only kMaxBarsPerRequest.
  int64_t max_duration_seconds;
};

// IB's bar sizes in increasing order (the list a 2025 gateway gives in its error 321).
std::span<const BarSize> bar_sizes();
const BarSize* find_bar_size(std::string_view name);
// The spellings accepted besides IB's own, each with the IB name it stands for ("1 sec" ->
// "1 secs", "1 hours" -> "1 hour", "1 week" -> "1W", ...). The schema maps them, so the broker's
// sharing key and the worker's request agree.
std::span<const std::pair<std::string_view, std::string_view>> bar_size_aliases();

// The most bars one request may cover (duration / bar size, counting every hour of the day): the
// worker's per-request row bound (gateway --gateway-max-rows default).
inline constexpr int64_t kMaxBarsPerRequest = 100000;

// The whatToShow values the intents accept (sim::WhatToShow has them in this order).
std::span<const std::string_view> what_to_show_values();

// durationStr "<n> S|D|W|M|Y" (n a positive integer, at most 86400 S, 365 D, 52 W, 12 M, 50 Y:
// beyond them IB wants the next unit) -> seconds (D = 86400, W = 7 D, M = 30 D, Y = 365 D); nullopt
// when malformed. `duration_error` says why, naming the allowed forms ("" when valid).
std::optional<int64_t> duration_seconds(std::string_view duration);
std::string duration_error(std::string_view duration);

// "" when `duration` fits `bar_size` (both valid), else the whole message naming the limit:
// "param 'duration' ('1 D') does not fit bar size '1 secs': IB allows at most 1800 S ...".
std::string step_error(std::string_view bar_size, std::string_view duration);

// ISO-8601 UTC "YYYY-MM-DDThh:mm:ssZ" -> epoch seconds; nullopt when malformed or not a real date.
std::optional<int64_t> parse_iso_utc(std::string_view iso);
std::string iso_error(std::string_view iso);  // "" when valid
// epoch seconds -> "YYYY-MM-DDThh:mm:ssZ"; and the date alone, "YYYY-MM-DD".
std::string iso_utc(int64_t epoch);
std::string iso_date(int64_t epoch);

// The endDateTime of reqHistoricalData for an intent's `end`: "" (now) when absent, else IB's UTC
// form "yyyymmdd-hh:mm:ss".
std::string ib_end_date_time(const std::optional<std::string>& iso_end);

// A time IB sent in a historical answer -> ISO-8601 UTC: epoch seconds (formatDate 2) ->
// "YYYY-MM-DDThh:mm:ssZ"; "yyyymmdd" (daily and longer bars) -> "YYYY-MM-DD"; "yyyymmdd hh:mm:ss"
// or "yyyymmdd-hh:mm:ss", optionally followed by UTC or GMT -> "YYYY-MM-DDThh:mm:ssZ". nullopt for
// anything else (a time in another zone is not guessed at).
std::optional<std::string> iso_from_ib(std::string_view ib_time);

}  // namespace intentq::params::market_data
