// Deterministic synthetic market data for one contract: a seeded walk at one-second resolution,
// computed, never stored.
//
// The bid at the start of every minute comes from multi-octave value noise over the minute index
// (octaves from one minute to ~32 years, so prices wander like a random walk over days and stay
// bounded over decades). Inside a minute a seeded path joins that bid to the next minute's,
// passing through the minute's high and low (a few ticks beyond both ends) at seeded seconds;
// the spread (1 or 2 ticks) and the volume per second are the minute's; trades happen at the bid
// or the ask by seeded bits, at the ask at the high and at the bid at the low.
//
// Every second is computed from its minute alone, and a whole minute's aggregate is computed in
// O(1) (closed-form sums over the path's straight pieces, bit counts), so a year of daily bars
// costs about as much as a day of one-second bars, with no memory held. A minute's aggregate is
// exactly the aggregate of its sixty seconds (tests check it), so bars of every size agree.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace intentq::sim {

// IB's whatToShow values the simulator serves. ADJUSTED_LAST equals TRADES (no splits or
// dividends in a synthetic series).
enum class WhatToShow {
  kTrades,
  kMidpoint,
  kBid,
  kAsk,
  kBidAsk,
  kAdjustedLast,
  kHistoricalVolatility,
  kOptionImpliedVolatility,
};
std::optional<WhatToShow> what_to_show_from_string(std::string_view s);  // "TRADES", ...
std::string_view to_string(WhatToShow w);
// True when bars carry volume, WAP and count (TRADES, ADJUSTED_LAST); the others send -1.
bool has_volume(WhatToShow w);
bool is_volatility(WhatToShow w);

struct SeriesParams {
  uint64_t seed = 1;
  double base_price = 100;          // the walk's centre
  double tick = 0.01;               // min tick; every bid/ask/trade price is a multiple of it
  int64_t volume_per_second = 400;  // the largest volume of one second
};

// Open/high/low/close in half ticks (a midpoint may fall between two ticks).
struct Ohlc {
  int64_t o = 0, h = 0, l = 0, c = 0;
};

// The aggregate of one or more consecutive seconds, for every whatToShow at once.
struct Summary {
  int64_t seconds = 0;
  Ohlc bid, ask, mid, trade, vol;    // vol: the volatility series in 1e-6 units
  int64_t sum_bid = 0, sum_ask = 0;  // sums of each second's opening bid / ask, half ticks
  int64_t volume = 0;
  int64_t wap_sum = 0;  // sum of each second's VWAP (ticks) times its volume
  int64_t count = 0;
};

class PriceSeries {
 public:
  explicit PriceSeries(SeriesParams p);
  const SeriesParams& params() const { return p_; }
  // The minute that starts at UTC second 60 * minute, whole, in O(1). `volatility`: also
  // compute the volatility series (costs a little more).
  Summary minute_summary(int64_t minute, bool volatility = false) const;
  // Its sixty seconds, one Summary each.
  void minute_seconds(int64_t minute, std::array<Summary, 60>& out, bool volatility = false) const;
  Summary second(int64_t utc, bool volatility = false) const;
  // The bid at the start of a minute, in ticks.
  int64_t minute_bid(int64_t minute) const;
  // Ticks -> price, rounded to 8 decimals so a price prints as its decimal ("201.93").
  double price(double ticks) const;

 private:
  struct Plan;
  Plan plan(int64_t minute, bool volatility) const;
  SeriesParams p_;
  // The last minute_bid() computed: walking minutes in order, each minute's end is the next
  // one's start, so this halves the noise evaluations. (A series belongs to one request.)
  mutable int64_t memo_minute_ = INT64_MIN;
  mutable int64_t memo_bid_ = 0;
};

// Adds up Summaries (in time order) into one bar of a whatToShow. Sums are integers, so a bar
// does not depend on how its seconds were grouped.
class BarAccumulator {
 public:
  explicit BarAccumulator(WhatToShow w) : w_(w) {}
  void add(const Summary& s);
  bool empty() const { return s_.seconds == 0; }

  struct Bar {
    double open = 0, high = 0, low = 0, close = 0;
    double volume = -1;  // -1 = not applicable (IB's convention)
    double wap = -1;
    int64_t count = -1;
  };
  Bar bar(const PriceSeries& series) const;

 private:
  WhatToShow w_;
  Summary s_;
};

// The seed of a contract's series: from its con_id, or its symbol when it has none.
uint64_t series_seed(int64_t con_id, std::string_view symbol);

}  // namespace intentq::sim
