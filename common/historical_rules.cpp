#include "common/historical_rules.hpp"

#include <cctype>
#include <charconv>
#include <functional>

#include <nlohmann/json.hpp>

#include "common/msgpack_codec.hpp"

namespace intentq::historical {
namespace {

std::string text_of(const nlohmann::json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  return {};
}

uint64_t hash_of(std::string_view text) {
  return static_cast<uint64_t>(std::hash<std::string_view>{}(text));
}

}  // namespace

std::optional<uint64_t> bar_seconds(std::string_view bar_size) {
  size_t i = 0;
  while (i < bar_size.size() && bar_size[i] == ' ') ++i;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(bar_size.data() + i, bar_size.data() + bar_size.size(), n);
  if (ec != std::errc() || n == 0 || n > 1000000) return std::nullopt;
  std::string unit;
  for (const char* p = end; p < bar_size.data() + bar_size.size(); ++p)
    if (*p != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  if (unit == "s" || unit == "sec" || unit == "secs") return n;
  if (unit == "min" || unit == "mins") return n * 60;
  if (unit == "hour" || unit == "hours") return n * 3600;
  if (unit == "day" || unit == "days" || unit == "d") return n * 86400;
  if (unit == "w" || unit == "week" || unit == "weeks") return n * 7 * 86400;
  if (unit == "m" || unit == "month" || unit == "months") return n * 30 * 86400;
  return std::nullopt;
}

Request describe(std::string_view service, std::string_view params) {
  Request r;
  nlohmann::json p;
  try {
    p = params.empty() ? nlohmann::json::object() : msgpack_codec::to_json(params);
  } catch (const std::exception&) {
    p = nullptr;
  }
  if (!p.is_object()) {
    // Not readable: keyed on its bytes, one request, small bars.
    r.key = std::string(service) + "|" + std::string(params);
    r.key_hash = hash_of(r.key);
    r.identical = r.key_hash;
    return r;
  }
  const std::string what = text_of(p, "what_to_show");
  r.weight = what == "BID_ASK" ? 2 : 1;
  // The contract: its con_id when given (IB resolves the rest from it), else every field that
  // tells contracts apart.
  const std::string con_id = text_of(p, "con_id");
  if (!con_id.empty()) {
    r.key = "con_id=" + con_id;
  } else {
    for (const char* f : {"symbol", "sec_type", "currency", "last_trade_date", "strike", "right",
                          "multiplier", "local_symbol", "trading_class", "primary_exchange"}) {
      r.key += text_of(p, f);
      r.key += '|';
    }
  }
  r.key += "|" + text_of(p, "exchange") + "|" + what;
  r.key_hash = hash_of(r.key);
  if (auto it = p.find("bar_size"); it != p.end() && it->is_string()) {
    const auto s = bar_seconds(it->get<std::string>());
    r.small_bars = !s || *s <= 30;
  }
  // Identical: the same question to IB. The gateway pin only says where it is asked.
  p.erase("gateway");
  std::string identical(service);
  identical.push_back('\0');
  identical += p.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.identical = hash_of(identical);
  return r;
}

}  // namespace intentq::historical
