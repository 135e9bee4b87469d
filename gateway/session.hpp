// A TWS API client session on a caller-supplied io_context.
//
// One session = one TCP connection to IB Gateway / TWS with one clientId. Requests are C++20
// coroutines; several may run at once on the same session (the reader dispatches answers by
// request id). Each request returns its complete answer (e.g. every position up to positionEnd)
// or throws GatewayError.
//
// Lifecycle: Session::connect() connects (bounded by connect_timeout), does the handshake, sends
// startApi and returns once both nextValidId and managedAccounts have arrived. close() cancels the
// subscriptions this session opened and closes the socket; destroying the session closes the socket
// without the courtesy cancels.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "gateway/requests.hpp"
#include "gateway/session_options.hpp"
#include "gateway/types.hpp"

namespace intentq::gw {

struct GatewayError : std::runtime_error {
  enum class Kind {
    kUnreachable,     // TCP connect refused or timed out (IB's client-side 502)
    kRefused,         // clientId in use (326), or EOF before ready, or version out of range
    kIb,              // an IB error message answering a request (code/text attached)
    kPacing,          // IB error 100, 162 "pacing violation", 322 (gateway/ib_errors.hpp)
    kConnectionLost,  // socket EOF / reset while requests were outstanding
    kProtocol,        // the gateway sent something we cannot decode
    kCancelled,       // the session was closed while the request waited
    kTooLarge,        // the answer passed the per-request row or byte bound
  };
  GatewayError(Kind k, std::string msg, int code = 0)
      : std::runtime_error(std::move(msg)), kind(k), ib_code(code) {}
  Kind kind;
  int ib_code;  // IB's error code when there is one, else 0
};

class SessionCore;
class Session;

// A connected, ready session that no io_context owns: the socket's file descriptor plus its
// SessionCore (session_core.hpp). The worker keeps one for its whole life (persistent mode) and
// lends it to each job: Session::attach() wraps it for the job's io_context, Session::reclaim()
// takes it back (also after the job's context was stopped at a deadline). Not thread-safe: one
// thread uses it at a time (the worker hands it over by starting and joining the job thread).
class DetachedSession {
 public:
  DetachedSession();
  ~DetachedSession();  // closes the descriptor
  DetachedSession(const DetachedSession&) = delete;
  DetachedSession& operator=(const DetachedSession&) = delete;

  // True while the connection is usable: descriptor open, no failure recorded.
  bool usable() const;
  // Why it is not (nullopt while usable).
  std::optional<GatewayError> failure() const;
  int fd() const { return fd_; }
  SessionCore& core() { return *core_; }
  const SessionCore& core() const { return *core_; }
  // Closes the descriptor (failure = `why` unless one was recorded).
  void close(GatewayError why);

  // Between jobs, for a poll loop on fd(): reads what is there (bounded per call) and writes
  // what is queued and due. Both detect EOF and errors (usable() turns false).
  void read_available();
  void write_due(std::chrono::steady_clock::time_point now);
  // When the next queued message may go (nullopt: nothing queued).
  std::optional<std::chrono::steady_clock::time_point> next_write(
      std::chrono::steady_clock::time_point now) const;

 private:
  friend class Session;
  friend struct SessionAccess;
  int fd_ = -1;
  bool v6_ = false;
  std::unique_ptr<SessionCore> core_;
  std::shared_ptr<void> attached_;  // the job's Connection while one holds it
};

class Session {
 public:
  // Connects, handshakes and waits until ready. Throws GatewayError (kUnreachable, kRefused,
  // kProtocol, kConnectionLost).
  static awaitable<std::shared_ptr<Session>> connect(SessionOptions options);
  // Connects like connect() and returns the ready session detached from this io_context.
  static awaitable<std::unique_ptr<DetachedSession>> connect_detached(SessionOptions options);
  // Lends `detached` to the caller's io_context until reclaim(). In this mode close() and abort()
  // end only this borrower's requests (abandoned: see RequestTable::abandon_all); the connection
  // stays open. `detached` must be usable and not attached.
  static std::shared_ptr<Session> attach(asio::any_io_executor executor, DetachedSession& detached);
  // Takes the session back from its borrower (no-op if not attached). Safe after the borrower's
  // io_context was stopped, before it is destroyed: waiting requests are abandoned, the
  // descriptor and the core return to `detached`.
  static void reclaim(DetachedSession& detached);

