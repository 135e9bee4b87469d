#include "sim/stats.hpp"

#include <nlohmann/json.hpp>

#include "gateway/request_specs.hpp"

namespace intentq::sim {

std::string_view message_name(const gw::ClientMessage& m) {
  return std::visit(
      [](const auto& r) -> std::string_view {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, gw::StartApi>) {
          return "startApi";
        } else if constexpr (std::is_same_v<T, gw::ReqHistoricalData>) {
          return "reqHistoricalData";
        } else if constexpr (std::is_same_v<T, gw::CancelHistoricalData>) {
          return "cancelHistoricalData";
        } else if constexpr (std::is_same_v<T, gw::ReqHeadTimestamp>) {
          return "reqHeadTimestamp";
        } else if constexpr (std::is_same_v<T, gw::CancelHeadTimestamp>) {
          return "cancelHeadTimestamp";
        } else if constexpr (std::is_same_v<T, gw::ReqMarketDataType>) {
          return "reqMarketDataType";
        } else if constexpr (std::is_same_v<T, gw::ReqMktData>) {
          return "reqMktData";
        } else if constexpr (std::is_same_v<T, gw::CancelMktData>) {
          return "cancelMktData";
        } else if constexpr (requires { T::kId; }) {
          auto found = gw::spec_message(T::kId);
          if (!found.spec) return "unknown";
          return found.cancel ? found.spec->cancel_message : found.spec->message;
        } else {
          return "unknown";  // UnknownRequest
        }
      },
      m);
}

void Stats::count_request(const gw::ClientMessage& m) {
  auto name = message_name(m);
  auto it = requests.find(name);
  if (it == requests.end()) it = requests.emplace(std::string(name), 0).first;
  ++it->second;
  ++requests_total;
}

std::string Stats::json_line(size_t clients_now, const HistoricalPacing& historical) const {
  const auto& h = historical.counters();
  nlohmann::json historical_json = {{"requests", h.requests},
                                    {"open_now", historical.open_now()},
                                    {"violations",
                                     {{"identical_15s", h.identical},
                                      {"same_contract_2s", h.same_contract},
                                      {"window_10min", h.window},
                                      {"bid_ask_double", h.bid_ask_double}}},
                                    {"open_limit_322", h.open_limit}};
  if (historical_log.enabled()) {
    historical_json["log"] = historical_log.to_json();
    historical_json["log_dropped"] = historical_log.dropped();
  }
  nlohmann::json requests_json = nlohmann::json::object();
  for (const auto& [name, n] : requests) requests_json[name] = n;
  nlohmann::json j = {{"gwsim_stats",
                       {{"connections", connections},
                        {"requests", requests_json},
                        {"requests_total", requests_total},
                        {"pacing_errors", pacing_errors},
                        {"pacing_disconnects", pacing_disconnects},
                        {"clients_now", clients_now},
                        {"historical", historical_json}}}};
  return j.dump();
}

}  // namespace intentq::sim
