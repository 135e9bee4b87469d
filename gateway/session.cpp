// The TWS API client session (see session.hpp for the interface, docs/gateway.md for behaviour).
//
// Structure: SessionImpl is the handle the caller owns; Connection holds the socket, the reader
// and writer coroutines and the request table. The reader and writer keep the Connection alive;
// dropping the handle aborts the connection, which ends them. Everything runs on the caller's
// io_context: no threads, no statics, and every wait is an asio timer or socket operation.
//
// Waiting: a coroutine that waits for an answer waits on its request's `wakeup` timer (expiry =
// never); the reader cancel()s that timer when the request's state changes. Boost 1.74 has no
// channels, and a cancelled timer is the cheapest one-shot wake-up Asio offers.
#include "gateway/session.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <optional>
#include <type_traits>

#include "gateway/messages.hpp"
#include "gateway/pacer.hpp"
#include "gateway/request_table.hpp"
#include "gateway/wire.hpp"

namespace intentq::gw {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = GatewayError::Kind;
using boost::system::error_code;

// After execDetailsEnd, how long an executions request waits for commission reports that have not
// arrived yet (IB sends them right after each execution, but may send them after the end marker).
constexpr auto kCommissionGrace = std::chrono::milliseconds(300);
// How long close() waits for its courtesy cancels to leave the pacer and the socket.
constexpr auto kCloseFlushTimeout = std::chrono::seconds(2);
constexpr size_t kReadChunk = 64 * 1024;

constexpr int kClientCannotConnect = 502;  // IB's client-side "Couldn't connect to TWS"

auto redirect(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::any_io_executor ex, SessionOptions options)
      : ex_(ex),
        options_(std::move(options)),
        socket_(ex),
        connect_timer_(ex),
        ready_timer_(ex, Clock::time_point::max()),
        writer_timer_(ex, Clock::time_point::max()),
        flush_timer_(ex, Clock::time_point::max()),
        pacer_(options_.max_messages_per_second) {}

  awaitable<void> open();

  int server_version() const { return server_version_; }
  const std::string& connection_time() const { return connection_time_; }
  const std::vector<std::string>& accounts() const { return accounts_; }
  int64_t next_order_id() const { return next_order_id_; }
  bool upstream_connected() const { return upstream_connected_; }

  awaitable<std::vector<Position>> positions();
  awaitable<std::vector<AccountValue>> account_summary(std::string group, std::string tags);
  awaitable<std::vector<Fill>> executions(ExecutionFilter filter);
  awaitable<std::vector<OpenOrderWithStatus>> open_orders(RequestKind kind);
  awaitable<std::vector<ContractDetails>> contract_details(Contract contract);
  awaitable<int64_t> current_time();

  awaitable<void> close();
  // Fails every waiting request with `why`, closes the socket and stops the reader and writer.
  // The first failure wins; later calls do nothing.
  void shut(GatewayError why);

 private:
  awaitable<void> read_loop(std::shared_ptr<Connection> self);
  awaitable<void> write_loop(std::shared_ptr<Connection> self);
  awaitable<void> read_server_version();
  void on_connect_timeout();
  void on_read_error(const error_code& ec);
  void process_buffered();
  void on_message(ServerMessage&& message);
  void on_error_message(const ErrorMessage& e);
  void check_ready();

  void send(std::string payload);
  void ensure_usable() const;
  std::shared_ptr<PendingRequest> begin(RequestKind kind);
  awaitable<void> wait(std::shared_ptr<PendingRequest> r, bool until_end = false);
  static void rethrow_if_failed(const PendingRequest& r) {
    if (r.error) throw *r.error;
  }
  std::string where() const { return options_.host + ":" + std::to_string(options_.port); }

  asio::any_io_executor ex_;
  SessionOptions options_;
  tcp::socket socket_;
  asio::steady_timer connect_timer_;  // bounds the whole of open()
  asio::steady_timer ready_timer_;    // wakes open() when ready (or failed)
  asio::steady_timer writer_timer_;   // wakes the idle writer; paces it otherwise
  asio::steady_timer flush_timer_;    // wakes close() when the writer has flushed
  Pacer pacer_;
  FrameReader reader_;
  std::deque<std::string> out_;  // framed messages waiting for the writer
  bool writer_idle_ = false;
  bool writing_ = false;
  RequestTable table_;

  enum class Phase { kConnecting, kHandshaking, kStarting, kReady };
  Phase phase_ = Phase::kConnecting;
  bool closing_ = false;
  std::optional<GatewayError> failure_;

