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

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include <deque>
#include <optional>
#include <type_traits>

#include "gateway/messages.hpp"
#include "gateway/pacer.hpp"
#include "gateway/request_table.hpp"
#include "gateway/session_core.hpp"
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
  // A new connection (open() connects it).
  Connection(asio::any_io_executor ex, SessionOptions options)
      : ex_(ex),
        options_(options),
        socket_(ex),
        connect_timer_(ex),
        ready_timer_(ex, Clock::time_point::max()),
        writer_timer_(ex, Clock::time_point::max()),
        flush_timer_(ex, Clock::time_point::max()),
        core_(std::make_unique<SessionCore>(std::move(options))) {}

  awaitable<void> open();
  // Takes over a detached session for this executor (see Session::attach).
  void adopt(DetachedSession& d, int fd, bool v6, std::unique_ptr<SessionCore> core);
  // Gives the descriptor and the core back (see Session::reclaim). Idempotent.
  void detach_into(int& fd, std::unique_ptr<SessionCore>& core);
  bool borrowed() const { return borrowed_; }
  bool v6() const {
    error_code ec;
    auto endpoint = socket_.local_endpoint(ec);
    return !ec && endpoint.address().is_v6();
  }

  int server_version() const { return server_version_; }
  const std::string& connection_time() const { return connection_time_; }
  const std::vector<std::string>& accounts() const { return accounts_; }
  int64_t next_order_id() const { return core_ ? core_->next_order_id : 0; }
  bool upstream_connected() const { return core_ ? core_->upstream_connected : false; }

  // Session::fetch: the one request path, driven by the request's spec.
  awaitable<std::shared_ptr<PendingRequest>> fetch(const RequestSpec& spec,
                                                   Session::Encoder encode);

  bool ensure_market_data_type(int type) {
    ensure_usable();
    bool sent = core_->ensure_market_data_type(type);
    if (sent) poke_writer();
    return sent;
  }

  awaitable<void> close();
  // Borrowed: ends the borrower's requests (abandoned), keeps the connection.
  void abandon(const char* why);
  // Fails every waiting request with `why`, closes the socket and stops the reader and writer.
  // The first failure wins; later calls do nothing.
  void shut(GatewayError why);

 private:
  awaitable<void> read_loop(std::shared_ptr<Connection> self);
  awaitable<void> write_loop(std::shared_ptr<Connection> self);
  awaitable<void> read_server_version();
  void start_loops();
  void on_connect_timeout();
  void on_read_error(const error_code& ec);
  void after_input();
  void check_ready();
  bool stopped() const { return failure_.has_value() || detached_; }

  void send(std::string payload);
  void poke_writer() {
    if (writer_idle_) writer_timer_.cancel();
  }
  void ensure_usable() const;
  std::shared_ptr<PendingRequest> begin(RequestKind kind);
  std::shared_ptr<asio::steady_timer> make_wakeup() {
    return std::make_shared<asio::steady_timer>(ex_, Clock::time_point::max());
  }
  awaitable<void> wait(std::shared_ptr<PendingRequest> r, bool until_end = false);
  static void rethrow_if_failed(const PendingRequest& r) {
    if (r.error) throw *r.error;
  }
  std::string where() const { return options_.host + ":" + std::to_string(options_.port); }
  RequestTable& table() { return core_->table(); }

  asio::any_io_executor ex_;
  SessionOptions options_;
  tcp::socket socket_;
  asio::steady_timer connect_timer_;   // bounds the whole of open()
  asio::steady_timer ready_timer_;     // wakes open() when ready (or failed)
  asio::steady_timer writer_timer_;    // wakes the idle writer; paces it otherwise
  asio::steady_timer flush_timer_;     // wakes close() when the writer has flushed
  std::unique_ptr<SessionCore> core_;  // null once detached
  bool writer_idle_ = false;

  enum class Phase { kConnecting, kHandshaking, kStarting, kReady };
  Phase phase_ = Phase::kConnecting;
  bool closing_ = false;
  bool borrowed_ = false;  // lent by a DetachedSession: close()/abort() keep the connection
  bool detached_ = false;  // the descriptor and core went back (or elsewhere)
  std::optional<GatewayError> failure_;

  // Copies of the handshake results, valid after detaching too (the handle's getters return
  // references).
  int server_version_ = 0;
  std::string connection_time_;
  std::vector<std::string> accounts_;
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
  core_->server_version = server_version_;
  core_->connection_time = connection_time_;
  spdlog::debug("gateway {}: server version {}, connection time '{}'", where(), server_version_,
                connection_time_);

  phase_ = Phase::kStarting;
  start_loops();
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

