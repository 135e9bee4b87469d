#include "sim/stats.hpp"

#include <nlohmann/json.hpp>

namespace intentq::sim {

std::string_view message_name(const gw::ClientMessage& m) {
  struct Name {
    std::string_view operator()(const gw::StartApi&) { return "startApi"; }
    std::string_view operator()(const gw::ReqPositions&) { return "reqPositions"; }
    std::string_view operator()(const gw::CancelPositions&) { return "cancelPositions"; }
    std::string_view operator()(const gw::ReqAccountSummary&) { return "reqAccountSummary"; }
    std::string_view operator()(const gw::CancelAccountSummary&) { return "cancelAccountSummary"; }
    std::string_view operator()(const gw::ReqExecutions&) { return "reqExecutions"; }
    std::string_view operator()(const gw::ReqAllOpenOrders&) { return "reqAllOpenOrders"; }
    std::string_view operator()(const gw::ReqOpenOrders&) { return "reqOpenOrders"; }
    std::string_view operator()(const gw::ReqCurrentTime&) { return "reqCurrentTime"; }
    std::string_view operator()(const gw::ReqContractDetails&) { return "reqContractDetails"; }
    std::string_view operator()(const gw::UnknownRequest&) { return "unknown"; }
  };
  return std::visit(Name{}, m);
}

void Stats::count_request(const gw::ClientMessage& m) {
  auto name = message_name(m);
  auto it = requests.find(name);
  if (it == requests.end()) it = requests.emplace(std::string(name), 0).first;
  ++it->second;
  ++requests_total;
}

std::string Stats::json_line(size_t clients_now) const {
  nlohmann::json requests_json = nlohmann::json::object();
  for (const auto& [name, n] : requests) requests_json[name] = n;
  nlohmann::json j = {{"gwsim_stats",
                       {{"connections", connections},
                        {"requests", requests_json},
                        {"requests_total", requests_total},
                        {"pacing_errors", pacing_errors},
                        {"pacing_disconnects", pacing_disconnects},
                        {"clients_now", clients_now}}}};
  return j.dump();
}

}  // namespace intentq::sim
