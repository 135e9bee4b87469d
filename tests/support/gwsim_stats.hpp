// Reading intentq-gwsim's counters from a test: the simulator prints one JSON line
//   {"gwsim_stats": {"connections": N, "requests": {"reqPositions": N, ...}, "requests_total": N,
//                    "pacing_errors": N, "pacing_disconnects": N, "clients_now": N,
//                    "historical": {"requests": N, "open_now": N, "open_limit_322": N,
//                                   "violations": {"identical_15s": N, ...}}}}
// on SIGUSR1 and at exit (docs/gateway.md, "Counters"). Tests read it as GwsimStats; the
// benchmark keeps the object as it came (request_gwsim_stats) to copy it into its figures.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace intentq::test {

struct GwsimStats {
  uint64_t connections = 0;                  // TCP connections accepted since start
  std::map<std::string, uint64_t> requests;  // by TWS API message name ("reqPositions", ...)
  uint64_t requests_total = 0;
  uint64_t pacing_errors = 0;  // error 100 sent
  uint64_t pacing_disconnects = 0;
  uint64_t clients_now = 0;  // API clients connected (startApi accepted) when it was printed
  // IB's historical-data pacing ("historical"): requests judged, open now, 322s sent, and the
  // violations per rule ("identical_15s", "same_contract_2s", "window_10min", "bid_ask_double").
  struct Historical {
    uint64_t requests = 0;
    uint64_t open_now = 0;
    uint64_t open_limit_322 = 0;
    std::map<std::string, uint64_t> violations;
    uint64_t violation(const std::string& rule) const {
      auto it = violations.find(rule);
      return it == violations.end() ? 0 : it->second;
    }
  } historical;

  uint64_t requests_of(const std::string& name) const {
    auto it = requests.find(name);
    return it == requests.end() ? 0 : it->second;
  }
};

// Parses one stats line; nullopt when the line is not one (throws std::runtime_error when it is
// one but malformed).
std::optional<GwsimStats> parse_gwsim_stats(const std::string& line);

// The "gwsim_stats" object of one line; nullopt when the line is not a stats line (throws
// std::runtime_error when it is one but not JSON).
std::optional<nlohmann::json> gwsim_stats_object(const std::string& line);

// Sends SIGUSR1 to a running simulator and returns the "gwsim_stats" object of the line it
// prints, or nullopt when none comes within `timeout` (a simulator without counters).
std::optional<nlohmann::json> request_gwsim_stats(Process& sim, std::chrono::milliseconds timeout);

// Sends SIGUSR1 to a running simulator and waits up to `timeout` for the line it prints.
// Throws std::runtime_error (with the simulator's output) on timeout.
GwsimStats read_gwsim_stats(Process& sim,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The last stats line the simulator printed (e.g. the one at exit, after wait_exit()).
std::optional<GwsimStats> last_gwsim_stats(Process& sim);

}  // namespace intentq::test
