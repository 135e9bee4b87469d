// IB's historical-data pacing per gateway (issue 20; docs/protocol.md §6.11): the second budget a
// gateway's jobs are admitted against, next to the message budget (broker/gateway_budget.hpp).
// IB counts the historical requests of ALL API clients of one login together, so the broker,
// which hands out every job, admits a historical-class job to a worker of gateway g only when
// sending it keeps every rule true for g:
//   - at most `requests` weighted requests (BID_ASK counts 2) in any `window` (IB: 60 in 10 min);
//   - at most `per_key` requests for one (contract, exchange, what_to_show) in any `key_window`
//     (IB: 5 in 2 s; the 6th is a violation);
//   - at most `open` requests running at once (IB: 50);
//   - no identical request (same service, same canonical params) in the last `identical` (15 s).
// A charge is made at dispatch and is "open" until the job ends (settle()): the request may leave
// the worker at any moment in between, so it counts in every window from dispatch until a window's
// length after it settled, as the message budget's charges do. No sockets and no clock.
//
// Bounded: every charge counts in the longest window (key and identical windows are at most the
// request window, checked at start), so a gateway holds at most `requests` + 1 charges in its
// window plus its open ones (at most `open`; bars exempt by small_bars_only are only open), each
// a fixed-size record (keys are hashes). A gateway is dropped once it has no historical worker
// and no charge.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "broker/config.hpp"
#include "common/historical_rules.hpp"

namespace intentq::broker {

class HistoricalBudget {
 public:
  explicit HistoricalBudget(const HistoricalConfig& config);

  // Why a request cannot be sent to a gateway now, and the earliest moment it could be: a moment
  // the rules certainly forbid before (a charge still running counts as if it ended now), so a
  // deadline before `slot` certainly passes first. `slot` is `now` when only the open limit holds
  // it (a running request may end any moment).
  struct Verdict {
    bool ok = true;
    Clock::time_point slot;
    std::string why;  // "60 requests in the last 10 min (limit 60)", ... empty when ok
  };
  // The job's rules for `gateway`. `global_only`: the window and open rules alone (what any job
  // would meet: used to skip scanning jobs when none can go).
  Verdict check(const std::string& gateway, const historical::Request& request,
                Clock::time_point now, bool global_only = false);
  // Records an open charge (after check() said yes); returns its ticket for settle().
  uint64_t charge(const std::string& gateway, const historical::Request& request,
                  Clock::time_point now);
  // The job of `ticket` ended at `now` (or will have ended by then: a moment to come is allowed):
  // its charge leaves each window a window's length later.
  void settle(const std::string& gateway, uint64_t ticket, Clock::time_point now);

  void add_worker(const std::string& gateway);
  void remove_worker(const std::string& gateway, Clock::time_point now);
  void collect(Clock::time_point now);  // drops gateways without workers and charges

  // Introspection (mmi.stats, metrics, TIMEOUT messages).
  struct View {
    uint64_t used = 0;     // weighted requests in the current window
    uint64_t open = 0;     // requests running now
    uint64_t charged = 0;  // weighted requests since start
    size_t workers = 0;    // live workers of the gateway that announced a historical service
    Clock::time_point
        next_slot;  // when one more request fits the window and open rules (now: free)
  };
  View view(const std::string& gateway, Clock::time_point now) const;
  bool known(const std::string& gateway) const { return gateways_.count(gateway) != 0; }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [id, g] : gateways_) fn(id);
  }
  const HistoricalConfig& config() const { return config_; }
  Ms window() const { return window_; }
  Ms key_window() const { return key_window_; }
  Ms identical_window() const { return identical_; }
  // "600 s" -> "10 min" as messages say windows.
  static std::string window_text(Ms window);
  // One line announcing the rules in force (startup log).
  std::string describe() const;

 private:
  struct Charge {
    uint64_t ticket = 0;
    uint32_t weight = 0;  // in the request window; 0 when exempt (bars over 30 s, small_bars_only)
    bool windows = true;  // counts in the key and identical windows (false when exempt)
    uint64_t key = 0;
    uint64_t identical = 0;
    Clock::time_point settled = Clock::time_point::max();  // max while the job runs
  };
  struct Gateway {
    std::deque<Charge> charges;
    size_t workers = 0;
    uint64_t charged = 0;
  };
  bool exempt(const historical::Request& request) const;
  void expire(Gateway& g, Clock::time_point now) const;
  // When `need` more weight fits under `limit` among the charges `in` selects, each leaving at
  // its settled time + `window`; `now` when it fits already.
  template <typename Pred>
  Clock::time_point room_at(const Gateway& g, Pred in, uint64_t weight_of_new, uint64_t limit,
                            Ms window, Clock::time_point now, uint64_t& counted) const;

  HistoricalConfig config_;
  Ms window_, key_window_, identical_;
  std::map<std::string, Gateway, std::less<>> gateways_;
  uint64_t next_ticket_ = 1;
};

}  // namespace intentq::broker
