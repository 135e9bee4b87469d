#include "sim/price_series.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

#include "common/enum_names.hpp"
#include "common/market_data_params.hpp"

namespace intentq::sim {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [-1, 1) from (seed, octave, knot).
double knot(uint64_t seed, int octave, int64_t j) {
  uint64_t h = mix(seed ^ (static_cast<uint64_t>(octave) << 56) ^
                   (static_cast<uint64_t>(j) * 0x9e3779b97f4a7c15ULL));
  return static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;
}

constexpr int kOctaves = 13;  // periods 4^0 .. 4^12 minutes (1 minute .. ~32 years)

// Sum of the octaves' linearly interpolated knots at `minute`, octave k weighted by amp(k).
template <class Amp>
double value_noise(uint64_t seed, int64_t minute, Amp amp) {
  double r = 0;
  for (int k = 0; k < kOctaves; ++k) {
    const int64_t period = int64_t{1} << (2 * k);
    int64_t j = minute >= 0 ? minute / period : -((-minute + period - 1) / period);
    const double frac = static_cast<double>(minute - j * period) / static_cast<double>(period);
    const double v = knot(seed, k, j) * (1 - frac) + knot(seed, k, j + 1) * frac;
    r += amp(k) * v;
  }
  return r;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// A number in [0, n) from 16 random bits, without a division.
int64_t below(uint64_t bits16, int64_t n) {
  return static_cast<int64_t>(((bits16 & 0xffff) * static_cast<uint64_t>(n)) >> 16);
}

double round8(double x) {
  return std::round(x * 1e8) / 1e8;
}

}  // namespace

// WhatToShow lists IB's values in the order the shared list has them.
std::optional<WhatToShow> what_to_show_from_string(std::string_view s) {
  return value_of<WhatToShow>(params::market_data::what_to_show_values(), s);
}

std::string_view to_string(WhatToShow w) {
  return name_of(params::market_data::what_to_show_values(), w);
}

bool has_volume(WhatToShow w) {
  return w == WhatToShow::kTrades || w == WhatToShow::kAdjustedLast;
}

uint64_t series_seed(int64_t con_id, std::string_view symbol) {
  if (con_id != 0) return mix(static_cast<uint64_t>(con_id));
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : symbol) h = (h ^ c) * 0x100000001b3ULL;
  return mix(h);
}

bool is_volatility(WhatToShow w) {
  return w == WhatToShow::kHistoricalVolatility || w == WhatToShow::kOptionImpliedVolatility;
}

namespace {

// sum_{i=0}^{n-1} floor((a*i + b) / m) for a, b >= 0, m >= 1 (the classic O(log) algorithm).
int64_t floor_sum(int64_t n, int64_t m, int64_t a, int64_t b) {
  int64_t ans = 0;
  while (true) {
    if (a >= m) {
      ans += (n - 1) * n / 2 * (a / m);
      a %= m;
    }
    if (b >= m) {
      ans += n * (b / m);
      b %= m;
    }
    const int64_t y_max = a * n + b;
    if (y_max < m) break;
    n = y_max / m;
    b = y_max % m;
    std::swap(m, a);
  }
  return ans;
}

// The path's value at x on the straight piece (x0, y0) -> (x1, y1), truncated toward y0.
int64_t on_piece(int x0, int64_t y0, int x1, int64_t y1, int x) {
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

// sum of on_piece over x in [x0, x1).
int64_t piece_sum(int x0, int64_t y0, int x1, int64_t y1) {
  const int64_t len = x1 - x0, d = y1 - y0;
  const int64_t steps = floor_sum(len, len, d < 0 ? -d : d, 0);
  return len * y0 + (d < 0 ? -steps : steps);
}

constexpr uint64_t kLow60 = (uint64_t{1} << 60) - 1;

void merge(Ohlc& a, const Ohlc& b) {
  a.h = std::max(a.h, b.h);
  a.l = std::min(a.l, b.l);
  a.c = b.c;
}

Ohlc from_ticks(int64_t o, int64_t h, int64_t l, int64_t c, int64_t add_half = 0) {
  return {2 * o + add_half, 2 * h + add_half, 2 * l + add_half, 2 * c + add_half};
}

}  // namespace

struct PriceSeries::Plan {
  int64_t k0, k1, s, hi, lo;
  int p1, p2;  // the path: (0, k0) -> (p1, y1) -> (p2, y2) -> (60, k1)
  int64_t y1, y2;
  uint64_t trade_bits;  // bit j: the trade price at second j is the ask (else the bid)
  uint64_t count_bits;  // bit i: second i has two trades (else one)
  int64_t q;            // volume of every second of the minute
  int64_t vol;          // volatility series, 1e-6 units

