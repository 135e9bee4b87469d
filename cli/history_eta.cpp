#include "cli/history_eta.hpp"

#include <algorithm>
#include <cmath>

namespace intentq::cli::history {

std::optional<double> schedule_eta_seconds(const nlohmann::json& stats, size_t remaining,
                                           const std::optional<std::string>& gateway) {
  const auto gateways = stats.find("gateways");
  if (gateways == stats.end() || !gateways->is_object()) return std::nullopt;
  double per_ms = 0, free_now = 0, queued = 0;
  std::optional<double> next_slot_ms;
  for (const auto& [id, g] : gateways->items()) {
    if (gateway && id != *gateway) continue;
    if (!g.is_object() || !g.contains("historical") || !g.at("historical").is_object()) continue;
    const auto& h = g.at("historical");
    const double limit = h.value("limit", 0.0), window = h.value("window_ms", 0.0);
    if (limit <= 0 || window <= 0) continue;
    per_ms += limit / window;
    free_now += std::max(0.0, limit - h.value("requests", 0.0));
    queued += h.value("queued", 0.0);
    const double next = h.value("next_slot_ms", 0.0);
    next_slot_ms = next_slot_ms ? std::min(*next_slot_ms, next) : next;
  }
  if (per_ms <= 0) return std::nullopt;
  const double demand = std::max(static_cast<double>(remaining), queued);
  if (demand <= free_now) return 0.0;
  return (next_slot_ms.value_or(0) + std::ceil(demand - free_now) / per_ms) / 1000.0;
}

}  // namespace intentq::cli::history
