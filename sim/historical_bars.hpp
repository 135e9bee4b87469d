// The simulator's answers to reqHistoricalData and reqHeadTimestamp, computed from a contract's
// synthetic series (price_series.hpp) within its trading hours (market_hours.hpp). Pure: the
// request's fields and "now" go in; bars, or the error IB would send, come out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/market_data_spec.hpp"
#include "sim/selection.hpp"

namespace intentq::sim {

// ---- IB's parameter vocabulary ----
struct BarSize {
  enum class Unit { kSeconds, kDay, kWeek, kMonth };
  Unit unit = Unit::kSeconds;
  int64_t seconds = 0;  // kSeconds: the bar's length; otherwise its nominal length
  std::string_view name;
};
// IB's list ("1 secs" ... "1M"); anything else (e.g. "1 sec") is nullopt.
std::optional<BarSize> parse_bar_size(std::string_view s);
std::string legal_bar_sizes();  // "1 secs, 5 secs, ..., 1W, 1M" for error 321

struct Duration {
  int64_t n = 0;
  char unit = 'S';  // S, D, W, M, Y
};
std::optional<Duration> parse_duration(std::string_view s);  // "<n> S|D|W|M|Y", n >= 1
// The range's start for a range ending at `end` (calendar days, months, years).
int64_t duration_start(const Duration& d, int64_t end);
int64_t nominal_seconds(const Duration& d);  // D = 86400 s, W = 7 D, M = 31 D, Y = 366 D

// IB's step limits: the longest duration a bar size may be asked for (seconds), and whether a
// (duration, bar size) pair is allowed (the bar must also fit in the duration).
int64_t max_duration_seconds(const BarSize& b);
bool step_allowed(const Duration& d, const BarSize& b);

// endDateTime: "" (now), "yyyymmdd hh:mm:ss" with an optional zone (UTC, GMT, US/Eastern,
// US/Central, US/Pacific, EST5EDT, CST6CDT; none = UTC), "yyyymmdd-hh:mm:ss" (UTC) or
// "yyyymmdd" (00:00 UTC). nullopt when malformed.
std::optional<int64_t> parse_end_date_time(std::string_view s, int64_t now);

// ---- answers ----
struct HistoricalRequest {
  std::string end_date_time;
  std::string duration;
  std::string bar_size;
  std::string what_to_show;
  bool use_rth = true;
  int format_date = 2;
};

struct SimBar {
  std::string date;  // bar start: epoch seconds (formatDate 2), local time (1, 3), yyyymmdd (days+)
  double open = 0, high = 0, low = 0, close = 0;
  double volume = -1, wap = -1;
  int64_t count = -1;
  bool operator==(const SimBar&) const = default;
};

struct HistoricalAnswer {
  std::optional<RequestError> error;  // then nothing else is sent
  std::vector<SimBar> bars;
  std::string start, end;  // the range, in the request's date format
};

// `label` names the contract in IB's texts ("AAPL@SMART"). Errors, in order: formatDate not
// 1..3, an unknown bar size or whatToShow, a malformed duration or end -> 321; a duration longer
// than the bar size allows -> 162 "invalid step"; bars of 30 s or less starting more than six
// months before now, or no bar in the range -> 162 "HMDS query returned no data". Bars never lie
// before the head timestamp or after `now`.
HistoricalAnswer answer_historical(const MarketDataSpec& md, const HistoricalRequest& r,
                                   int64_t now, std::string_view label);

// The bar size in seconds of a valid request (for the pacing rules' "30 s or less"), or 0.
int64_t bar_seconds(std::string_view bar_size);

// reqHeadTimestamp: the first second with data (the head, moved to the first session second
// with `use_rth`), as epoch seconds (formatDate 2) or "yyyymmdd-hh:mm:ss" UTC (1).
struct HeadAnswer {
  std::optional<RequestError> error;
  std::string timestamp;
};
HeadAnswer answer_head_timestamp(const MarketDataSpec& md, std::string_view what_to_show,
                                 bool use_rth, int format_date, std::string_view label);

}  // namespace intentq::sim
