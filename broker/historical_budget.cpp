#include "broker/historical_budget.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace intentq::broker {

HistoricalBudget::HistoricalBudget(const HistoricalConfig& config)
    : config_(config),
      window_(config.scaled(config.window_s)),
      key_window_(config.scaled(config.key_window_s)),
      identical_(config.scaled(config.identical_s)) {
  config_.requests = std::max<uint32_t>(1, config_.requests);
  config_.per_key = std::max<uint32_t>(1, config_.per_key);
  config_.open = std::max<uint32_t>(1, config_.open);
  // Every charge must count in the request window for the bound in the header to hold.
  key_window_ = std::min(key_window_, window_);
  identical_ = std::min(identical_, window_);
}

std::string HistoricalBudget::window_text(Ms window) {
  const auto ms = window.count();
  char buf[48];
  if (ms % 60000 == 0)
    std::snprintf(buf, sizeof buf, "%lld min", static_cast<long long>(ms / 60000));
  else if (ms % 1000 == 0)
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms / 1000));
  else
    std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string HistoricalBudget::describe() const {
  char scale[32];
  std::snprintf(scale, sizeof scale, "%g", config_.time_scale);
  return "historical pacing per gateway: " + std::to_string(config_.requests) +
         " requests (BID_ASK counts 2) in any " + window_text(window_) + ", " +
         std::to_string(config_.per_key) + " per contract/exchange/what_to_show in any " +
         window_text(key_window_) + ", " + std::to_string(config_.open) +
         " open, no identical request within " + window_text(identical_) + "; " +
         (config_.small_bars_only ? "bars of 30 s and less only" : "all bar sizes") +
         (config_.time_scale != 1 ? std::string(", time scale ") + scale : std::string());
}

namespace {
// A key is made of the request's params: messages show its start only.
std::string shown_key(const std::string& key) {
  constexpr size_t kShown = 80;
  return key.size() <= kShown ? key : key.substr(0, kShown) + "...";
}
}  // namespace

bool HistoricalBudget::exempt(const historical::Request& request) const {
  return config_.small_bars_only && !request.small_bars;
}

void HistoricalBudget::expire(Gateway& g, Clock::time_point now) const {
  // The request window is the longest: a settled charge out of it is out of every window.
  g.charges.erase(std::remove_if(g.charges.begin(), g.charges.end(),
                                 [&](const Charge& c) {
                                   if (c.settled == Clock::time_point::max()) return false;
                                   return c.weight == 0 && !c.windows ? true
                                                                      : c.settled + window_ <= now;
                                 }),
                  g.charges.end());
}

template <typename Weight>
Clock::time_point HistoricalBudget::room_at(const Gateway& g, Weight weight, uint64_t weight_of_new,
                                            uint64_t limit, Ms window, Clock::time_point now,
                                            uint64_t& counted) const {
  counted = 0;
  std::vector<std::pair<Clock::time_point, uint64_t>> leaving;
  for (const auto& c : g.charges) {
    const uint64_t w = weight(c);
    if (w == 0) continue;
    const bool running = c.settled == Clock::time_point::max();
    if (!running && c.settled + window <= now) continue;
    counted += w;
    if (!running) leaving.emplace_back(c.settled + window, w);
  }
  // An empty window admits any one request (one weighing more than the limit runs alone).
  if (counted == 0 || counted + weight_of_new <= limit) return now;
  std::sort(leaving.begin(), leaving.end());
  uint64_t left = counted;
  for (const auto& [when, w] : leaving) {
    left -= w;
    if (left == 0 || left + weight_of_new <= limit) return when;
  }
  // Only running requests can make room: each counts until at least a window after now.
  return now + window;
}