  int server_version_ = 0;
  std::string connection_time_;
  std::vector<std::string> accounts_;
  bool have_accounts_ = false;
  int64_t next_order_id_ = 0;
  bool have_next_id_ = false;
  bool upstream_connected_ = true;
};

// ---------------------------------------------------------------------------------------------
// Connecting

awaitable<void> Connection::open() {
  auto self = shared_from_this();
  // One deadline for the whole connect: TCP connect, handshake and startApi until ready.
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (ec) return;
    if (auto c = weak.lock()) c->on_connect_timeout();
  });

  error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    // A host name needs the resolver (which runs getaddrinfo on Asio's internal thread).
    tcp::resolver resolver(ex_);
    auto results =
        co_await resolver.async_resolve(options_.host, std::to_string(options_.port), redirect(ec));
    if (failure_) throw *failure_;
    if (ec || results.empty()) {
      shut(GatewayError(Kind::kUnreachable,
                        "cannot resolve gateway host " + options_.host + ": " + ec.message(),
                        kClientCannotConnect));
      throw *failure_;
    }
    endpoint = *results.begin();
  }

  co_await socket_.async_connect(endpoint, redirect(ec));
  if (failure_) throw *failure_;
  if (ec) {
    shut(GatewayError(Kind::kUnreachable,
                      "cannot connect to the gateway at " + where() + ": " + ec.message(),
                      kClientCannotConnect));
    throw *failure_;
  }
  socket_.set_option(tcp::no_delay(true), ec);

  phase_ = Phase::kHandshaking;
  co_await asio::async_write(
      socket_, asio::buffer(encode_handshake(options_.min_version, options_.max_version)),
      redirect(ec));
  if (failure_) throw *failure_;
  if (ec) {
    shut(GatewayError(
        Kind::kUnreachable,
        "gateway at " + where() + " dropped the connection during the handshake: " + ec.message(),
        kClientCannotConnect));
    throw *failure_;
  }
  co_await read_server_version();

  int lo = std::max(kMinServerVersion, options_.min_version);
  int hi = std::min(kMaxServerVersion, options_.max_version);
  if (server_version_ < lo || server_version_ > hi) {
    shut(GatewayError(Kind::kRefused, "gateway at " + where() + " negotiated server version " +
                                          std::to_string(server_version_) + "; intentq speaks " +
                                          std::to_string(lo) + ".." + std::to_string(hi)));
    throw *failure_;
  }
  spdlog::debug("gateway {}: server version {}, connection time '{}'", where(), server_version_,
                connection_time_);

  phase_ = Phase::kStarting;
  asio::co_spawn(ex_, write_loop(self), asio::detached);
  asio::co_spawn(ex_, read_loop(self), asio::detached);
  send(encode_start_api(server_version_, options_.client_id));

  while (!failure_ && phase_ != Phase::kReady) {
    co_await ready_timer_.async_wait(redirect(ec));
  }
  connect_timer_.cancel();
  if (failure_) throw *failure_;
  std::string accounts;
  for (const auto& a : accounts_) accounts += (accounts.empty() ? "" : ",") + a;
  spdlog::info("gateway {}: ready (clientId {}, server version {}, accounts {})", where(),
               options_.client_id, server_version_, accounts);
}

awaitable<void> Connection::read_server_version() {
  std::vector<char> buf(kReadChunk);
  for (;;) {
    std::optional<std::string> payload;
    try {
      payload = reader_.next();
    } catch (const CodecError& e) {
      shut(GatewayError(Kind::kProtocol,
                        "gateway sent an invalid handshake answer: " + std::string(e.what())));
      throw *failure_;
    }
    if (payload) {
      try {
        auto v = decode_server_version(*payload);
        server_version_ = v.version;
        connection_time_ = v.connection_time;
      } catch (const CodecError& e) {
        shut(GatewayError(Kind::kProtocol,
                          "gateway sent an invalid server version: " + std::string(e.what())));
        throw *failure_;
      }
      co_return;
    }
    error_code ec;
    auto n = co_await socket_.async_read_some(asio::buffer(buf), redirect(ec));
    if (failure_) throw *failure_;
    if (ec) {
      // No server version yet: the gateway does not accept API clients from us at all (API
      // disabled, client IP not trusted, too many clients) rather than refusing our clientId.
      shut(GatewayError(Kind::kUnreachable,
                        "gateway at " + where() +
                            " closed the connection during the API handshake (" + ec.message() +
                            "): API disabled, client IP not trusted, or too many clients?",
                        kClientCannotConnect));
      throw *failure_;
    }
    reader_.append(buf.data(), n);
  }
}