  int64_t bid(int x) const {
    if (x <= p1) return on_piece(0, k0, p1, y1, x);
    if (x <= p2) return on_piece(p1, y1, p2, y2, x);
    return on_piece(p2, y2, 60, k1, x);
  }
  int64_t trade(int x) const { return bid(x) + s * static_cast<int64_t>((trade_bits >> x) & 1); }
  int64_t bid_sum() const {  // seconds 0..59
    return piece_sum(0, k0, p1, y1) + piece_sum(p1, y1, p2, y2) + piece_sum(p2, y2, 60, k1);
  }
};

PriceSeries::PriceSeries(SeriesParams p) : p_(p) {
  if (!(p_.tick > 0)) p_.tick = 0.01;
  if (!(p_.base_price > 0)) p_.base_price = 100;
  if (p_.volume_per_second < 1) p_.volume_per_second = 1;
}

int64_t PriceSeries::minute_bid(int64_t minute) const {
  if (minute == memo_minute_) return memo_bid_;
  // Octave k moves the log price by up to 0.0008 * 2^k, capped at 0.25: a minute moves ~0.08%,
  // a day a few percent, and decades stay within a factor of ~4 of the base.
  const double r =
      value_noise(p_.seed, minute, [](int k) { return std::min(0.0008 * double(1 << k), 0.25); });
  memo_minute_ = minute;
  memo_bid_ = std::max<int64_t>(4, std::llround(p_.base_price * std::exp(r) / p_.tick));
  return memo_bid_;
}

double PriceSeries::price(double ticks) const {
  return round8(ticks * p_.tick);
}

PriceSeries::Plan PriceSeries::plan(int64_t m, bool volatility) const {
  Plan pl;
  pl.k0 = minute_bid(m);  // usually the memo of the previous minute's k1
  pl.k1 = minute_bid(m + 1);
  const uint64_t h0 = mix(p_.seed ^ mix(static_cast<uint64_t>(m) ^ 0xabcdefULL));
  const uint64_t h1 = mix(h0), h2 = mix(h1), h3 = mix(h2);
  pl.s = (h0 & 3) == 3 ? 2 : 1;
  pl.hi = std::max(pl.k0, pl.k1) + below(h0 >> 2, 3);
  pl.lo = std::max<int64_t>(1, std::min(pl.k0, pl.k1) - below(h0 >> 18, 3));
  pl.p1 = 1 + static_cast<int>(below(h0 >> 34, 58));                  // 1..58
  pl.p2 = pl.p1 + 1 + static_cast<int>(below(h0 >> 48, 59 - pl.p1));  // p1+1..59
  const bool high_first = (h1 >> 63) & 1;
  pl.y1 = high_first ? pl.hi : pl.lo;
  pl.y2 = high_first ? pl.lo : pl.hi;
  const int p_hi = high_first ? pl.p1 : pl.p2, p_lo = high_first ? pl.p2 : pl.p1;
  // Trades at the ask at the high and at the bid at the low, so the minute's trade high and low
  // are known without visiting its seconds.
  pl.trade_bits =
      ((h1 & ((uint64_t{1} << 61) - 1)) | (uint64_t{1} << p_hi)) & ~(uint64_t{1} << p_lo);
  pl.count_bits = h2;
  pl.q = 1 + below(h3, p_.volume_per_second);
  pl.vol = 0;
  if (volatility) {
    const double vn = value_noise(p_.seed ^ 0x5eed, m, [](int k) { return k < 4 ? 0.0 : 0.08; });
    pl.vol = std::llround((0.25 + 0.2 * std::tanh(vn)) * 1e6);
  }
  return pl;
}

Summary PriceSeries::minute_summary(int64_t m, bool volatility) const {
  const Plan pl = plan(m, volatility);
  Summary s;
  s.seconds = 60;
  s.bid = from_ticks(pl.k0, pl.hi, pl.lo, pl.k1);
  s.ask = from_ticks(pl.k0 + pl.s, pl.hi + pl.s, pl.lo + pl.s, pl.k1 + pl.s);
  s.mid = from_ticks(pl.k0, pl.hi, pl.lo, pl.k1, pl.s);
  s.trade = from_ticks(pl.trade(0), pl.hi + pl.s, pl.lo, pl.trade(60));
  s.vol = {pl.vol, pl.vol, pl.vol, pl.vol};
  const int64_t bids = pl.bid_sum();
  s.sum_bid = 2 * bids;
  s.sum_ask = 2 * (bids + 60 * pl.s);
  s.volume = 60 * pl.q;
  s.wap_sum = pl.q * (bids + pl.s * std::popcount(pl.trade_bits & kLow60));
  s.count = 60 + (pl.q >= 2 ? std::popcount(pl.count_bits & kLow60) : 0);
  return s;
}

void PriceSeries::minute_seconds(int64_t m, std::array<Summary, 60>& out, bool volatility) const {
  const Plan pl = plan(m, volatility);
  int64_t b0 = pl.k0, t0 = pl.trade(0);
  for (int i = 0; i < 60; ++i) {
    const int64_t b1 = pl.bid(i + 1), t1 = pl.trade(i + 1);
    const int64_t bh = std::max(b0, b1), bl = std::min(b0, b1);
    Summary& s = out[static_cast<size_t>(i)];
    s.seconds = 1;
    s.bid = from_ticks(b0, bh, bl, b1);
    s.ask = from_ticks(b0 + pl.s, bh + pl.s, bl + pl.s, b1 + pl.s);
    s.mid = from_ticks(b0, bh, bl, b1, pl.s);
    s.trade = from_ticks(t0, std::max(t0, t1), std::min(t0, t1), t1);
    s.vol = {pl.vol, pl.vol, pl.vol, pl.vol};
    s.sum_bid = 2 * b0;
    s.sum_ask = 2 * (b0 + pl.s);
    s.volume = pl.q;
    s.wap_sum = pl.q * t0;  // a second's trades happen at its opening trade price
    s.count = 1 + (pl.q >= 2 ? static_cast<int64_t>((pl.count_bits >> i) & 1) : 0);
    b0 = b1, t0 = t1;
  }
}

Summary PriceSeries::second(int64_t utc, bool volatility) const {
  std::array<Summary, 60> block;
  const int64_t m = floor_div(utc, 60);
  minute_seconds(m, block, volatility);
  return block[static_cast<size_t>(utc - m * 60)];
}

void BarAccumulator::add(const Summary& x) {
  if (s_.seconds == 0) {
    s_ = x;
    return;
  }
  merge(s_.bid, x.bid);
  merge(s_.ask, x.ask);
  merge(s_.mid, x.mid);
  merge(s_.trade, x.trade);
  merge(s_.vol, x.vol);
  s_.seconds += x.seconds;
  s_.sum_bid += x.sum_bid;
  s_.sum_ask += x.sum_ask;
  s_.volume += x.volume;
  s_.wap_sum += x.wap_sum;
  s_.count += x.count;
}

BarAccumulator::Bar BarAccumulator::bar(const PriceSeries& series) const {
  Bar b;
  if (s_.seconds == 0) return b;
  auto prices = [&](const Ohlc& x) {
    b.open = series.price(x.o / 2.0), b.high = series.price(x.h / 2.0);
    b.low = series.price(x.l / 2.0), b.close = series.price(x.c / 2.0);
  };
  switch (w_) {
    case WhatToShow::kTrades:
    case WhatToShow::kAdjustedLast:
      prices(s_.trade);
      b.volume = static_cast<double>(s_.volume);
      b.wap = series.price(static_cast<double>(s_.wap_sum) / static_cast<double>(s_.volume));
      b.count = s_.count;
      break;
    case WhatToShow::kMidpoint:
      prices(s_.mid);
      break;
    case WhatToShow::kBid:
      prices(s_.bid);
      break;
    case WhatToShow::kAsk:
      prices(s_.ask);
      break;
    case WhatToShow::kBidAsk:
      // IB: open = time-averaged bid, high = max ask, low = min bid, close = time-averaged ask
      // (a second's bid and ask taken at its start).
      b.open = series.price(static_cast<double>(s_.sum_bid) / (2.0 * s_.seconds));
      b.high = series.price(s_.ask.h / 2.0);
      b.low = series.price(s_.bid.l / 2.0);
      b.close = series.price(static_cast<double>(s_.sum_ask) / (2.0 * s_.seconds));
      break;
    case WhatToShow::kHistoricalVolatility:
    case WhatToShow::kOptionImpliedVolatility:
      b.open = round8(s_.vol.o * 1e-6), b.high = round8(s_.vol.h * 1e-6);
      b.low = round8(s_.vol.l * 1e-6), b.close = round8(s_.vol.c * 1e-6);
      break;
  }
  return b;
}

}  // namespace intentq::sim