  virtual ~Session() = default;

  virtual int server_version() const = 0;
  virtual const std::string& connection_time() const = 0;
  virtual const std::vector<std::string>& accounts() const = 0;
  virtual int64_t next_order_id() const = 0;
  // False after IB error 1100/2110 (the gateway lost its link to IB) until 1101/1102.
  virtual bool upstream_connected() const { return true; }

  // The one entry point for IB requests: sends `request` (a gw::req struct, gateway/requests.hpp)
  // or, when its spec's sharing allows, joins the same question already on the wire; waits for
  // the whole answer and returns it. Throws GatewayError.
  // A request that names a market data type (req::MarketDataSnapshot) first sets the
  // connection's type (ensure_market_data_type) at the moment its own message is queued.
  template <class Request>
  awaitable<typename Request::Result> fetch(Request request) {
    auto done = co_await fetch(spec(Request::kind), [this, &request](int sv, int req_id) {
      if constexpr (requires { request.market_data_type; })
        ensure_market_data_type(request.market_data_type);
      return request.encode(sv, req_id);
    });
    co_return Request::take(*done);
  }
  // The untyped form: `encode` writes the outgoing message for the negotiated server version and
  // the request id the table gave (-1 for id-less kinds). Returns the finished request.
  using Encoder = std::function<std::string(int sv, int req_id)>;
  virtual awaitable<std::shared_ptr<PendingRequest>> fetch(const RequestSpec& spec,
                                                           Encoder encode) = 0;

  // Typed shorthands for fetch().
  awaitable<std::vector<Position>> positions() { return fetch(req::Positions{}); }
  awaitable<std::vector<AccountValue>> account_summary(std::string group, std::string tags) {
    return fetch(req::AccountSummary{std::move(group), std::move(tags)});
  }
  awaitable<std::vector<Fill>> executions(ExecutionFilter filter) {
    return fetch(req::Executions{std::move(filter)});
  }
  awaitable<std::vector<OpenOrderWithStatus>> all_open_orders() {
    return fetch(req::AllOpenOrders{});
  }
  awaitable<std::vector<OpenOrderWithStatus>> open_orders() {  // this clientId's
    return fetch(req::OpenOrders{});
  }
  awaitable<std::vector<ContractDetails>> contract_details(Contract contract) {
    return fetch(req::ContractDetails{std::move(contract)});
  }
  awaitable<int64_t> current_time() { return fetch(req::CurrentTime{}); }  // epoch seconds
  awaitable<HistoricalBars> historical_data(HistoricalDataRequest request) {
    return fetch(req::HistoricalData{std::move(request)});
  }
  awaitable<std::string> head_timestamp(HeadTimestampRequest request) {
    return fetch(req::HeadTimestamp{std::move(request)});
  }
  // A quote snapshot, asked with the connection's market data type set to `type`
  // (market_data_type::kLive .. kDelayedFrozen): see ensure_market_data_type().
  awaitable<MarketDataSnapshot> snapshot(MarketDataRequest request,
                                         int type = market_data_type::kLive) {
    return fetch(req::MarketDataSnapshot{std::move(request), type});
  }

  // IB's market data type is a per-connection setting that applies to later reqMktData. The
  // session remembers the type it last set (for a persistent session: across jobs) and queues
  // reqMarketDataType only when `type` differs (a connection that never set one is live, 1).
  // Messages leave in the order they are queued; fetch(req::MarketDataSnapshot) calls this just
  // before queueing its reqMktData, so each snapshot is asked with its own type even when
  // snapshots of several types run at once. Returns true if it queued reqMarketDataType. Throws
  // GatewayError if the session is closed or failed.
  virtual bool ensure_market_data_type(int type) = 0;

  // Cancels open subscriptions and requests (positions, account summary, historical data, head
  // timestamp, snapshots), then closes the socket. Every request still waiting fails with
  // kCancelled.
  virtual awaitable<void> close() = 0;
  // Closes the socket at once (no cancels sent); waiting requests fail with kCancelled.
  virtual void abort() = 0;
};

}  // namespace intentq::gw