HistoricalBudget::Verdict HistoricalBudget::check(const std::string& gateway,
                                                  const historical::Request& request,
                                                  Clock::time_point now, bool global_only) {
  Verdict v;
  v.slot = now;
  auto it = gateways_.find(gateway);
  if (it == gateways_.end()) return v;  // no historical worker of it: nothing counted there
  Gateway& g = it->second;
  expire(g, now);
  auto hold = [&](Clock::time_point slot, std::string why) {
    if (v.ok || slot > v.slot) {
      v.slot = std::max(slot, now);
      v.why = std::move(why);
    }
    v.ok = false;
  };
  uint64_t open = 0;
  for (const auto& c : g.charges) open += c.settled == Clock::time_point::max();
  if (open >= config_.open)
    hold(now, std::to_string(open) + " requests open (limit " + std::to_string(config_.open) +
                  "); waiting for one to end");
  if (exempt(request)) return v;
  uint64_t used = 0;
  const auto window_slot = room_at(
      g, [](const Charge& c) -> uint64_t { return c.weight; }, global_only ? 1 : request.weight,
      config_.requests, window_, now, used);
  if (window_slot > now)
    hold(window_slot, std::to_string(used) + " requests in the last " + window_text(window_) +
                          " (limit " + std::to_string(config_.requests) + ")");
  if (global_only) return v;
  uint64_t same_key = 0;
  const auto key_slot = room_at(
      g, [&](const Charge& c) -> uint64_t { return c.windows && c.key == request.key_hash; }, 1,
      config_.per_key, key_window_, now, same_key);
  if (key_slot > now)
    hold(key_slot, std::to_string(same_key) + " requests for " + shown_key(request.key) +
                       " in the last " + window_text(key_window_) + " (limit " +
                       std::to_string(config_.per_key) + ")");
  uint64_t identical = 0;
  const auto identical_slot = room_at(
      g, [&](const Charge& c) -> uint64_t { return c.windows && c.identical == request.identical; },
      1, 1, identical_, now, identical);
  if (identical_slot > now)
    hold(identical_slot, "an identical request was sent in the last " + window_text(identical_) +
                             " (IB allows none)");
  return v;
}

uint64_t HistoricalBudget::charge(const std::string& gateway, const historical::Request& request,
                                  Clock::time_point now) {
  auto it = gateways_.find(gateway);
  if (it == gateways_.end()) return 0;
  Gateway& g = it->second;
  expire(g, now);
  Charge c;
  c.ticket = next_ticket_++;
  c.windows = !exempt(request);
  c.weight = c.windows ? std::max<uint32_t>(1, request.weight) : 0;
  c.key = request.key_hash;
  c.identical = request.identical;
  g.charges.push_back(c);
  g.charged += c.weight;
  return c.ticket;
}

void HistoricalBudget::settle(const std::string& gateway, uint64_t ticket, Clock::time_point now) {
  if (ticket == 0) return;
  auto it = gateways_.find(gateway);
  if (it == gateways_.end()) return;
  for (auto& c : it->second.charges) {
    if (c.ticket != ticket) continue;
    if (c.settled == Clock::time_point::max()) c.settled = now;
    break;
  }
  // No expire() here: `now` may be a moment to come (a lost worker's charge counts until its
  // job's deadline), and expiring at it would drop charges that still count today.
}

void HistoricalBudget::add_worker(const std::string& gateway) {
  ++gateways_[gateway].workers;
}

void HistoricalBudget::remove_worker(const std::string& gateway, Clock::time_point now) {
  auto it = gateways_.find(gateway);
  if (it == gateways_.end()) return;
  if (it->second.workers > 0) --it->second.workers;
  expire(it->second, now);
  if (it->second.workers == 0 && it->second.charges.empty()) gateways_.erase(it);
}

void HistoricalBudget::collect(Clock::time_point now) {
  for (auto it = gateways_.begin(); it != gateways_.end();) {
    expire(it->second, now);
    if (it->second.workers == 0 && it->second.charges.empty())
      it = gateways_.erase(it);
    else
      ++it;
  }
}

HistoricalBudget::View HistoricalBudget::view(const std::string& gateway,
                                              Clock::time_point now) const {
  View v;
  v.next_slot = now;
  auto it = gateways_.find(gateway);
  if (it == gateways_.end()) return v;
  const Gateway& g = it->second;
  v.workers = g.workers;
  v.charged = g.charged;
  for (const auto& c : g.charges) v.open += c.settled == Clock::time_point::max();
  v.next_slot = room_at(
      g, [](const Charge& c) -> uint64_t { return c.weight; }, 1, config_.requests, window_, now,
      v.used);
  return v;
}

}  // namespace intentq::broker