void Connection::on_connect_timeout() {
  if (failure_ || phase_ == Phase::kReady) return;
  auto ms = std::to_string(options_.connect_timeout.count());
  if (phase_ == Phase::kConnecting) {
    shut(GatewayError(
        Kind::kUnreachable,
        "cannot connect to the gateway at " + where() + ": timed out after " + ms + " ms",
        kClientCannotConnect));
  } else {
    shut(GatewayError(
        Kind::kUnreachable,
        "gateway at " + where() + " did not complete the API handshake within " + ms + " ms",
        kClientCannotConnect));
  }
}

void Connection::check_ready() {
  if (phase_ == Phase::kStarting && have_accounts_ && have_next_id_) {
    phase_ = Phase::kReady;
    ready_timer_.cancel();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self) {
  std::vector<char> buf(kReadChunk);
  process_buffered();  // bytes that arrived together with the server version
  while (!failure_) {
    error_code ec;
    auto n = co_await socket_.async_read_some(asio::buffer(buf), redirect(ec));
    if (failure_) break;
    if (ec) {
      on_read_error(ec);
      break;
    }
    reader_.append(buf.data(), n);
    process_buffered();
  }
}

void Connection::on_read_error(const error_code& ec) {
  if (phase_ != Phase::kReady) {
    shut(GatewayError(Kind::kRefused, "gateway closed the connection before ready: clientId " +
                                          std::to_string(options_.client_id) +
                                          " probably in use (IB 326)"));
  } else {
    spdlog::warn("gateway {}: connection lost: {}", where(), ec.message());
    shut(GatewayError(Kind::kConnectionLost, "connection lost"));
  }
}

void Connection::process_buffered() {
  try {
    while (!failure_) {
      auto payload = reader_.next();
      if (!payload) break;
      on_message(decode_server_message(server_version_, *payload));
    }
  } catch (const CodecError& e) {
    spdlog::error("gateway {}: undecodable data, closing: {}", where(), e.what());
    shut(GatewayError(Kind::kProtocol,
                      "gateway sent data intentq cannot decode: " + std::string(e.what())));
  }
}

void Connection::on_message(ServerMessage&& message) {
  if (auto* m = std::get_if<ManagedAccounts>(&message)) {
    accounts_ = m->accounts;
    have_accounts_ = true;
    check_ready();
    return;
  }
  if (auto* m = std::get_if<NextValidId>(&message)) {
    next_order_id_ = m->order_id;
    have_next_id_ = true;
    check_ready();
    return;
  }
  if (auto* m = std::get_if<ErrorMessage>(&message)) {
    on_error_message(*m);
    return;
  }
  if (auto* m = std::get_if<UnknownMessage>(&message)) {
    spdlog::trace("gateway {}: skipping message id {}", where(), m->id);
    return;
  }
  if (!table_.dispatch(message)) {
    spdlog::debug("gateway {}: unsolicited message (index {}) ignored", where(), message.index());
    return;
  }
  // A subscription whose answer just completed is no longer needed. Cancel it now, before any
  // other coroutine can start a new one that a late cancel would hit.
  if (std::holds_alternative<PositionEnd>(message)) {
    send(encode_cancel_positions(server_version_));
  } else if (auto* end = std::get_if<AccountSummaryEnd>(&message)) {
    send(encode_cancel_account_summary(server_version_, end->req_id));
  }
}

void Connection::on_error_message(const ErrorMessage& e) {
  switch (classify_error(e)) {
    case ErrorClass::kNotice:
      spdlog::debug("gateway {}: notice {} (id {}): {}", where(), e.code, e.id, e.message);
      return;
    case ErrorClass::kConnectivity: {
      // The gateway's own link to IB: the API socket stays up, requests may go unanswered until
      // it is back (the caller's deadline covers that). Tracked for upstream_connected().
      bool up = e.code == 1101 || e.code == 1102;
      if (e.code == 1100 || e.code == 2110) upstream_connected_ = false;
      if (up) upstream_connected_ = true;
      spdlog::warn("gateway {}: connectivity {}: {}", where(), e.code, e.message);
      if (options_.on_connectivity) options_.on_connectivity(e.code, e.message);
      return;
    }
    case ErrorClass::kClientIdInUse:
      spdlog::error("gateway {}: clientId {} in use: {}", where(), options_.client_id, e.message);
      shut(GatewayError(Kind::kRefused,
                        "clientId " + std::to_string(options_.client_id) +
                            " is already in use (IB 326): " + e.message,
                        e.code));
      return;
    case ErrorClass::kRequest:
      if (table_.on_error(e) == 0)
        spdlog::warn("gateway {}: error {} (id {}) matches no request: {}", where(), e.code, e.id,
                     e.message);
      else
        spdlog::debug("gateway {}: error {} (id {}): {}", where(), e.code, e.id, e.message);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

void Connection::send(std::string payload) {
  if (failure_) return;
  out_.push_back(frame(payload));
  if (writer_idle_) writer_timer_.cancel();
}

awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self) {
  while (!failure_) {
    error_code ec;
    if (out_.empty()) {
      flush_timer_.cancel();  // close() may be waiting for the queue to drain
      writer_idle_ = true;
      writer_timer_.expires_at(Clock::time_point::max());
      co_await writer_timer_.async_wait(redirect(ec));
      writer_idle_ = false;
      continue;
    }
    auto now = Clock::now();
    auto at = pacer_.earliest(now);
    if (at > now) {
      writer_timer_.expires_at(at);  // stay under max_messages_per_second
      co_await writer_timer_.async_wait(redirect(ec));
      continue;
    }
    pacer_.record(now);
    std::string message = std::move(out_.front());
    out_.pop_front();
    writing_ = true;
    co_await asio::async_write(socket_, asio::buffer(message), redirect(ec));
    writing_ = false;
    if (failure_) break;
    if (ec) {
      spdlog::warn("gateway {}: write failed: {}", where(), ec.message());
      shut(phase_ == Phase::kReady
               ? GatewayError(Kind::kConnectionLost, "connection lost")
               : GatewayError(Kind::kRefused,
                              "gateway closed the connection before ready: clientId " +
                                  std::to_string(options_.client_id) +
                                  " probably in use (IB 326)"));
      break;
    }
  }
  flush_timer_.cancel();
}

// ---------------------------------------------------------------------------------------------
// Closing

void Connection::shut(GatewayError why) {
  if (failure_) return;
  failure_ = why;
  out_.clear();
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  connect_timer_.cancel();
  ready_timer_.cancel();
  writer_timer_.cancel();
  flush_timer_.cancel();
  if (table_.size() > 0)
    spdlog::debug("gateway {}: failing {} waiting request(s): {}", where(), table_.size(),
                  why.what());
  table_.fail_all(why);
}

awaitable<void> Connection::close() {
  auto self = shared_from_this();
  if (failure_ || closing_) co_return;  // already closed, or another close() is flushing
  closing_ = true;                      // no new requests from here on
  if (table_.positions_open()) send(encode_cancel_positions(server_version_));
  for (int id : table_.open_account_summaries())
    send(encode_cancel_account_summary(server_version_, id));
  flush_timer_.expires_after(kCloseFlushTimeout);
  while (!failure_ && (!out_.empty() || writing_)) {
    error_code ec;
    co_await flush_timer_.async_wait(redirect(ec));
    if (!ec) break;  // flush deadline passed: close anyway
  }
  shut(GatewayError(Kind::kCancelled, "session closed"));
}

// ---------------------------------------------------------------------------------------------
// Requests

void Connection::ensure_usable() const {
  if (failure_) throw *failure_;
  if (closing_) throw GatewayError(Kind::kCancelled, "session closed");
}

std::shared_ptr<PendingRequest> Connection::begin(RequestKind kind) {
  return table_.add(kind, std::make_shared<asio::steady_timer>(ex_, Clock::time_point::max()));
}

awaitable<void> Connection::wait(std::shared_ptr<PendingRequest> r, bool until_end) {
  auto wakeup = r->wakeup;
  while (!r->done() && !(until_end && r->state == PendingRequest::State::kAwaitingCommissions)) {
    error_code ec;
    co_await wakeup->async_wait(redirect(ec));
  }
}

awaitable<std::vector<Position>> Connection::positions() {
  auto self = shared_from_this();
  ensure_usable();
  // One positions subscription at a time: position messages carry no request id, so callers
  // that ask while one is on the wire share its answer.
  auto r = table_.find_active(RequestKind::kPositions);
  if (!r) {
    r = begin(RequestKind::kPositions);
    send(encode_req_positions(server_version_));
  }
  co_await wait(r);
  rethrow_if_failed(*r);
  co_return r->positions;
}

awaitable<std::vector<AccountValue>> Connection::account_summary(std::string group,
                                                                 std::string tags) {
  auto self = shared_from_this();
  ensure_usable();
  auto r = begin(RequestKind::kAccountSummary);
  send(encode_req_account_summary(server_version_, r->req_id, group, tags));
  co_await wait(r);
  rethrow_if_failed(*r);
  co_return std::move(r->account_values);
}

awaitable<std::vector<Fill>> Connection::executions(ExecutionFilter filter) {
  auto self = shared_from_this();
  ensure_usable();
  auto r = begin(RequestKind::kExecutions);
  send(encode_req_executions(server_version_, r->req_id, filter));
  co_await wait(r, /*until_end=*/true);
  if (!r->done()) {
    // End arrived but some commission reports have not: give them a short bounded grace.
    r->wakeup->expires_after(kCommissionGrace);
    while (!r->done()) {
      error_code ec;
      co_await r->wakeup->async_wait(redirect(ec));
      if (!ec) break;  // grace over
    }
    if (!r->done()) {
      spdlog::debug(
          "gateway {}: executions request {}: some commission reports still missing "
          "after {} ms; returning without them",
          where(), r->req_id, kCommissionGrace.count());
      table_.finish(*r);
    }
  }
  rethrow_if_failed(*r);
  co_return std::move(r->fills);
}

awaitable<std::vector<OpenOrderWithStatus>> Connection::open_orders(RequestKind kind) {
  auto self = shared_from_this();
  std::shared_ptr<PendingRequest> r;
  for (;;) {
    ensure_usable();
    auto in_flight = table_.open_orders_in_flight();
    if (!in_flight) {
      r = begin(kind);
      send(kind == RequestKind::kAllOpenOrders ? encode_req_all_open_orders(server_version_)
                                               : encode_req_open_orders(server_version_));
      break;
    }
    if (in_flight->kind == kind) {  // same question already on the wire: share its answer
      r = in_flight;
      break;
    }
    // The other open-orders request is on the wire; both are answered by openOrder ...
    // openOrderEnd without an id, so ours waits until that answer is complete.
    co_await wait(in_flight);
  }
  co_await wait(r);
  rethrow_if_failed(*r);
  co_return r->orders;
}

awaitable<std::vector<ContractDetails>> Connection::contract_details(Contract contract) {
  auto self = shared_from_this();
  ensure_usable();
  auto r = begin(RequestKind::kContractDetails);
  send(encode_req_contract_details(server_version_, r->req_id, contract));
  co_await wait(r);
  rethrow_if_failed(*r);
  co_return std::move(r->contracts);
}

awaitable<int64_t> Connection::current_time() {
  auto self = shared_from_this();
  ensure_usable();
  auto r = begin(RequestKind::kCurrentTime);
  send(encode_req_current_time(server_version_));
  co_await wait(r);
  rethrow_if_failed(*r);
  co_return r->current_time;
}

// ---------------------------------------------------------------------------------------------
// The handle

class SessionImpl final : public Session {
 public:
  explicit SessionImpl(std::shared_ptr<Connection> c) : c_(std::move(c)) {}
  ~SessionImpl() override { c_->shut(GatewayError(Kind::kCancelled, "session destroyed")); }

  int server_version() const override { return c_->server_version(); }
  const std::string& connection_time() const override { return c_->connection_time(); }
  const std::vector<std::string>& accounts() const override { return c_->accounts(); }
  int64_t next_order_id() const override { return c_->next_order_id(); }
  bool upstream_connected() const override { return c_->upstream_connected(); }

  awaitable<std::vector<Position>> positions() override { return c_->positions(); }
  awaitable<std::vector<AccountValue>> account_summary(std::string group,
                                                       std::string tags) override {
    return c_->account_summary(std::move(group), std::move(tags));
  }
  awaitable<std::vector<Fill>> executions(ExecutionFilter filter) override {
    return c_->executions(std::move(filter));
  }
  awaitable<std::vector<OpenOrderWithStatus>> all_open_orders() override {
    return c_->open_orders(RequestKind::kAllOpenOrders);
  }
  awaitable<std::vector<OpenOrderWithStatus>> open_orders() override {
    return c_->open_orders(RequestKind::kOpenOrders);
  }
  awaitable<std::vector<ContractDetails>> contract_details(Contract contract) override {
    return c_->contract_details(std::move(contract));
  }
  awaitable<int64_t> current_time() override { return c_->current_time(); }

  awaitable<void> close() override { return c_->close(); }
  void abort() override { c_->shut(GatewayError(Kind::kCancelled, "session aborted")); }

 private:
  std::shared_ptr<Connection> c_;
};

}  // namespace

awaitable<std::shared_ptr<Session>> Session::connect(SessionOptions options) {
  auto ex = co_await asio::this_coro::executor;
  auto connection = std::make_shared<Connection>(ex, std::move(options));
  co_await connection->open();
  co_return std::make_shared<SessionImpl>(std::move(connection));
}

}  // namespace intentq::gw
