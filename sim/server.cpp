#include "sim/server.hpp"

#include <spdlog/spdlog.h>

#include "sim/connection.hpp"

namespace intentq::sim {

Server::Server(asio::io_context& io, Scenario scenario, ServerOptions options)
    : io_(io),
      acceptor_(io),
      scenario_(std::move(scenario)),
      options_(std::move(options)),
      combined_pacing_(options_.max_messages_per_second, options_.pacing_close_after),
      historical_pacing_(
          HistoricalPacingOptions{.small_bars_only = options_.historical_small_bars_only,
                                  .time_scale = options_.time_scale}),
      rng_(std::random_device{}()) {
  stats_.historical_log = HistoricalLog(options_.historical_log);
  faults_ = scenario_.faults;
  if (options_.fault_cycle_ms > 0) {
    cycled_faults_.assign(options_.faults.begin(), options_.faults.end());
  } else {
    faults_.insert(options_.faults.begin(), options_.faults.end());
  }

  tcp::endpoint endpoint;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(io);
    endpoint = *resolver.resolve(options_.host, std::to_string(options_.port)).begin();
  }
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
}

Server::~Server() {
  stop();
}

void Server::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  // close() calls forget(), which edits connections_: close a snapshot.
  auto snapshot = connections_;
  for (auto& [id, weak] : snapshot) {
    if (auto c = weak.lock()) c->close();
  }
}

awaitable<void> Server::accept_loop() {
  while (!stopped_) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) co_return;
    if (ec) {
      // EMFILE and friends: log and keep accepting; the acceptor itself is still fine.
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    uint64_t id = next_connection_id_++;
    ++stats_.connections;
    if (has_fault(Fault::kRefuse, id)) {
      spdlog::info("conn {}: fault refuse: closing at once", id);
      socket.close(ec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(*this, std::move(socket), id);
    connections_[id] = connection;
    spdlog::debug("conn {} accepted", id);
    connection->start();
  }
}

bool Server::has_fault(Fault f, uint64_t connection) const {
  if (options_.fault_connections > 0 &&
      connection > static_cast<uint64_t>(options_.fault_connections))
    return false;
  if (faults_.count(f)) return true;
  if (cycled_faults_.empty()) return false;
  // Phases of fault_cycle_ms: even ones without a fault, odd ones with the next cycled fault.
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
  auto phase = static_cast<uint64_t>(elapsed.count() / options_.fault_cycle_ms);
  if (phase % 2 == 0) return false;
  return cycled_faults_[(phase / 2) % cycled_faults_.size()] == f;
}

std::chrono::milliseconds Server::handshake_delay() {
  int base = options_.handshake_latency_ms.value_or(
      options_.latency_ms.value_or(scenario_.latency_ms.value_or(0)));
  int jitter = options_.jitter_ms.value_or(scenario_.jitter_ms.value_or(0));
  if (jitter > 0) base += std::uniform_int_distribution<int>(0, jitter)(rng_);
  return std::chrono::milliseconds(base);
}

std::chrono::milliseconds Server::answer_delay(const gw::RequestSpec& spec) {
  int base = 0;
  if (auto it = scenario_.request_latency_ms.find(spec.family);
      it != scenario_.request_latency_ms.end()) {
    base = it->second;
  } else if (options_.latency_ms) {
    base = *options_.latency_ms;
  } else if (scenario_.latency_ms) {
    base = *scenario_.latency_ms;
  }
  int jitter = options_.jitter_ms.value_or(scenario_.jitter_ms.value_or(0));
  if (jitter > 0) base += std::uniform_int_distribution<int>(0, jitter)(rng_);
  return std::chrono::milliseconds(base);
}

Server::Admission Server::register_client(int client_id, uint64_t connection_id) {
  if (client_ids_.count(client_id)) return Admission::kDuplicateClientId;
  if (static_cast<int>(client_ids_.size()) >= options_.max_clients) return Admission::kFull;
  client_ids_[client_id] = connection_id;
  return Admission::kAccepted;
}

void Server::unregister_client(int client_id, uint64_t connection_id) {
  auto it = client_ids_.find(client_id);
  if (it != client_ids_.end() && it->second == connection_id) client_ids_.erase(it);
}

void Server::forget(uint64_t connection_id) {
  connections_.erase(connection_id);
}

}  // namespace intentq::sim
