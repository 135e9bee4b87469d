#include "sim/market_data_spec.hpp"

#include <string>

#include "common/enum_names.hpp"

namespace intentq::sim {

// In declaration order.
constexpr std::string_view kPermissionNames[] = {"live", "delayed", "none"};
static_assert(std::size(kPermissionNames) == enum_count(LivePermission::kNone));

std::optional<LivePermission> permission_from_string(std::string_view s) {
  return value_of<LivePermission>(kPermissionNames, s);
}

std::string_view to_string(LivePermission p) {
  return name_of(kPermissionNames, p);
}

MarketDataSpec default_market_data(const gw::ContractDetails& d) {
  MarketDataSpec md;
  const auto& c = d.contract;
  md.hours = default_hours(c.sec_type);
  md.series.seed = series_seed(c.con_id, c.symbol);
  md.series.tick = d.min_tick && *d.min_tick > 0 ? *d.min_tick : 0.01;
  const bool futures = md.hours == HoursKind::kFutures;
  md.series.base_price = futures ? 1000.0 + static_cast<double>(md.series.seed % 5000)
                                 : 20.0 + static_cast<double>(md.series.seed % 50000) / 100.0;
  md.series.volume_per_second = futures ? 30 : md.hours == HoursKind::kUsOption ? 5 : 400;
  md.head_timestamp = days_from_civil(2004, 1, 2) * 86400;
  const std::string& expiry = c.last_trade_date;
  int years_back = md.hours == HoursKind::kFutures ? 2 : md.hours == HoursKind::kUsOption ? 1 : 0;
  if (years_back > 0 && expiry.size() >= 8) {
    try {
      const int y = std::stoi(expiry.substr(0, 4));
      const unsigned m = static_cast<unsigned>(std::stoi(expiry.substr(4, 2)));
      const unsigned day = static_cast<unsigned>(std::stoi(expiry.substr(6, 2)));
      if (m >= 1 && m <= 12 && day >= 1 && day <= 31)
        md.head_timestamp = days_from_civil(y - years_back, m, day) * 86400;
    } catch (const std::exception&) {
      // not a yyyymmdd expiry: keep the default head
    }
  }
  return md;
}

}  // namespace intentq::sim
