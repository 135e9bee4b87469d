// Counters tests read from the simulator: printed as one JSON line on stdout on SIGUSR1 and at
// exit, e.g.
//   {"gwsim_stats": {"connections": 3, "requests": {"reqPositions": 10, ...},
//                    "requests_total": 25, "pacing_errors": 0, "pacing_disconnects": 0,
//                    "clients_now": 1}}
// "historical" holds IB's historical-data pacing counters: {"requests": N, "open_now": N,
// "violations": {"identical_15s": N, "same_contract_2s": N, "window_10min": N,
// "bid_ask_double": N}, "open_limit_322": N}, and with --historical-log N also "log" (the
// historical requests and cancels received, historical_log.hpp) and "log_dropped".
// "requests" counts every message a client sent after the handshake, by its TWS API name
// (startApi and cancels included, refused ones too: it is what the gateway received).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "gateway/messages.hpp"
#include "sim/historical_log.hpp"
#include "sim/historical_pacing.hpp"

namespace intentq::sim {

// The TWS API name of a client message: "startApi", then the request and cancel names of the
// request specs ("reqPositions", "cancelPositions", ...), "unknown" for a request the simulator
// does not serve.
std::string_view message_name(const gw::ClientMessage& m);

struct Stats {
  uint64_t connections = 0;  // TCP connections accepted (refused by a fault too)
  std::map<std::string, uint64_t, std::less<>> requests;
  uint64_t requests_total = 0;
  uint64_t pacing_errors = 0;       // error 100 sent
  uint64_t pacing_disconnects = 0;  // connections closed for sustained violation
  HistoricalLog historical_log;     // off unless --historical-log N

  void count_request(const gw::ClientMessage& m);
  // The JSON line (no newline); `clients_now` = API clients connected at this moment (startApi
  // accepted, connection not closing).
  // `historical`: IB's historical-data pacing counters, under "historical".
  std::string json_line(size_t clients_now, const HistoricalPacing& historical) const;
};

}  // namespace intentq::sim
