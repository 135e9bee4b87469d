// `intentq history`: how a time range becomes historical_bars requests (pure, unit-tested).
//
// Bars of one hour and less divide a whole hour, so their buckets start on multiples of the bar
// size in UTC as in any exchange time zone with whole-hour offsets. The range is cut on such
// multiples into chunks no longer than the historical_bars step limits allow
// (common/market_data_params): every bar lies in exactly one chunk, whole, so chunks put side by
// side give every bar once. Larger bars (2 hours, days, weeks, months) start at the session's
// local times, which the client does not know: their range goes in one request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/market_data_params.hpp"

namespace intentq::cli::history {

namespace md = params::market_data;

// [start, end) in epoch seconds.
struct Chunk {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const Chunk&) const = default;
};

// The longest chunk for a bar size of one hour or less: the step limit for bars under one minute
// (1 secs: 1800 S, ..., 30 secs: 28800 S); 7 days for 1 to 3 minutes, 30 days for 5 to 30 minutes,
// 365 days for one hour (each within kMaxBarsPerRequest bars). 0 for larger bars (one request).
int64_t chunk_seconds(const md::BarSize& bar);

// The range's first and last whole bar: `from` rounded up and `to` rounded down to the bar size
// (bars of one hour or less; larger bars keep the range as given).
Chunk align_range(int64_t from, int64_t to, const md::BarSize& bar);

// The chunks covering the aligned range [from, to) in time order: borders on multiples of
// chunk_seconds since the epoch (so a rerun cuts the same borders), the first and last ones
// shorter; one chunk for bars over one hour. Empty when from >= to.
std::vector<Chunk> plan_chunks(int64_t from, int64_t to, const md::BarSize& bar);

// The durationStr asking for at least the chunk: "<n> S" up to 86400 s, else whole days up to
// 365 D, else whole years (up to 50 Y); nullopt when longer than that. A request may reach back
// further than the chunk's start: the bars before it are dropped (keep_bar).
std::optional<std::string> chunk_duration(const Chunk& chunk);

// A bar's time as the intent gives it ("YYYY-MM-DDThh:mm:ssZ", or "YYYY-MM-DD" for daily and
// longer bars, read as 00:00 UTC) -> epoch seconds.
std::optional<int64_t> bar_epoch(std::string_view t);

// Where a rerun goes on after a file whose last bar starts at `last`: the next bar's start
// (`last` rounded down to the bar size, plus one bar; the next day for larger bars).
int64_t resume_point(int64_t last, const md::BarSize& bar);

}  // namespace intentq::cli::history
