#include "broker/gateway_budget.hpp"

#include <algorithm>
#include <vector>

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
  // A settled charge counts until settled + 1000 ms (exclusive): IB's "per second" is a sliding
  // window, and a full second must pass after a job's last message before its share is free.
  auto gone = [&](const Charge& c) {
    return c.settled != Clock::time_point::max() && c.settled + kWindow <= now;
  };
  for (const auto& c : g.window)
    if (gone(c)) g.used -= c.cost;
  g.window.erase(std::remove_if(g.window.begin(), g.window.end(), gone), g.window.end());
}

uint64_t GatewayBudget::used_at(const Gateway& g, Clock::time_point now) {
  uint64_t used = 0;
  for (const auto& c : g.window)
    if (c.settled == Clock::time_point::max() || c.settled + kWindow > now) used += c.cost;
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

uint64_t GatewayBudget::charge(const std::string& id, uint32_t cost, Clock::time_point now) {
  if (cost == 0) return 0;
  auto* g = find(id);
  if (!g) return 0;
  expire(*g, now);
  const uint64_t ticket = next_ticket_++;
  g->window.push_back(Charge{ticket, cost});
  g->used += cost;
  g->charged += cost;
  return ticket;
}

void GatewayBudget::settle(const std::string& id, uint64_t ticket, Clock::time_point now) {
  if (ticket == 0) return;
  auto* g = find(id);
  if (!g) return;
  for (auto& c : g->window) {
    if (c.ticket != ticket) continue;
    if (c.settled == Clock::time_point::max()) c.settled = now;
    break;
  }
}

Clock::time_point GatewayBudget::room_at(const std::string& id, uint32_t cost,
                                         Clock::time_point now) {
  auto* g = find(id);
  if (!g || min_budget(*g) == 0) return Clock::time_point::max();
  expire(*g, now);
  const uint64_t budget = min_budget(*g);
  if (g->used == 0 || g->used + cost <= budget) return now;
  // Settled charges leave in the order they settled; running ones only after they settle.
  std::vector<const Charge*> settled;
  for (const auto& c : g->window)
    if (c.settled != Clock::time_point::max()) settled.push_back(&c);
  std::sort(settled.begin(), settled.end(),
            [](const Charge* a, const Charge* b) { return a->settled < b->settled; });
  uint64_t used = g->used;
  for (const auto* c : settled) {
    used -= c->cost;
    if (used == 0 || used + cost <= budget) return c->settled + kWindow;
  }
  return Clock::time_point::max();
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
