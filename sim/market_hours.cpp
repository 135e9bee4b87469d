#include "sim/market_hours.hpp"

#include <cstdio>
#include <string>

#include "common/enum_names.hpp"

namespace intentq::sim {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kHour = 3600;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// 0 = Sunday .. 6 = Saturday, of a day number counted from 1970-01-01 (a Thursday).
int weekday(int64_t day) {
  return static_cast<int>(((day % 7) + 7 + 4) % 7);
}

// The n-th (1-based) Sunday of a month, as a day number; n = -1: the last one.
int64_t nth_sunday(int y, unsigned m, int n) {
  if (n > 0) {
    int64_t first = days_from_civil(y, m, 1);
    return first + (7 - weekday(first)) % 7 + 7 * (n - 1);
  }
  int64_t last = days_from_civil(y, m + 1, 1) - 1;  // m < 12 here (October)
  return last - weekday(last);
}

struct Zone {
  int64_t standard;  // UTC offset outside daylight-saving time
  bool us_dst;
};

Zone zone(HoursKind k) {
  switch (k) {
    case HoursKind::kFutures:
      return {-6 * kHour, true};
    case HoursKind::kAlways:
      return {0, false};
    default:
      return {-5 * kHour, true};
  }
}

}  // namespace

int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (m <= 2));
}

// In declaration order.
constexpr std::string_view kHoursNames[] = {"us_stock", "us_option", "futures", "fx", "always"};
static_assert(std::size(kHoursNames) == enum_count(HoursKind::kAlways));

std::optional<HoursKind> hours_from_string(std::string_view name) {
  return value_of<HoursKind>(kHoursNames, name);
}

std::string_view to_string(HoursKind k) {
  return name_of(kHoursNames, k);
}

HoursKind default_hours(std::string_view t) {
  if (t == "OPT" || t == "FOP" || t == "WAR") return HoursKind::kUsOption;
  if (t == "FUT" || t == "CONTFUT") return HoursKind::kFutures;
  if (t == "CASH") return HoursKind::kFx;
  if (t == "CRYPTO") return HoursKind::kAlways;
  return HoursKind::kUsStock;
}

std::string_view zone_name(HoursKind k) {
  switch (k) {
    case HoursKind::kFutures:
      return "US/Central";
    case HoursKind::kAlways:
      return "UTC";
    default:
      return "US/Eastern";
  }
}

int64_t utc_offset(HoursKind k, int64_t utc) {
  const Zone z = zone(k);
  if (!z.us_dst) return z.standard;
  int y;
  unsigned m, d;
  civil_from_days(floor_div(utc + z.standard, kDay), y, m, d);
  int64_t start_day, end_day;
  if (y >= 2007) {
    start_day = nth_sunday(y, 3, 2);
    end_day = nth_sunday(y, 11, 1);
  } else {
    start_day = nth_sunday(y, 4, 1);
    end_day = nth_sunday(y, 10, -1);
  }
  // 02:00 local standard time, and 02:00 local daylight time, in UTC.
  const int64_t start = start_day * kDay + 2 * kHour - z.standard;
  const int64_t end = end_day * kDay + 2 * kHour - (z.standard + kHour);
  return (utc >= start && utc < end) ? z.standard + kHour : z.standard;
}

bool in_session(HoursKind k, bool rth, int64_t utc) {
  return in_session(k, rth, utc, utc_offset(k, utc));
}

bool in_session(HoursKind k, bool rth, int64_t utc, int64_t offset) {
  if (k == HoursKind::kAlways) return true;
  const int64_t local = utc + offset;
  const int64_t day = floor_div(local, kDay);
  const int wd = weekday(day);
  const int64_t s = local - day * kDay;
  const bool weekday_mf = wd >= 1 && wd <= 5;
  switch (k) {
    case HoursKind::kUsStock:
      return weekday_mf && (rth ? (s >= 34200 && s < 57600) : (s >= 14400 && s < 72000));
    case HoursKind::kUsOption:
      return weekday_mf && s >= 34200 && s < 57600;
    case HoursKind::kFutures:
      if (rth) return weekday_mf && s >= 30600 && s < 54900;
      if (wd == 0) return s >= 61200;
      if (wd == 5) return s < 57600;
      if (wd == 6) return false;
      return s < 57600 || s >= 61200;
    case HoursKind::kFx:
      if (wd == 0) return s >= 62100;
      if (wd == 5) return s < 61200;
      if (wd == 6) return false;
      return s < 61200 || s >= 62100;
    case HoursKind::kAlways:
      return true;
  }
  return false;
}

std::optional<int64_t> next_session_second(HoursKind k, bool rth, int64_t utc, int64_t limit) {
  if (in_session(k, rth, utc)) return utc;
  // Sessions start on whole minutes: step minute by minute.
  for (int64_t t = floor_div(utc, 60) * 60 + 60; t <= utc + limit; t += 60) {
    if (in_session(k, rth, t)) return t;
  }
  return std::nullopt;
}

int trading_date(HoursKind k, int64_t utc) {
  return trading_date(k, utc, utc_offset(k, utc));
}

int trading_date(HoursKind k, int64_t utc, int64_t offset) {
  int64_t local = utc + offset;
  if (k == HoursKind::kFutures) local += 7 * kHour;       // 17:00 -> next day
  if (k == HoursKind::kFx) local += 6 * kHour + 45 * 60;  // 17:15 -> next day
  int y;
  unsigned m, d;
  civil_from_days(floor_div(local, kDay), y, m, d);
  return y * 10000 + static_cast<int>(m) * 100 + static_cast<int>(d);
}

std::optional<int64_t> parse_utc_time(std::string_view text) {
  const std::string s(text);
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 12)
    return std::stoll(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  char tail = 0;
  const int n =
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail);
  const bool date_only = n == 3 && s.size() == 10;
  const bool full = n == 7 && tail == 'Z' && s.size() == 20;
  if ((!date_only && !full) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
    return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kDay +
         h * kHour + mi * 60 + se;
}

std::string format_local(int64_t utc, int64_t offset) {
  const int64_t local = utc + offset;
  const int64_t day = floor_div(local, kDay);
  const int64_t s = local - day * kDay;
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u %02d:%02d:%02d", y, m, d, static_cast<int>(s / 3600),
                static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return buf;
}

}  // namespace intentq::sim
