#include "common/market_data_params.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <ranges>

#include "common/strings.hpp"

namespace intentq::params::market_data {
namespace {

constexpr int64_t kDay = 86400;

// IB's older published table for small bars (ib-marketdata notes §1): the longest duration per
// bar size under one minute. Larger bars are bounded by kMaxBarsPerRequest only.
constexpr std::array<BarSize, 21> kBarSizes{{
    {"1 secs", 1, 1800},    {"5 secs", 5, 3600},   {"10 secs", 10, 14400}, {"15 secs", 15, 14400},
    {"30 secs", 30, 28800}, {"1 min", 60, 0},      {"2 mins", 120, 0},     {"3 mins", 180, 0},
    {"5 mins", 300, 0},     {"10 mins", 600, 0},   {"15 mins", 900, 0},    {"20 mins", 1200, 0},
    {"30 mins", 1800, 0},   {"1 hour", 3600, 0},   {"2 hours", 7200, 0},   {"3 hours", 10800, 0},
    {"4 hours", 14400, 0},  {"8 hours", 28800, 0}, {"1 day", kDay, 0},     {"1W", 7 * kDay, 0},
    {"1M", 30 * kDay, 0},
}};

// Spellings users write for the same bar size. Only exact ones (after trimming): anything else is
// refused with the list, never guessed.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kBarSizeAliases{{
    {"1 sec", "1 secs"},
    {"1 mins", "1 min"},
    {"1 hours", "1 hour"},
    {"2 hour", "2 hours"},
    {"3 hour", "3 hours"},
    {"4 hour", "4 hours"},
    {"8 hour", "8 hours"},
    {"1 days", "1 day"},
    {"1 week", "1W"},
    {"1 month", "1M"},
    {"1 hr", "1 hour"},
}};

constexpr std::array<std::string_view, 8> kWhatToShow{"TRADES",
                                                      "MIDPOINT",
                                                      "BID",
                                                      "ASK",
                                                      "BID_ASK",
                                                      "ADJUSTED_LAST",
                                                      "HISTORICAL_VOLATILITY",
                                                      "OPTION_IMPLIED_VOLATILITY"};

struct Unit {
  char letter;
  int64_t seconds;
  int64_t max_count;
};
constexpr std::array<Unit, 5> kUnits{{{'S', 1, 86400},
                                      {'D', kDay, 365},
                                      {'W', 7 * kDay, 52},
                                      {'M', 30 * kDay, 12},
                                      {'Y', 365 * kDay, 50}}};

const Unit* unit_of(char c) {
  for (const auto& u : kUnits)
    if (u.letter == c) return &u;
  return nullptr;
}

std::optional<int64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm), and back.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int64_t days_in_month(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// A checked civil time -> epoch seconds.
std::optional<int64_t> epoch_of(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi,
                                int64_t s) {
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || s > 59)
    return std::nullopt;
  return days_from_civil(y, mo, d) * kDay + h * 3600 + mi * 60 + s;
}

// "yyyymmdd" at `s`, and "hh:mm:ss" at `t`.
std::optional<int64_t> ib_date(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  auto y = digits(s.substr(0, 4)), m = digits(s.substr(4, 2)), d = digits(s.substr(6, 2));
  if (!y || !m || !d) return std::nullopt;
  return epoch_of(*y, *m, *d, 0, 0, 0);
}
std::optional<int64_t> clock_seconds(std::string_view t) {
  if (t.size() != 8 || t[2] != ':' || t[5] != ':') return std::nullopt;
  auto h = digits(t.substr(0, 2)), m = digits(t.substr(3, 2)), s = digits(t.substr(6, 2));
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 59) return std::nullopt;
  return *h * 3600 + *m * 60 + *s;
}

std::string seconds_text(int64_t s) {
  return std::to_string(s) + " S";
}

}  // namespace

std::span<const BarSize> bar_sizes() {
  return kBarSizes;
}

const BarSize* find_bar_size(std::string_view name) {
  for (const auto& b : kBarSizes)
    if (b.name == name) return &b;
  return nullptr;
}

std::span<const std::pair<std::string_view, std::string_view>> bar_size_aliases() {
  return kBarSizeAliases;
}

std::span<const std::string_view> what_to_show_values() {
  return kWhatToShow;
}

std::optional<int64_t> duration_seconds(std::string_view duration) {
  const auto space = duration.find(' ');
  if (space == std::string_view::npos || space + 2 != duration.size()) return std::nullopt;
  const auto n = digits(duration.substr(0, space));
  const Unit* unit = unit_of(duration.back());
  if (!n || !unit || *n < 1 || *n > unit->max_count) return std::nullopt;
  return *n * unit->seconds;
}