void Connection::start_loops() {
  // From here on every read and write is a non-blocking call made after readiness: stopping the
  // io_context can never leave a byte half consumed (see session_core.hpp).
  error_code ec;
  socket_.non_blocking(true, ec);
  auto self = shared_from_this();
  asio::co_spawn(ex_, write_loop(self), asio::detached);
  asio::co_spawn(ex_, read_loop(self), asio::detached);
}

void Connection::adopt(DetachedSession& d, int fd, bool v6, std::unique_ptr<SessionCore> core) {
  (void)d;
  core_ = std::move(core);
  borrowed_ = true;
  server_version_ = core_->server_version;
  connection_time_ = core_->connection_time;
  accounts_ = core_->accounts;
  phase_ = Phase::kReady;
  error_code ec;
  socket_.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    shut(GatewayError(Kind::kConnectionLost, "cannot adopt the gateway socket: " + ec.message()));
    return;
  }
  // Orphans of earlier jobs may be waited for by this one.
  table().rearm([this] { return make_wakeup(); });
  start_loops();
}

void Connection::detach_into(int& fd, std::unique_ptr<SessionCore>& core) {
  if (detached_ || !core_) return;
  detached_ = true;
  if (!failure_) {
    core_->abandon_requests(GatewayError(Kind::kCancelled, "the job ended"));
    error_code ec;
    fd = socket_.release(ec);  // cancels the reader's and writer's waits; the fd stays open
    if (ec) {
      fd = -1;
      core_->set_failure(GatewayError(Kind::kConnectionLost,
                                      "cannot release the gateway socket: " + ec.message()));
    }
  } else {
    fd = -1;  // shut() closed it
    core_->set_failure(*failure_);
    core_->table().fail_all(*failure_);
  }
  core = std::move(core_);
  connect_timer_.cancel();
  ready_timer_.cancel();
  writer_timer_.cancel();
  flush_timer_.cancel();
}

