// What the simulated gateway knows: accounts, positions, account values, open orders, executions
// and contracts, plus per-request latency and faults. Loaded from a JSON file (format documented
// in docs/gateway.md, "Simulator") or from the built-in default scenario.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/types.hpp"
#include "sim/market_data_spec.hpp"

namespace intentq::sim {

// A scenario that cannot be used: bad JSON, a wrong type or an unknown key. The message names
// the offending place, e.g. "positions[1].contract.con_id: expected an integer, got string".
struct ScenarioError : std::runtime_error {
  using runtime_error::runtime_error;
};

// Faults the simulator can inject (--fault NAME, or "faults" in the scenario).
enum class Fault {
  kRefuse,               // close every connection right after accept
  kCloseAfterHandshake,  // send the server version, then close
  kCloseMidAnswer,       // send the first message of an answer, then close
  kGarbage,              // put an undecodable frame in the middle of every answer
  kSilence,              // never answer requests after the start-up burst
  // Hostile gateways (bounded by ServerOptions::flood_seconds / flood_bytes per connection):
  kPositionsNoEnd,   // answer reqPositions with position messages forever, never positionEnd
  kErrorFlood,       // with every request, a flood of error messages for request ids nobody sent
  kSlowFrame,        // every answer trickles in a byte at a time (ServerOptions::trickle_ms apart)
  kHistoricalNoEnd,  // answer reqHistoricalData with its bars over and over, never the end
};
std::optional<Fault> fault_from_string(std::string_view name);  // "close-mid-answer" -> ...
std::string_view to_string(Fault f);

// Request families that can carry their own latency ("latency_ms": {"positions": 100, ...}):
// the families of the gateway's request specs (gw::RequestSpec::family, gateway/request_specs.hpp).
// True if `name` is one.
bool is_request_family(std::string_view name);

struct OpenOrderEntry {
  gw::OpenOrder open_order;
  gw::OrderStatus status;  // sent right after the openOrder
};

struct ExecutionEntry {
  gw::Execution execution;
  std::optional<gw::CommissionReport> commission;  // sent right after the execDetails
};

struct Scenario {
  std::vector<std::string> accounts;
  // Named account groups for reqAccountSummary ("All" always means every account).
  std::map<std::string, std::vector<std::string>> groups;
  int64_t next_valid_id = 1;
  std::vector<gw::Position> positions;
  std::vector<gw::AccountValue> account_values;
  std::vector<OpenOrderEntry> open_orders;
  std::vector<ExecutionEntry> executions;
  std::vector<gw::ContractDetails> contracts;
  // Market data of contracts[i] (its "market_data" object over default_market_data()); same size.
  std::vector<MarketDataSpec> market_data;
  std::optional<int> latency_ms;  // default for every answer (the CLI overrides it)
  std::optional<int> jitter_ms;
  // Per request family (gw::RequestSpec::family); wins over the default.
  std::map<std::string, int, std::less<>> request_latency_ms;
  std::set<Fault> faults;
};

// Parses a scenario from JSON text. Throws ScenarioError.
Scenario parse_scenario(std::string_view json_text);
// Reads and parses a file. Throws ScenarioError (also when the file cannot be read).
Scenario load_scenario(const std::string& path);

// The built-in scenario used when no --scenario is given: two accounts, a few stocks, a future,
// an option, open orders and fills.
std::string_view default_scenario_json();
Scenario default_scenario();

}  // namespace intentq::sim