std::string duration_error(std::string_view duration) {
  if (duration_seconds(duration)) return "";
  return "must be \"<n> <unit>\" with unit S, D, W, M or Y and n from 1 to 86400 S, 365 D, 52 W, "
         "12 M or 50 Y (e.g. \"1 D\", \"3600 S\"; got '" +
         std::string(duration) + "')";
}

std::string step_error(std::string_view bar_size, std::string_view duration) {
  const BarSize* bar = find_bar_size(bar_size);
  const auto seconds = duration_seconds(duration);
  if (!bar || !seconds) return "";  // reported by the params themselves
  const std::string what = "param 'duration' ('" + std::string(duration) +
                           "') does not fit bar size '" + std::string(bar_size) + "'";
  if (*seconds < bar->seconds)
    return what + ": it is shorter than one bar (" + seconds_text(bar->seconds) + ")";
  if (bar->max_duration_seconds > 0 && *seconds > bar->max_duration_seconds)
    return what + ": IB allows at most " + seconds_text(bar->max_duration_seconds) +
           " for it (the limits for bars under 1 min: 1 secs 1800 S, 5 secs 3600 S, 10 and 15 "
           "secs 14400 S, 30 secs 28800 S)";
  if (*seconds / bar->seconds > kMaxBarsPerRequest)
    return what + ": that is " + std::to_string(*seconds / bar->seconds) + " bars, more than the " +
           std::to_string(kMaxBarsPerRequest) +
           " one request may return (ask for a shorter duration or larger bars)";
  return "";
}

std::optional<int64_t> parse_iso_utc(std::string_view iso) {
  // YYYY-MM-DDThh:mm:ssZ
  if (iso.size() != 20 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
      iso[16] != ':' || iso[19] != 'Z')
    return std::nullopt;
  auto y = digits(iso.substr(0, 4)), mo = digits(iso.substr(5, 2)), d = digits(iso.substr(8, 2));
  auto h = digits(iso.substr(11, 2)), mi = digits(iso.substr(14, 2)), s = digits(iso.substr(17, 2));
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  return epoch_of(*y, *mo, *d, *h, *mi, *s);
}

std::string iso_error(std::string_view iso) {
  if (parse_iso_utc(iso)) return "";
  return "must be an ISO-8601 UTC time \"YYYY-MM-DDThh:mm:ssZ\" from 1970 on (e.g. "
         "\"2026-12-04T21:00:00Z\"; leave it out for now; got '" +
         std::string(iso) + "')";
}

std::string iso_utc(int64_t epoch) {
  int64_t y = 0, m = 0, d = 0;
  const int64_t days = epoch >= 0 ? epoch / kDay : (epoch - kDay + 1) / kDay;
  const int64_t rest = epoch - days * kDay;
  civil_from_days(days, y, m, d);
  // Written digit by digit: a bar answer formats ten thousand of these (docs/benchmarks.md).
  std::string out = "0000-00-00T00:00:00Z";
  auto put = [&](size_t at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10)
      out[at + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, rest / 3600, 2);
  put(14, rest / 60 % 60, 2);
  put(17, rest % 60, 2);
  return out;
}

std::string iso_date(int64_t epoch) {
  return iso_utc(epoch).substr(0, 10);
}

std::string ib_end_date_time(const std::optional<std::string>& iso_end) {
  if (!iso_end) return "";
  const auto epoch = parse_iso_utc(*iso_end);
  if (!epoch) return "";  // the schema refused it already
  const std::string iso = iso_utc(*epoch);
  // YYYY-MM-DDThh:mm:ssZ -> yyyymmdd-hh:mm:ss
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + "-" + iso.substr(11, 8);
}

std::optional<std::string> iso_from_ib(std::string_view t) {
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.size() == 8) {
    if (auto d = ib_date(t)) return iso_date(*d);
    return std::nullopt;
  }
  if (auto epoch = digits(t); epoch && t.size() >= 9) return iso_utc(*epoch);
  if (t.size() < 17) return std::nullopt;
  const auto day = ib_date(t.substr(0, 8));
  if (!day || (t[8] != ' ' && t[8] != '-')) return std::nullopt;
  std::string_view rest = t.substr(9);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);  // older gateways: two spaces
  const auto clock = clock_seconds(rest.substr(0, std::min<size_t>(8, rest.size())));
  if (!clock) return std::nullopt;
  std::string_view zone = rest.substr(8);
  while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
  if (!zone.empty() && zone != "UTC" && zone != "GMT" && zone != "Etc/UTC" && zone != "Etc/GMT")
    return std::nullopt;
  return iso_utc(*day + *clock);
}

}  // namespace intentq::params::market_data
