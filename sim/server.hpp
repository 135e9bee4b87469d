// intentq-gwsim's TCP server: accepts TWS API clients and runs one Connection per socket on a
// single-threaded io_context. It owns what connections share: the scenario, the options, the
// table of clientIds in use (unique, at most max_clients) and the latency generator.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "gateway/request_specs.hpp"
#include "sim/historical_pacing.hpp"
#include "sim/pacing.hpp"
#include "sim/scenario.hpp"
#include "sim/stats.hpp"

namespace intentq::sim {

class Connection;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;              // 0 = any free port (see local_endpoint())
  int max_version = 200;          // highest server version offered (176..200)
  std::optional<int> latency_ms;  // overrides the scenario's default latency
  std::optional<int> jitter_ms;   // overrides the scenario's jitter
  // Delay before the server version answers a handshake; default: latency_ms, else the
  // scenario's latency_ms (jitter applies too).
  std::optional<int> handshake_latency_ms;
  std::set<Fault> faults;  // added to the scenario's faults
  // With fault_cycle_ms > 0 the `faults` above are not all on at once: the server cycles through
  // phases of fault_cycle_ms each: no fault, the first fault, no fault, the second fault, ...
  // (the scenario's faults stay on all the time).
  int fault_cycle_ms = 0;
  // With fault_connections > 0 the faults hit only the first N connections accepted: a client
  // that reconnects after a hostile answer then meets an honest gateway (0 = every connection).
  int fault_connections = 0;
  // slow-frame: the pause between two bytes of an answer.
  int trickle_ms = 100;
  // Bounds of one hostile flood (positions-no-end, error-flood) on one connection, so that a
  // test against a hostile gateway ends: the flood stops after this long or this many bytes.
  int flood_seconds = 10;
  int64_t flood_bytes = 64 << 20;
  int max_clients = 32;  // IB's per-gateway limit
  PacingMode pacing = PacingMode::kCombined;
  int max_messages_per_second = 50;
  int pacing_close_after = 10;  // combined: violations within one second that close a connection
  // IB's historical-data pacing (historical_pacing.hpp): on (default) or off; rules 1-3 for all
  // bar sizes (default) or for bars of 30 s or less only.
  bool historical_pacing = true;
  bool historical_small_bars_only = false;
  // Multiplies every market-data time rule: the pacing windows (15 s, 2 s, 10 min) and the 11 s
  // after which a snapshot ends. Tests use e.g. 0.01 to run the 10-minute window in 6 s.
  double time_scale = 1.0;
  // Keep the last N historical requests and cancels received in the counters' line
  // (historical_log.hpp); 0 = none.
  size_t historical_log = 0;
  // Market data as of this UTC second, frozen (bars end there, snapshots show it): answers that do
  // not depend on when a test runs. Unset: the real clock.
  std::optional<int64_t> market_time;
};

class Server {
 public:
  // Binds and listens (throws boost::system::system_error when the address is unusable).
  Server(asio::io_context& io, Scenario scenario, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();  // starts accepting
  void stop();   // stops accepting and closes every connection

  // ---- for connections ----
  const Scenario& scenario() const { return scenario_; }
  const ServerOptions& options() const { return options_; }
  // Whether fault `f` is on now for connection number `connection` (the first accepted is 1).
  bool has_fault(Fault f, uint64_t connection) const;
  // How long to hold back the answer to a request of this kind (latency + random jitter).
  std::chrono::milliseconds answer_delay(const gw::RequestSpec& spec);
  // IB's historical-data pacing, shared by every connection (IB applies it per login).
  HistoricalPacing& historical_pacing() { return historical_pacing_; }
  std::chrono::milliseconds handshake_delay();
  // The combined pacing budget (used when options().pacing is kCombined).
  CombinedPacing& combined_pacing() { return combined_pacing_; }
  Stats& stats() { return stats_; }
  // Milliseconds since the server started (the historical log's clock).
  int64_t uptime_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started_)
        .count();
  }
  // The counters as one JSON line (see stats.hpp).
  std::string stats_line() const {
    return stats_.json_line(client_ids_.size(), historical_pacing_);
  }

  enum class Admission { kAccepted, kDuplicateClientId, kFull };
  Admission register_client(int client_id, uint64_t connection_id);
  void unregister_client(int client_id, uint64_t connection_id);
  void forget(uint64_t connection_id);  // the connection is closed

 private:
  awaitable<void> accept_loop();

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Scenario scenario_;
  ServerOptions options_;
  std::set<Fault> faults_;  // always on
  std::vector<Fault> cycled_faults_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  CombinedPacing combined_pacing_;
  HistoricalPacing historical_pacing_;
  Stats stats_;
  std::mt19937 rng_;
  uint64_t next_connection_id_ = 1;
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;
  std::map<int, uint64_t> client_ids_;  // clientId -> connection that holds it
  bool stopped_ = false;
};

}  // namespace intentq::sim
