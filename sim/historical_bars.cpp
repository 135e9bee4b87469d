#include "sim/historical_bars.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <ranges>

#include "common/strings.hpp"

namespace intentq::sim {
namespace {

constexpr int64_t kDay = 86400;

struct BarSizeEntry {
  std::string_view name;
  BarSize::Unit unit;
  int64_t seconds;
  int64_t max_duration;  // seconds (nominal); see max_duration_seconds()
};

// IB's bar sizes (the list a 2025 gateway gives in its error 321) with the step limits the
// simulator enforces. Bars under a minute: IB's older table, slightly widened where IB's newer
// documents are wider (1 secs: 2000 S). Larger bars: at most 100,000 bars and one year (IB states
// no limit, only "a few thousand bars"); day, week and month bars may span 30 years. These bound
// the simulator's work per request (a minute of any range costs O(1)).
constexpr int64_t kWeek = 7 * kDay, kYear = 366 * kDay;
constexpr int64_t kMaxBars = 100000;
// A bar of a minute .. 8 hours: at most kMaxBars of them and one year.
constexpr BarSizeEntry intraday(std::string_view name, int64_t seconds) {
  return {name, BarSize::Unit::kSeconds, seconds,
          kMaxBars * seconds < kYear ? kMaxBars * seconds : kYear};
}
constexpr std::array<BarSizeEntry, 21> kBarSizes{{
    {"1 secs", BarSize::Unit::kSeconds, 1, 2000},
    {"5 secs", BarSize::Unit::kSeconds, 5, 3600},
    {"10 secs", BarSize::Unit::kSeconds, 10, 14400},
    {"15 secs", BarSize::Unit::kSeconds, 15, 14400},
    {"30 secs", BarSize::Unit::kSeconds, 30, 28800},
    intraday("1 min", 60),
    intraday("2 mins", 120),
    intraday("3 mins", 180),
    intraday("5 mins", 300),
    intraday("10 mins", 600),
    intraday("15 mins", 900),
    intraday("20 mins", 1200),
    intraday("30 mins", 1800),
    intraday("1 hour", 3600),
    intraday("2 hours", 7200),
    intraday("3 hours", 10800),
    intraday("4 hours", 14400),
    intraday("8 hours", 28800),
    {"1 day", BarSize::Unit::kDay, kDay, 30 * kYear},
    {"1W", BarSize::Unit::kWeek, kWeek, 30 * kYear},
    {"1M", BarSize::Unit::kMonth, 31 * kDay, 30 * kYear},
}};

const BarSizeEntry* find_bar_size(std::string_view s) {
  for (const auto& e : kBarSizes)
    if (e.name == s) return &e;
  return nullptr;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "yyyymmdd" -> day number; false when not a real date.
bool parse_date(std::string_view s, int64_t& day) {
  int64_t v;
  if (s.size() != 8 || !parse_int(s, v)) return false;
  const int y = static_cast<int>(v / 10000);
  const unsigned m = static_cast<unsigned>(v / 100 % 100), d = static_cast<unsigned>(v % 100);
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  day = days_from_civil(y, m, d);
  int y2;
  unsigned m2, d2;
  civil_from_days(day, y2, m2, d2);
  return y2 == y && m2 == m && d2 == d;
}

// "hh:mm:ss" -> seconds of the day.
bool parse_time(std::string_view s, int64_t& secs) {
  int64_t h, m, x;
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  if (!parse_int(s.substr(0, 2), h) || !parse_int(s.substr(3, 2), m) ||
      !parse_int(s.substr(6, 2), x))
    return false;
  if (h > 23 || m > 59 || x > 59) return false;
  secs = h * 3600 + m * 60 + x;
  return true;
}

std::string yyyymmdd(int date) {
  return std::to_string(date);
}

// Months/years back from a UTC second, keeping the time of day (day clamped to the month).
int64_t months_back(int64_t t, int64_t months) {
  const int64_t day = t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay);
  const int64_t tod = t - day * kDay;
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  int64_t total = static_cast<int64_t>(y) * 12 + (m - 1) - months;
  const int y2 = static_cast<int>(total >= 0 ? total / 12 : -((-total + 11) / 12));
  const unsigned m2 = static_cast<unsigned>(total - int64_t{y2} * 12) + 1;
  const int64_t first = days_from_civil(y2, m2, 1);
  const int64_t next = m2 == 12 ? days_from_civil(y2 + 1, 1, 1) : days_from_civil(y2, m2 + 1, 1);
  const int64_t d2 = std::min<int64_t>(d, next - first);
  return (first + d2 - 1) * kDay + tod;
}

std::string format_date_field(int64_t utc, HoursKind hours, int format_date) {
  if (format_date == 2) return std::to_string(utc);
  return format_local(utc, utc_offset(hours, utc)) + " " + std::string(zone_name(hours));
}

std::string what_label(WhatToShow w) {
  // IB's texts spell it "Trades", "Midpoint", "Bid_Ask", ...
  std::string s(to_string(w));
  bool upper = true;
  for (char& c : s) {
    c = upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = c == '_';
  }
  return s;
}

constexpr std::string_view kHmds = "Historical Market Data Service error message:";

RequestError validation_error(std::string_view what) {
  return {321, "Error validating request.-'bP' : cause - " + std::string(what)};
}

}  // namespace

std::optional<BarSize> parse_bar_size(std::string_view s) {
  const auto* e = find_bar_size(s);
  if (!e) return std::nullopt;
  return BarSize{e->unit, e->seconds, e->name};
}

std::string legal_bar_sizes() {
  return join(kBarSizes | std::views::transform(&BarSizeEntry::name), ", ");
}

int64_t bar_seconds(std::string_view bar_size) {
  const auto* e = find_bar_size(bar_size);
  return e ? e->seconds : 0;
}

std::optional<Duration> parse_duration(std::string_view s) {
  auto space = s.find(' ');
  if (space == std::string_view::npos || space + 2 != s.size()) return std::nullopt;
  Duration d;
  if (!parse_int(s.substr(0, space), d.n) || d.n < 1 || d.n > 1'000'000'000) return std::nullopt;
  d.unit = s.back();
  if (d.unit != 'S' && d.unit != 'D' && d.unit != 'W' && d.unit != 'M' && d.unit != 'Y')
    return std::nullopt;
  return d;
}

int64_t nominal_seconds(const Duration& d) {
  switch (d.unit) {
    case 'S':
      return d.n;
    case 'D':
      return d.n * kDay;
    case 'W':
      return d.n * kWeek;
    case 'M':
      return d.n * 31 * kDay;
    default:
      return d.n * kYear;
  }
}

int64_t duration_start(const Duration& d, int64_t end) {
  switch (d.unit) {
    case 'M':
      return months_back(end, d.n);
    case 'Y':
      return months_back(end, 12 * d.n);
    default:
      return end - nominal_seconds(d);
  }
}

int64_t max_duration_seconds(const BarSize& b) {
  const auto* e = find_bar_size(b.name);
  return e ? e->max_duration : 0;
}

bool step_allowed(const Duration& d, const BarSize& b) {
  const int64_t n = nominal_seconds(d);
  return n <= max_duration_seconds(b) && b.seconds <= n;
}

std::optional<int64_t> parse_end_date_time(std::string_view s, int64_t now) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return now;
  int64_t day, tod = 0;
  if (!parse_date(s.substr(0, std::min<size_t>(8, s.size())), day)) return std::nullopt;
  if (s.size() == 8) return day * kDay;
  if (s.size() < 17 || (s[8] != ' ' && s[8] != '-')) return std::nullopt;
  // Older gateways and clients put two spaces between date and time.
  size_t t = 9;
  if (s[8] == ' ' && s.size() > 9 && s[9] == ' ') t = 10;
  if (!parse_time(s.substr(t, 8), tod)) return std::nullopt;
  const int64_t local = day * kDay + tod;
  std::string_view zone = s.size() > t + 8 ? s.substr(t + 8) : std::string_view{};
  if (s[8] == '-') return zone.empty() ? std::optional<int64_t>(local) : std::nullopt;
  while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
  std::optional<HoursKind> k;
  if (zone.empty() || zone == "UTC" || zone == "GMT" || zone == "Etc/UTC") return local;
  if (zone == "US/Eastern" || zone == "EST5EDT" || zone == "America/New_York") {
    k = HoursKind::kUsStock;
  } else if (zone == "US/Central" || zone == "CST6CDT" || zone == "America/Chicago") {
    k = HoursKind::kFutures;
  } else if (zone == "US/Pacific" || zone == "PST8PDT" || zone == "America/Los_Angeles") {
    // Pacific = Eastern shifted by three hours (same DST rules).
    const int64_t off = utc_offset(HoursKind::kUsStock, local + 8 * 3600) - 3 * 3600;
    return local - off;
  } else {
    return std::nullopt;
  }
  // The offset at the instant (DST switches at 02:00 local; the ambiguous hour takes DST).
  const int64_t guess = local - utc_offset(*k, local);
  return local - utc_offset(*k, guess);
}

HistoricalAnswer answer_historical(const MarketDataSpec& md, const HistoricalRequest& r,
                                   int64_t now, std::string_view label) {
  HistoricalAnswer out;
  if (r.format_date < 1 || r.format_date > 3) {
    out.error = validation_error("Invalid formatDate:" + std::to_string(r.format_date) +
                                 ". Legal ones are: 1, 2, 3");
    return out;
  }
  const auto bar = parse_bar_size(r.bar_size);
  if (!bar) {
    out.error = validation_error("Historical data bar size setting is invalid. Legal ones are: " +
                                 legal_bar_sizes());
    return out;
  }
  const auto what = what_to_show_from_string(r.what_to_show);
  if (!what) {
    out.error = validation_error("Invalid whatToShow:" + r.what_to_show);
    return out;
  }
  const auto duration = parse_duration(r.duration);
  if (!duration) {
    out.error = validation_error("Historical data query duration is invalid:" + r.duration);
    return out;
  }
  const auto end_req = parse_end_date_time(r.end_date_time, now);
  if (!end_req) {
    out.error = validation_error("End date/time: invalid format:" + r.end_date_time);
    return out;
  }
  if (!step_allowed(*duration, *bar)) {
    out.error =
        RequestError{162, std::string(kHmds) + "invalid step: " + r.duration + ", " + r.bar_size +
                              " (at most " + std::to_string(max_duration_seconds(*bar)) + " S)"};
    return out;
  }
  const int64_t end_at = std::min(*end_req, now);
  const int64_t start_at = duration_start(*duration, *end_req);
  out.start = format_date_field(start_at, md.hours, r.format_date);
  out.end = format_date_field(end_at, md.hours, r.format_date);
  const RequestError no_data{162, std::string(kHmds) + "HMDS query returned no data: " +
                                      std::string(label) + " " + what_label(*what)};
  if (bar->unit == BarSize::Unit::kSeconds && bar->seconds <= 30 &&
      start_at < months_back(now, 6)) {
    out.error = no_data;
    return out;
  }

  const PriceSeries series(md.series);
  const int64_t from = std::max(start_at, md.head_timestamp);
  const bool days = bar->unit != BarSize::Unit::kSeconds;
  int64_t key = INT64_MIN;
  int64_t bar_start = 0;
  BarAccumulator acc(*what);
  auto flush = [&] {
    if (acc.empty()) return;
    auto b = acc.bar(series);
    SimBar sb;
    sb.date = days ? yyyymmdd(trading_date(md.hours, bar_start))
                   : format_date_field(bar_start, md.hours, r.format_date);
    sb.open = b.open, sb.high = b.high, sb.low = b.low, sb.close = b.close;
    sb.volume = b.volume, sb.wap = b.wap, sb.count = b.count;
    out.bars.push_back(std::move(sb));
  };
  const bool vol = is_volatility(*what);
  auto key_of = [&](int64_t t, int64_t offset, int date) -> int64_t {
    switch (bar->unit) {
      case BarSize::Unit::kSeconds: {
        const int64_t local = t + offset;
        return (local >= 0 ? local : local - bar->seconds + 1) / bar->seconds;
      }
      case BarSize::Unit::kDay:
        return date;
      case BarSize::Unit::kWeek: {
        // Weeks start on Monday (day 4 counted from 1970-01-01, a Thursday).
        const int64_t d = days_from_civil(date / 10000, static_cast<unsigned>(date / 100 % 100),
                                          static_cast<unsigned>(date % 100));
        return (d - 4 >= 0 ? d - 4 : d - 10) / 7;
      }
      default:
        return date / 100;
    }
  };
  auto add = [&](int64_t t, int64_t k, const Summary& x) {
    if (k != key) {
      flush();
      acc = BarAccumulator(*what);
      key = k;
      // The bar's time: its bucket's start, or the first second with data in it (the session's
      // open, the range's start or the head timestamp).
      bar_start = t;
    }
    acc.add(x);
  };
  std::array<Summary, 60> block;
  int64_t offset_hour = INT64_MIN, offset = 0;
  for (int64_t m = from >= 0 ? from / 60 : -((-from + 59) / 60); m * 60 < end_at; ++m) {
    const int64_t t0 = m * 60;
    // Offsets change on whole hours only: one lookup per hour.
    if (t0 / 3600 != offset_hour) offset_hour = t0 / 3600, offset = utc_offset(md.hours, t0);
    if (!in_session(md.hours, r.use_rth, t0, offset)) continue;  // sessions start on whole minutes
    const int date = days ? trading_date(md.hours, t0, offset) : 0;
    const bool whole = t0 >= from && t0 + 60 <= end_at;
    if (whole && (days || bar->seconds >= 60)) {
      add(t0, key_of(t0, offset, date), series.minute_summary(m, vol));
      continue;
    }
    series.minute_seconds(m, block, vol);
    for (int64_t t = std::max(t0, from); t < std::min(t0 + 60, end_at); ++t)
      add(t, key_of(t, offset, date), block[static_cast<size_t>(t - t0)]);
  }
  flush();
  if (out.bars.empty()) out.error = no_data;
  return out;
}

HeadAnswer answer_head_timestamp(const MarketDataSpec& md, std::string_view what_to_show,
                                 bool use_rth, int format_date, std::string_view label) {
  HeadAnswer out;
  if (!what_to_show_from_string(what_to_show)) {
    out.error = validation_error("Invalid whatToShow:" + std::string(what_to_show));
    return out;
  }
  if (format_date < 1 || format_date > 3) {
    out.error = validation_error("Invalid formatDate:" + std::to_string(format_date));
    return out;
  }
  auto first = next_session_second(md.hours, use_rth, md.head_timestamp);
  if (!first) {
    out.error = RequestError{
        162, std::string(kHmds) + "HMDS query returned no data: " + std::string(label)};
    return out;
  }
  if (format_date == 2) {
    out.timestamp = std::to_string(*first);
  } else {
    std::string s = format_local(*first, 0);
    s[8] = '-';
    out.timestamp = s;
  }
  return out;
}

}  // namespace intentq::sim
