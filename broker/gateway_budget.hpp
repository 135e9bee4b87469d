// The message budget of each IB gateway behind the broker (issue 10, design (a); docs/gateway.md
// "Gateway budget"). IB counts the messages of ALL API clients of one gateway together, so the
// broker, which hands out every job, does the admission: a job that costs c messages goes to a
// worker of gateway g only if the messages charged to g in the last 1000 ms plus c fit g's budget.
//
// Per gateway id: the smallest budget any live worker of it announced, and a sliding window of
// the charges of the last second. No sockets and no clock: every call takes `now`.
//
// A charge is made when the job is dispatched, but a job's messages leave over its whole run: a
// summary's requests at its start, its cancels at its end (after the answers). So a charge is
// "open" from dispatch until the worker is free again (settle()), and counts in the window until
// 1000 ms after that. Every message of a job is sent between its dispatch and its settling, so
// any one-second window of the gateway's reads sees only charges that all counted at the last
// dispatch inside it: at most the budget. Charging only the dispatch instant (the first design)
// let a burst admitted at the end of one window spill its cancels into the next.
//
// Bounded: a window holds at most `budget` charges (each costs >= 1 message) plus one, and a
// gateway's entry is dropped once it has no worker and its window is empty.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "broker/config.hpp"

namespace intentq::broker {

class GatewayBudget {
 public:
  static constexpr Ms kWindow{1000};

  // A worker of gateway `id` registered with this budget (messages per second) / went away.
  void add_worker(const std::string& id, uint32_t budget);
  void remove_worker(const std::string& id, uint32_t budget, Clock::time_point now);

  // True when `cost` more messages fit into the window of `id` now. A cost larger than the whole
  // budget fits only into an empty window (otherwise such a job could never run).
  bool can_charge(const std::string& id, uint32_t cost, Clock::time_point now);
  // Records an open charge of `cost` messages dispatched at `now` (call right after can_charge
  // said yes) and returns its ticket for settle(); 0 when nothing was charged.
  uint64_t charge(const std::string& id, uint32_t cost, Clock::time_point now);
  // The job of `ticket` ended at `now` (its worker replied or went away): its charge leaves the
  // window at now + 1000 ms. Unknown tickets are ignored.
  void settle(const std::string& id, uint64_t ticket, Clock::time_point now);
  // The earliest time at which `cost` messages fit into the window of `id` (now if they do);
  // Clock::time_point::max() for an unknown gateway, or when only the settling of a job still
  // running can make room (the broker looks again then).
  Clock::time_point room_at(const std::string& id, uint32_t cost, Clock::time_point now);

  // Introspection (mmi.stats).
  struct View {
    uint32_t budget = 0;  // 0 when no worker of the gateway is live
    uint64_t used = 0;    // messages of running jobs and of those settled in the last 1000 ms
    size_t workers = 0;
    uint64_t charged = 0;  // messages charged since start
  };
  bool known(const std::string& id) const { return gateways_.count(id) != 0; }
  uint32_t budget(const std::string& id) const;
  // Calls fn(id, View) for each gateway, in id order.
  template <typename Fn>
  void for_each(Clock::time_point now, Fn&& fn) const {
    for (const auto& [id, g] : gateways_)
      fn(id, View{min_budget(g), used_at(g, now), count_workers(g), g.charged});
  }
  size_t size() const { return gateways_.size(); }
  // Drops gateways without workers whose window has emptied.
  void collect(Clock::time_point now);

 private:
  struct Charge {
    uint64_t ticket = 0;
    uint32_t cost = 0;
    Clock::time_point settled = Clock::time_point::max();  // max while the job runs
  };
  struct Gateway {
    std::map<uint32_t, size_t> budgets;  // announced budget -> live workers announcing it
    std::deque<Charge> window;           // in dispatch order; settled ones leave in any order
    uint64_t used = 0;                   // sum of the window
    uint64_t charged = 0;
    uint32_t last_budget = 0;  // kept while no worker is live, so a re-registering pool stays paced
  };
  static void expire(Gateway& g, Clock::time_point now);
  static uint64_t used_at(const Gateway& g, Clock::time_point now);
  static uint32_t min_budget(const Gateway& g);
  static size_t count_workers(const Gateway& g);
  Gateway* find(const std::string& id);

  std::map<std::string, Gateway, std::less<>> gateways_;
  uint64_t next_ticket_ = 1;
};

}  // namespace intentq::broker
