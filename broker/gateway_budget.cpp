#include "broker/gateway_budget.hpp"

#include <algorithm>

namespace intentq::broker {

void GatewayBudget::add_worker(const std::string& id, uint32_t budget) {
  auto& g = gateways_[id];
  ++g.budgets[std::max<uint32_t>(1, budget)];
}

void GatewayBudget::remove_worker(const std::string& id, uint32_t budget, Clock::time_point now) {
  auto* g = find(id);
  if (!g) return;
  budget = std::max<uint32_t>(1, budget);
  auto it = g->budgets.find(budget);
  if (it == g->budgets.end()) return;
  if (g->budgets.size() == 1 && it->second == 1) g->last_budget = budget;
  if (--it->second == 0) g->budgets.erase(it);
  expire(*g, now);
  if (g->budgets.empty() && g->window.empty()) gateways_.erase(id);
}

uint32_t GatewayBudget::min_budget(const Gateway& g) {
  return g.budgets.empty() ? g.last_budget : g.budgets.begin()->first;
}

size_t GatewayBudget::count_workers(const Gateway& g) {
  size_t n = 0;
  for (const auto& [b, count] : g.budgets) n += count;
  return n;
}

uint32_t GatewayBudget::budget(const std::string& id) const {
  auto it = gateways_.find(id);
  return it == gateways_.end() ? 0 : min_budget(it->second);
}

GatewayBudget::Gateway* GatewayBudget::find(const std::string& id) {
  auto it = gateways_.find(id);
  return it == gateways_.end() ? nullptr : &it->second;
}

void GatewayBudget::expire(Gateway& g, Clock::time_point now) {
  // A charge made at t counts until t + 1000 ms (exclusive): IB's "per second" is a sliding
  // window, and a full second must pass before the same messages may be sent again.
  while (!g.window.empty() && g.window.front().first + kWindow <= now) {
    g.used -= g.window.front().second;
    g.window.pop_front();
  }
}

uint64_t GatewayBudget::used_at(const Gateway& g, Clock::time_point now) {
  uint64_t used = 0;
  for (const auto& [at, n] : g.window)
    if (at + kWindow > now) used += n;
  return used;
}

bool GatewayBudget::can_charge(const std::string& id, uint32_t cost, Clock::time_point now) {
  auto* g = find(id);
  if (!g) return false;
  expire(*g, now);
  const uint32_t budget = min_budget(*g);
  if (budget == 0) return false;
  if (g->used == 0) return true;  // an empty window admits any one job
  return g->used + cost <= budget;
}

void GatewayBudget::charge(const std::string& id, uint32_t cost, Clock::time_point now) {
  if (cost == 0) return;
  auto* g = find(id);
  if (!g) return;
  expire(*g, now);
  g->window.emplace_back(now, cost);
  g->used += cost;
  g->charged += cost;
}

Clock::time_point GatewayBudget::room_at(const std::string& id, uint32_t cost,
                                         Clock::time_point now) {
  auto* g = find(id);
  if (!g || min_budget(*g) == 0) return Clock::time_point::max();
  expire(*g, now);
  const uint64_t budget = min_budget(*g);
  if (g->used == 0 || g->used + cost <= budget) return now;
  // Walk the charges oldest first until enough of them have left the window.
  uint64_t used = g->used;
  for (const auto& [at, n] : g->window) {
    used -= n;
    if (used == 0 || used + cost <= budget) return at + kWindow;
  }
  return now;  // not reached: the loop empties the window
}

void GatewayBudget::collect(Clock::time_point now) {
  for (auto it = gateways_.begin(); it != gateways_.end();) {
    expire(it->second, now);
    if (it->second.budgets.empty() && it->second.window.empty())
      it = gateways_.erase(it);
    else
      ++it;
  }
}

}  // namespace intentq::broker
