// One TWS API client of the simulator: handshake, startApi, then requests answered from the
// scenario with latency and faults applied, under IB's pacing rule.
//
// Runs on the server's single-threaded io_context: a read loop (handshake, frames, dispatch), a
// write loop draining an outbox (so the frames of one answer are never interleaved with another),
// and one short coroutine per delayed answer. Everything the client sends is untrusted: malformed
// input closes this connection with a log line, nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "gateway/messages.hpp"
#include "sim/pacing.hpp"
#include "sim/scenario.hpp"

namespace intentq::sim {

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, tcp::socket socket, uint64_t id);
  void start();
  void close();  // at once; idempotent
  uint64_t id() const { return id_; }

 private:
  static awaitable<void> read_loop(std::shared_ptr<Connection> self);
  static awaitable<void> write_loop(std::shared_ptr<Connection> self);
  static awaitable<void> deliver(std::shared_ptr<Connection> self, std::chrono::milliseconds delay,
                                 gw::ClientMessage message);
  enum class Flood { kPositions, kErrors, kBars };
  // A hostile fault: frames sent as fast as the client reads them, until the server's flood
  // bounds (seconds, bytes) or the connection's end. At most a few hundred frames are queued.
  // kBars repeats `frames` (a historical answer's bars message).
  static awaitable<void> flood(std::shared_ptr<Connection> self, Flood kind,
                               std::vector<std::string> frames = {});

  // slow-frame: sends `bytes` one byte every ServerOptions::trickle_ms, in order after earlier
  // trickles, until all are sent, the flood time bound passes, or the connection ends.
  static awaitable<void> trickle(std::shared_ptr<Connection> self);

  // Market-data sends a snapshot's TICK_SNAPSHOT_END after the scaled 11 s, unless cancelled.
  static awaitable<void> end_snapshot(std::shared_ptr<Connection> self, int req_id);

  PacingResult judge_pacing();
  // Market-data messages handled at receipt: reqMarketDataType, the cancels, and IB's historical
  // pacing for reqHistoricalData / reqHeadTimestamp (a violation is answered at once). True when
  // the message needs nothing more.
  bool on_market_data(const gw::ClientMessage& message);
  std::vector<std::string> build(const gw::ClientMessage& message);
  bool has_fault(Fault f) const;

  void on_frame(std::string_view payload);
  void on_start_api(const gw::StartApi& start);
  void answer(const gw::ClientMessage& message);  // sends the answer with faults applied
  void send(std::string payload);                 // frames and queues one payload
  void send_raw(std::string bytes);               // queues bytes as they are
  void close_when_flushed();                      // sends what is queued, then closes
  bool open() const { return !closed_ && !closing_; }

  Server& server_;
  tcp::socket socket_;
  uint64_t id_;
  std::string peer_;
  asio::steady_timer wake_;    // wakes the write loop
  asio::steady_timer linger_;  // bounds the wait for the client's EOF after we shut down
  asio::steady_timer space_;   // wakes a flood when the outbox has room
  std::deque<std::string> outbox_;
  bool closing_ = false;
  bool closed_ = false;
  bool peer_closed_ = false;  // the client sent EOF
  int sv_ = 0;
  std::optional<int> client_id_;           // set once startApi is accepted
  PacingMeter pacing_;                     // --pacing per-connection
  CombinedPacing::Violations violations_;  // --pacing combined: this connection's refusals
  bool positions_flood_ = false;           // a flood is running (one of each kind at a time)
  bool error_flood_ = false;
  bool bars_flood_ = false;
  std::deque<std::string> trickles_;  // slow-frame: answers waiting to trickle, oldest first
  int market_data_type_ = 1;          // reqMarketDataType's setting (1 live .. 4 delayed-frozen)
  std::set<int> snapshots_;           // snapshots whose TICK_SNAPSHOT_END is still due
};

}  // namespace intentq::sim