awaitable<void> Connection::read_server_version() {
  std::vector<char> buf(kReadChunk);
  for (;;) {
    std::optional<std::string> payload;
    try {
      payload = core_->reader().next();
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
    core_->reader().append(buf.data(), n);
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
  if (phase_ == Phase::kStarting && core_->ready()) {
    phase_ = Phase::kReady;
    accounts_ = core_->accounts;
    ready_timer_.cancel();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self) {
  std::vector<char> buf(kReadChunk);
  core_->process_buffered();  // bytes that arrived together with the server version
  after_input();
  while (!stopped()) {
    error_code ec;
    co_await socket_.async_wait(tcp::socket::wait_read, redirect(ec));
    if (stopped()) break;
    if (ec) {
      on_read_error(ec);
      break;
    }
    // Drain what is there (bounded, so the writer gets its turn under a flood).
    for (int i = 0; i < 16 && !stopped(); ++i) {
      auto n = socket_.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) break;
      if (ec) {
        on_read_error(ec);
        co_return;
      }
      core_->feed(buf.data(), n);
      after_input();
      if (n < buf.size()) break;
    }
  }
}

void Connection::after_input() {
  if (stopped()) return;
  if (auto& f = core_->failure()) {
    shut(*f);
    return;
  }
  check_ready();
  poke_writer();  // the input may have queued cancels
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

// ---------------------------------------------------------------------------------------------
// Writing

void Connection::send(std::string payload) {
  if (stopped()) return;
  core_->send(payload);
  poke_writer();
}

awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self) {
  while (!stopped()) {
    error_code ec;
    auto now = Clock::now();
    auto due = core_->write_due(now);
    if (!due) {
      flush_timer_.cancel();  // close() may be waiting for the queue to drain
      writer_idle_ = true;
      writer_timer_.expires_at(Clock::time_point::max());
      co_await writer_timer_.async_wait(redirect(ec));
      writer_idle_ = false;
      continue;
    }
    if (*due > now) {
      writer_timer_.expires_at(*due);  // stay under max_messages_per_second
      co_await writer_timer_.async_wait(redirect(ec));
      continue;
    }
    auto bytes = core_->begin_write(now);
    auto n = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      co_await socket_.async_wait(tcp::socket::wait_write, redirect(ec));
      continue;
    }
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
    core_->wrote(n);
  }
  flush_timer_.cancel();
}

// ---------------------------------------------------------------------------------------------
// Closing

void Connection::shut(GatewayError why) {
  if (failure_ || detached_) return;
  failure_ = why;
  if (core_) core_->set_failure(why);
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  connect_timer_.cancel();
  ready_timer_.cancel();
  writer_timer_.cancel();
  flush_timer_.cancel();
  if (core_ && table().size() > 0)
    spdlog::debug("gateway {}: failing {} waiting request(s): {}", where(), table().size(),
                  why.what());
  if (core_) table().fail_all(why);
}

void Connection::abandon(const char* why) {
  if (stopped()) return;
  core_->abandon_requests(GatewayError(Kind::kCancelled, why));
  table().rearm([this] { return make_wakeup(); });
  poke_writer();
}

awaitable<void> Connection::close() {
  auto self = shared_from_this();
  if (borrowed_) {  // the connection outlives the job: only its requests end
    abandon("session closed");
    co_return;
  }
  if (stopped() || closing_) co_return;  // already closed, or another close() is flushing
  closing_ = true;                       // no new requests from here on
  for (const auto& open : table().open_subscriptions())
    send(open.spec->encode_cancel(server_version_, open.req_id));
  flush_timer_.expires_after(kCloseFlushTimeout);
  while (!stopped() && core_->has_output()) {
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
  if (closing_ || detached_) throw GatewayError(Kind::kCancelled, "session closed");
}

std::shared_ptr<PendingRequest> Connection::begin(RequestKind kind) {
  return table().add(kind, make_wakeup());
}

awaitable<void> Connection::wait(std::shared_ptr<PendingRequest> r, bool until_end) {
  auto wakeup = r->wakeup;
  while (!r->done() && !(until_end && r->state == PendingRequest::State::kAwaitingCommissions)) {
    error_code ec;
    co_await wakeup->async_wait(redirect(ec));
  }
}

awaitable<std::shared_ptr<PendingRequest>> Connection::fetch(const RequestSpec& spec,
                                                             Session::Encoder encode) {
  auto self = shared_from_this();
  std::shared_ptr<PendingRequest> r;
  for (;;) {
    ensure_usable();
    if (spec.sharing == Sharing::kOwn) break;
    // An id-less answer cannot be told apart from another one of its kind (or group): at most one
    // is on the wire. The same question already there is joined; anything else there (another
    // kind of the group, or an earlier job's abandoned answer, an orphan) must end first, or its
    // rest would be taken for ours.
    auto on_wire = spec.sharing == Sharing::kJoin ? table().find_active(spec.kind)
                                                  : table().group_in_flight(spec.kind);
    if (!on_wire) break;
    if (on_wire->kind == spec.kind && !on_wire->orphan) {
      r = on_wire;
      break;
    }
    co_await wait(on_wire);
  }
  if (!r) {
    r = begin(spec.kind);
    send(encode(server_version_, r->req_id));
  }
  co_await wait(r, /*until_end=*/spec.late_commissions);
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
          "gateway {}: {} request {}: some commission reports still missing "
          "after {} ms; returning without them",
          where(), spec.name, r->req_id, kCommissionGrace.count());
      table().finish(*r);
    }
  }
  rethrow_if_failed(*r);
  co_return r;
}

// ---------------------------------------------------------------------------------------------
// The handle

class SessionImpl final : public Session {
 public:
  explicit SessionImpl(std::shared_ptr<Connection> c) : c_(std::move(c)) {}
  ~SessionImpl() override {
    if (c_->borrowed())
      c_->abandon("session destroyed");  // the connection belongs to the DetachedSession
    else
      c_->shut(GatewayError(Kind::kCancelled, "session destroyed"));
  }

  int server_version() const override { return c_->server_version(); }
  const std::string& connection_time() const override { return c_->connection_time(); }
  const std::vector<std::string>& accounts() const override { return c_->accounts(); }
  int64_t next_order_id() const override { return c_->next_order_id(); }
  bool upstream_connected() const override { return c_->upstream_connected(); }

