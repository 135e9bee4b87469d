#include "worker/intents/market_data_results.hpp"

#include <charconv>
#include <cmath>

#include "common/market_data_params.hpp"
#include "gateway/session.hpp"
#include "worker/intents/results.hpp"

namespace intentq::intents {
namespace {

namespace md = params::market_data;
using nlohmann::json;

json number_or_null(std::optional<double> v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

// IB's -1 (and its unset sentinels) is "not applicable"; the codec leaves prices as doubles.
json price_or_null(double v) {
  return std::isfinite(v) && v != -1 && std::fabs(v) < 1e300 ? json(v) : json(nullptr);
}

// A decimal IB sent: short plain numbers read directly (the common case, ten thousand per bar
// answer); anything else (IB's unset sentinels, exponents) through the codec's reader.
json decimal_or_null(const std::string& text) {
  if (text.empty() || text == "-1") return nullptr;
  if (text.size() <= 12) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(v))
      return v == -1 ? json(nullptr) : json(v);
  }
  return number_or_null(gw::decimal_value(text));
}

std::string bar_time(const std::string& ib_time) {
  auto iso = md::iso_from_ib(ib_time);
  if (!iso)
    throw gw::GatewayError(gw::GatewayError::Kind::kProtocol,
                           "historical bar time '" + ib_time.substr(0, 64) +
                               "' is neither epoch seconds nor yyyymmdd");
  return *iso;
}

// A range end IB sent: ISO-8601 UTC, or IB's own text when it names a zone we do not convert.
json range_time(const std::string& ib_time) {
  if (ib_time.empty()) return nullptr;
  if (auto iso = md::iso_from_ib(ib_time)) return *iso;
  return ib_time;
}

}  // namespace

json bar_json(const gw::Bar& bar) {
  // Emplaced one by one, in key order at the end of the map (no key comparisons to speak of):
  // nlohmann's initializer-list form builds a pair array per key first, and a bar answer maps
  // ten thousand of these within the worker's 5 ms (docs/benchmarks.md "Market data").
  json out(json::value_t::object);
  auto& o = out.get_ref<json::object_t&>();
  o.emplace_hint(o.end(), "c", price_or_null(bar.close));
  o.emplace_hint(o.end(), "h", price_or_null(bar.high));
  o.emplace_hint(o.end(), "l", price_or_null(bar.low));
  o.emplace_hint(o.end(), "n", bar.count < 0 ? json(nullptr) : json(bar.count));
  o.emplace_hint(o.end(), "o", price_or_null(bar.open));
  o.emplace_hint(o.end(), "t", bar_time(bar.time));
  o.emplace_hint(o.end(), "v", decimal_or_null(bar.volume));
  o.emplace_hint(o.end(), "wap", decimal_or_null(bar.wap));
  return out;
}

json historical_bars_json(const HistoricalBarsParams& params, const gw::HistoricalBars& answer) {
  json bars = json::array();
  bars.get_ref<json::array_t&>().reserve(answer.bars.size());
  for (const auto& bar : answer.bars) bars.push_back(bar_json(bar));
  json out{{"contract", contract_json(params.contract)},
           {"bar_size", params.bar_size},
           {"what_to_show", params.what_to_show},
           {"start", range_time(answer.start)},
           {"end", range_time(answer.end)},
           {"bars", std::move(bars)}};
  if (answer.no_data) {
    out["no_data"] = true;
    out["message"] = answer.no_data_message;
  }
  return out;
}

json quote_json(const gw::MarketDataSnapshot& snapshot, int asked_market_data_type) {
  // The live tick type of every tick that arrived (a delayed one counts as its live twin).
  auto price = [&](int tick_type) -> json {
    for (const auto& [type, tick] : snapshot.prices)
      if (gw::live_tick_type(type) == tick_type) {
        // IB: a price of -1, or 0 with size 0, is "no data".
        if (tick.price == 0 && gw::decimal_value(tick.size).value_or(0) == 0) return nullptr;
        return price_or_null(tick.price);
      }
    return nullptr;
  };
  auto size = [&](int tick_type) -> json {
    for (const auto& [type, text] : snapshot.sizes)
      if (gw::live_tick_type(type) == tick_type) return number_or_null(gw::decimal_value(text));
    return nullptr;
  };
  json last_time = nullptr;
  for (const auto& [type, text] : snapshot.strings)
    if (gw::live_tick_type(type) == gw::tick::kLastTimestamp) {
      if (auto iso = md::iso_from_ib(text)) last_time = *iso;
    }
  const int type = snapshot.market_data_type.value_or(asked_market_data_type);
  return json{{"bid", price(gw::tick::kBid)},
              {"ask", price(gw::tick::kAsk)},
              {"last", price(gw::tick::kLast)},
              {"bid_size", size(gw::tick::kBidSize)},
              {"ask_size", size(gw::tick::kAskSize)},
              {"last_size", size(gw::tick::kLastSize)},
              {"high", price(gw::tick::kHigh)},
              {"low", price(gw::tick::kLow)},
              {"open", price(gw::tick::kOpen)},
              {"close", price(gw::tick::kClose)},
              {"volume", size(gw::tick::kVolume)},
              {"last_time", last_time},
              {"market_data_type", market_data_type_name(type)},
              {"delayed", snapshot.delayed()}};
}

}  // namespace intentq::intents
