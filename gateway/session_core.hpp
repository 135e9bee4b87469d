// The part of a TWS API session that does no I/O and belongs to no io_context: the decoder's
// buffered bytes, the request table, the pacer, the queue of outgoing frames (the first possibly
// half written) and what the handshake learnt (server version, accounts, next order id).
//
// Why it exists: a persistent session (docs/gateway.md "Session lifecycle") outlives every job,
// yet each job runs on an io_context of its own that is destroyed when the job ends. The socket's
// file descriptor and this core are the whole of the session's state; a job's Connection
// (session.cpp) borrows both for the job and hands them back, and between jobs the worker's main
// loop reads and writes the same descriptor through the same core with plain non-blocking calls.
// Because reads and writes are non-blocking calls made only after readiness (never an
// asynchronous read or write that could complete after the job's context stopped), no byte is
// ever lost or sent twice at a hand-over.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/pacer.hpp"
#include "gateway/request_table.hpp"
#include "gateway/session.hpp"
#include "gateway/session_log.hpp"
#include "gateway/wire.hpp"

namespace intentq::gw {

class SessionCore {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SessionCore(SessionOptions options);

  const SessionOptions& options() const { return options_; }
  std::string where() const { return options_.host + ":" + std::to_string(options_.port); }

  // Handshake results.
  int server_version = 0;
  std::string connection_time;
  std::vector<std::string> accounts;
  bool have_accounts = false;
  int64_t next_order_id = 0;
  bool have_next_id = false;
  bool upstream_connected = true;
  // The market data type this connection last set (reqMarketDataType); nullopt = never set,
  // which IB treats as live (1).
  std::optional<int> market_data_type;
  bool ready() const { return have_accounts && have_next_id; }

  FrameReader& reader() { return reader_; }
  RequestTable& table() { return table_; }

  // Bytes read from the socket: decodes every complete frame and routes it. A fatal problem
  // (undecodable data, clientId in use) sets failure(); the owner then closes the socket.
  void feed(const char* data, size_t n);
  void process_buffered();
  const std::optional<GatewayError>& failure() const { return failure_; }
  void set_failure(GatewayError why);

  // Frames `payload` and queues it (nothing once failed).
  void send(std::string_view payload);
  bool has_output() const { return !out_.empty(); }
  // When the next frame may start (the pacer's say; at once for a half-written frame), or
  // nullopt when nothing is queued.
  std::optional<Clock::time_point> write_due(Clock::time_point now) const;
  // The bytes to write now; call only when write_due() <= now. The first call for a frame
  // records it with the pacer.
  std::string_view begin_write(Clock::time_point now);
  // `n` bytes of the current frame left the socket.
  void wrote(size_t n);
  void clear_output() {
    out_.clear();
    offset_ = 0;
    started_ = false;
  }

  // Queues reqMarketDataType(type) unless the connection already has that type (a connection
  // that never set one is live). Returns true if it queued the message.
  bool ensure_market_data_type(int type);

  // Ends a job's use: fails its waiting requests (`why`), orphans the id-less ones, queues the
  // account summary cancels. See RequestTable::abandon_all.
  void abandon_requests(const GatewayError& why);

  // Messages nobody asked for since the session opened (dropped), for the stats.
  uint64_t unsolicited() const { return unsolicited_; }

 private:
  void on_message(ServerMessage&& message, size_t bytes);
  void on_error_message(const ErrorMessage& e);

  SessionOptions options_;
  FrameReader reader_;
  RequestTable table_;
  Pacer pacer_;
  std::deque<std::string> out_;  // framed messages waiting for the writer
  size_t offset_ = 0;            // bytes of out_.front() already written
  bool started_ = false;         // out_.front() was recorded with the pacer
  std::optional<GatewayError> failure_;
  uint64_t unsolicited_ = 0;
  LogLimiter unmatched_log_;
  LogLimiter unsolicited_log_;
};

}  // namespace intentq::gw
