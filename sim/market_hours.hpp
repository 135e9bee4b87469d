// Trading hours of the simulator's synthetic market data: which seconds of UTC time a contract
// trades in (all hours or regular trading hours), its exchange's local time (US daylight-saving
// rules computed from the calendar, no time-zone database) and its trading date. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentq::sim {

// The session shapes the simulator knows (the scenario's `hours`; default from the sec type).
enum class HoursKind {
  kUsStock,   // US/Eastern; all hours Mon-Fri 04:00-20:00, RTH 09:30-16:00
  kUsOption,  // US/Eastern; Mon-Fri 09:30-16:00 (all hours = RTH)
  kFutures,   // US/Central (CME Globex); Sun 17:00 - Fri 16:00, daily break 16:00-17:00;
              // RTH Mon-Fri 08:30-15:15
  kFx,        // US/Eastern (IDEALPRO); Sun 17:15 - Fri 17:00, daily break 17:00-17:15; RTH = all
  kAlways,    // UTC, every second of every day (crypto-like)
};
std::optional<HoursKind> hours_from_string(std::string_view name);  // "us_stock", ...
std::string_view to_string(HoursKind k);
// The default for an IB sec type: STK/ETF/IND -> us_stock, OPT/FOP/WAR -> us_option,
// FUT/CONTFUT -> futures, CASH -> fx, CRYPTO -> always; anything else us_stock.
HoursKind default_hours(std::string_view sec_type);

// The IB time-zone name of the session's exchange ("US/Eastern", "US/Central", "UTC").
std::string_view zone_name(HoursKind k);

// UTC offset in seconds of the session's zone at UTC second `utc` (US rules: since 2007 from the
// second Sunday of March 02:00 to the first Sunday of November 02:00 local; before 2007 from the
// first Sunday of April to the last Sunday of October).
int64_t utc_offset(HoursKind k, int64_t utc);

// True when UTC second `utc` lies in a session (`rth`: regular trading hours only). The second
// form takes the zone's offset at `utc` (utc_offset), for loops that know it already.
bool in_session(HoursKind k, bool rth, int64_t utc);
bool in_session(HoursKind k, bool rth, int64_t utc, int64_t offset);
// The first session second at or after `utc` (searching at most `limit` seconds ahead), or
// nullopt. Sessions start on whole minutes.
std::optional<int64_t> next_session_second(HoursKind k, bool rth, int64_t utc,
                                           int64_t limit = 14 * 86400);

// The trading date (yyyymmdd) a session second belongs to: the local date, except that an
// evening session (futures from 17:00, FX from 17:15) belongs to the next day, as IB dates it.
int trading_date(HoursKind k, int64_t utc);
int trading_date(HoursKind k, int64_t utc, int64_t offset);

// Calendar helpers (proleptic Gregorian, UTC).
int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d);
// "yyyy-mm-dd", "yyyy-mm-ddThh:mm:ssZ" or epoch seconds -> UTC seconds; nullopt when malformed.
std::optional<int64_t> parse_utc_time(std::string_view s);
// "yyyymmdd hh:mm:ss" of UTC second `utc` shifted by `offset` seconds.
std::string format_local(int64_t utc, int64_t offset);

}  // namespace intentq::sim