  awaitable<std::shared_ptr<PendingRequest>> fetch(const RequestSpec& spec,
                                                   Encoder encode) override {
    return c_->fetch(spec, std::move(encode));
  }

  bool ensure_market_data_type(int type) override { return c_->ensure_market_data_type(type); }

  awaitable<void> close() override { return c_->close(); }
  void abort() override {
    if (c_->borrowed())
      c_->abandon("session aborted");
    else
      c_->shut(GatewayError(Kind::kCancelled, "session aborted"));
  }

 private:
  std::shared_ptr<Connection> c_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Detached sessions

DetachedSession::DetachedSession() = default;

DetachedSession::~DetachedSession() {
  if (fd_ >= 0) ::close(fd_);
}

bool DetachedSession::usable() const {
  return fd_ >= 0 && core_ && !core_->failure();
}

std::optional<GatewayError> DetachedSession::failure() const {
  if (core_ && core_->failure()) return core_->failure();
  if (fd_ < 0) return GatewayError(Kind::kConnectionLost, "connection closed");
  return std::nullopt;
}

void DetachedSession::close(GatewayError why) {
  if (core_) {
    core_->set_failure(why);
    core_->table().fail_all(why);
  }
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }
}

void DetachedSession::read_available() {
  if (!usable()) return;
  char buf[kReadChunk];
  for (int i = 0; i < 16; ++i) {  // bounded: the caller's loop has other duties
    auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) {
      spdlog::warn("gateway {}: connection closed by the gateway", core_->where());
      close(GatewayError(Kind::kConnectionLost, "connection lost"));
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      spdlog::warn("gateway {}: connection lost: {}", core_->where(), std::strerror(errno));
      close(GatewayError(Kind::kConnectionLost, "connection lost"));
      return;
    }
    core_->feed(buf, static_cast<size_t>(n));
    if (auto f = core_->failure()) {
      close(*f);
      return;
    }
    if (static_cast<size_t>(n) < sizeof buf) return;
  }
}

void DetachedSession::write_due(std::chrono::steady_clock::time_point now) {
  while (usable()) {
    auto due = core_->write_due(now);
    if (!due || *due > now) return;
    auto bytes = core_->begin_write(now);
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      spdlog::warn("gateway {}: write failed: {}", core_->where(), std::strerror(errno));
      close(GatewayError(Kind::kConnectionLost, "connection lost"));
      return;
    }
    core_->wrote(static_cast<size_t>(n));
  }
}

std::optional<std::chrono::steady_clock::time_point> DetachedSession::next_write(
    std::chrono::steady_clock::time_point now) const {
  if (!usable()) return std::nullopt;
  return core_->write_due(now);
}

awaitable<std::shared_ptr<Session>> Session::connect(SessionOptions options) {
  auto ex = co_await asio::this_coro::executor;
  auto connection = std::make_shared<Connection>(ex, std::move(options));
  co_await connection->open();
  co_return std::make_shared<SessionImpl>(std::move(connection));
}

awaitable<std::unique_ptr<DetachedSession>> Session::connect_detached(SessionOptions options) {
  auto ex = co_await asio::this_coro::executor;
  auto connection = std::make_shared<Connection>(ex, options);
  co_await connection->open();
  auto detached = std::make_unique<DetachedSession>();
  detached->v6_ = connection->v6();
  connection->detach_into(detached->fd_, detached->core_);
  if (!detached->core_) throw GatewayError(Kind::kConnectionLost, "connection lost");
  co_return detached;
}

std::shared_ptr<Session> Session::attach(asio::any_io_executor executor,
                                         DetachedSession& detached) {
  if (!detached.usable() || detached.attached_)
    throw GatewayError(Kind::kConnectionLost, "the gateway session is not available");
  auto connection = std::make_shared<Connection>(executor, detached.core_->options());
  int fd = std::exchange(detached.fd_, -1);
  connection->adopt(detached, fd, detached.v6_, std::move(detached.core_));
  detached.attached_ = connection;
  return std::make_shared<SessionImpl>(std::move(connection));
}

void Session::reclaim(DetachedSession& detached) {
  auto held = std::move(detached.attached_);
  if (!held) return;
  static_cast<Connection*>(held.get())->detach_into(detached.fd_, detached.core_);
}

}  // namespace intentq::gw
