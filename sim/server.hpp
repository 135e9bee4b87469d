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

#include "common/asio.hpp"
#include "sim/scenario.hpp"

namespace intentq::sim {

class Connection;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;              // 0 = any free port (see local_endpoint())
  int max_version = 200;          // highest server version offered (176..200)
  std::optional<int> latency_ms;  // overrides the scenario's default latency
  std::optional<int> jitter_ms;   // overrides the scenario's jitter
  std::set<Fault> faults;         // added to the scenario's faults
  int max_clients = 32;           // IB's per-gateway limit
  int max_messages_per_second = 50;
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
  bool has_fault(Fault f) const { return faults_.count(f) > 0; }
  // How long to hold back the answer to a request of this kind (latency + random jitter).
  std::chrono::milliseconds answer_delay(RequestKind kind);

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
  std::set<Fault> faults_;
  std::mt19937 rng_;
  uint64_t next_connection_id_ = 1;
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;
  std::map<int, uint64_t> client_ids_;  // clientId -> connection that holds it
  bool stopped_ = false;
};

}  // namespace intentq::sim
