#include "sim/connection.hpp"

#include <array>
#include <ctime>

#include <spdlog/spdlog.h>

#include "gateway/wire.hpp"
#include "sim/answers.hpp"
#include "sim/historical_bars.hpp"
#include "sim/historical_log.hpp"
#include "sim/market_data_answers.hpp"
#include "sim/server.hpp"

namespace intentq::sim {
namespace {

// More bytes than any honest handshake needs: a client that sends this much without completing
// one is not speaking the TWS API.
constexpr size_t kMaxHandshakeBytes = 4096;
// After sending our last frame we wait this long for the client to close its side, so that the
// kernel delivers the frame instead of resetting the connection.
constexpr auto kLingerTime = std::chrono::seconds(2);
// A flood keeps at most this many frames queued: it goes at the client's reading speed.
constexpr size_t kFloodQueue = 256;
// Snapshots open at once on one connection (IB's default number of market-data lines).
constexpr size_t kMaxSnapshots = 100;

// Connection time as a gateway sends it: "yyyymmdd hh:mm:ss <time zone name>".
std::string connection_time() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y%m%d %H:%M:%S GMT", &tm);
  return buf;
}

// An undecodable frame for the `garbage` fault: a non-numeric message id and no NUL terminator.
std::string garbage_frame() {
  return gw::frame("\xde\xad\xbe\xef garbage, not a TWS message");
}

}  // namespace

Connection::Connection(Server& server, tcp::socket socket, uint64_t id)
    : server_(server),
      socket_(std::move(socket)),
      id_(id),
      wake_(socket_.get_executor()),
      linger_(socket_.get_executor()),
      space_(socket_.get_executor()),
      pacing_(server.options().max_messages_per_second) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void Connection::start() {
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), read_loop(self), asio::detached);
  asio::co_spawn(socket_.get_executor(), write_loop(self), asio::detached);
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  wake_.cancel();
  linger_.cancel();
  space_.cancel();
  if (client_id_) server_.unregister_client(*client_id_, id_);
  server_.historical_pacing().close_connection(id_);
  server_.forget(id_);
  spdlog::info("conn {} ({}) closed", id_, peer_);
}

void Connection::send(std::string payload) {
  if (!open()) return;
  outbox_.push_back(gw::frame(payload));
  wake_.cancel();
}

void Connection::send_raw(std::string bytes) {
  if (!open()) return;
  outbox_.push_back(std::move(bytes));
  wake_.cancel();
}

void Connection::close_when_flushed() {
  if (!open()) return;
  closing_ = true;
  // The clientId is free from now on: a client reconnecting at once must not get 326 while we
  // wait for its old socket to finish closing.
  if (client_id_) server_.unregister_client(*client_id_, id_);
  wake_.cancel();
}

awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self) {
  boost::system::error_code ec;
  while (!self->closed_) {
    while (!self->outbox_.empty() && !self->closed_) {
      co_await asio::async_write(self->socket_, asio::buffer(self->outbox_.front()),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!self->closed_) spdlog::info("conn {}: write failed: {}", self->id_, ec.message());
        self->close();
        co_return;
      }
      self->outbox_.pop_front();
      if (self->outbox_.size() < kFloodQueue / 2) self->space_.cancel();
    }
    if (self->closed_) co_return;
    if (self->closing_) {
      if (self->peer_closed_) {
        self->close();
        co_return;
      }
      // Half-close and let the read loop drain until the client's EOF (bounded by linger_).
      self->socket_.shutdown(tcp::socket::shutdown_send, ec);
      self->linger_.expires_after(kLingerTime);
      co_await self->linger_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      self->close();
      co_return;
    }
    self->wake_.expires_at(asio::steady_timer::time_point::max());
    co_await self->wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self) {
  std::array<char, 16384> chunk;
  boost::system::error_code ec;
  auto read_some = [&]() -> awaitable<size_t> {
    size_t n = co_await self->socket_.async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    co_return ec ? 0 : n;
  };

  // 1. Handshake: "API\0" + length + "v<min>..<max>".
  std::string pending;
  std::optional<gw::HandshakeRequest> hello;
  try {
    while (!hello) {
      size_t n = co_await read_some();
      if (n == 0) {
        if (!self->closed_) spdlog::info("conn {}: closed before the handshake", self->id_);
        self->close();
        co_return;
      }
      pending.append(chunk.data(), n);
      size_t consumed = 0;
      hello = gw::parse_handshake(pending, consumed);
      if (hello) {
        pending.erase(0, consumed);
      } else if (pending.size() > kMaxHandshakeBytes) {
        throw gw::CodecError("no complete handshake in the first " +
                             std::to_string(kMaxHandshakeBytes) + " bytes");
      }
    }
  } catch (const gw::CodecError& e) {
    spdlog::warn("conn {} ({}): bad handshake: {}; closing", self->id_, self->peer_, e.what());
    self->close();
    co_return;
  }

  // 2. Version: min(client max, ours). We speak nothing below 176, so a client that cannot reach
  // it is dropped (a real gateway would answer with an older version that the client refuses).
  const int ours = self->server_.options().max_version;
  if (hello->max_version < gw::kMinServerVersion) {
    spdlog::warn("conn {} ({}): client offers v{}..{}, below our minimum {}; closing", self->id_,
                 self->peer_, hello->min_version, hello->max_version, gw::kMinServerVersion);
    self->close();
    co_return;
  }
  self->sv_ = std::min(hello->max_version, ours);
  // A real gateway takes a while to answer a handshake (--handshake-latency-ms).
  if (auto delay = self->server_.handshake_delay(); delay.count() > 0) {
    asio::steady_timer timer(self->socket_.get_executor(), delay);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (self->closed_) co_return;
  }
  spdlog::info("conn {} ({}): client v{}..{}{} -> server version {}", self->id_, self->peer_,
               hello->min_version, hello->max_version,
               hello->options.empty() ? "" : " " + hello->options, self->sv_);
  self->send(gw::encode_server_version(self->sv_, connection_time()));
  if (self->has_fault(Fault::kCloseAfterHandshake)) {
    spdlog::info("conn {}: fault close-after-handshake", self->id_);
    self->close_when_flushed();
  }

  // 3. Frames until EOF. While closing, input is read and dropped (see write_loop).
  gw::FrameReader frames;
  frames.append(pending);
  try {
    while (!self->closed_) {
      while (self->open()) {
        auto payload = frames.next();
        if (!payload) break;
        self->on_frame(*payload);
      }
      size_t n = co_await read_some();
      if (n == 0) {
        if (self->closed_) co_return;
        spdlog::info("conn {}: client closed the connection", self->id_);
        // Answers already queued still go out (the client may only have half-closed).
        self->peer_closed_ = true;
        if (self->closing_) {
          self->close();
        } else {
          self->close_when_flushed();
        }
        co_return;
      }
      if (self->open()) frames.append(chunk.data(), n);
    }
  } catch (const gw::CodecError& e) {
    spdlog::warn("conn {} ({}): malformed frame: {}; closing", self->id_, self->peer_, e.what());
    self->close();
  } catch (const std::exception& e) {
    // Not expected; whatever it is, it costs this connection only.
    spdlog::error("conn {} ({}): {}; closing", self->id_, self->peer_, e.what());
    self->close();
  }
}

void Connection::on_frame(std::string_view payload) {
  gw::ClientMessage message;
  try {
    message = gw::decode_client_message(sv_, payload);
  } catch (const gw::CodecError& e) {
    spdlog::warn("conn {} ({}): malformed message: {}; closing", id_, peer_, e.what());
    close();
    return;
  }

  server_.stats().count_request(message);
  auto pace = judge_pacing();
  if (pace.verdict != PacingVerdict::kOk) {
    ++server_.stats().pacing_errors;
    send(error_payload(sv_, request_id(message), 100,
                       "Max rate of messages per second has been exceeded:max=" +
                           std::to_string(server_.options().max_messages_per_second) +
                           " rec=" + std::to_string(pace.received)));
    if (pace.verdict == PacingVerdict::kDisconnect) {
      ++server_.stats().pacing_disconnects;
      spdlog::warn("conn {}: sustained pacing violation ({} msgs in the window); disconnecting",
                   id_, pace.received);
      close_when_flushed();
    }
    return;
  }

  if (auto* start = std::get_if<gw::StartApi>(&message)) {
    if (client_id_) {
      spdlog::warn("conn {}: repeated startApi ignored", id_);
    } else {
      on_start_api(*start);
    }
    return;
  }
  if (!client_id_) {
    // IB's connection doc: requests sent before the handshake completed get the socket closed.
    spdlog::warn("conn {}: request before startApi; closing", id_);
    close();
    return;
  }
  if (auto* unknown = std::get_if<gw::UnknownRequest>(&message)) {
    spdlog::info("conn {}: ignoring unsupported request id {}", id_, unknown->id);
    return;
  }
  if (on_market_data(message)) return;
  auto* spec = request_spec(message);
  if (!spec) {
    spdlog::debug("conn {}: cancel accepted", id_);
    return;
  }
  if (has_fault(Fault::kSilence)) {
    spdlog::debug("conn {}: fault silence: request not answered", id_);
    return;
  }
  if (has_fault(Fault::kErrorFlood) && !error_flood_) {
    error_flood_ = true;
    spdlog::info("conn {}: fault error-flood", id_);
    asio::co_spawn(socket_.get_executor(), flood(shared_from_this(), Flood::kErrors),
                   asio::detached);
  }
  if (spec->kind == gw::RequestKind::kPositions && has_fault(Fault::kPositionsNoEnd)) {
    if (!positions_flood_) {
      positions_flood_ = true;
      spdlog::info("conn {}: fault positions-no-end", id_);
      asio::co_spawn(socket_.get_executor(), flood(shared_from_this(), Flood::kPositions),
                     asio::detached);
    }
    return;
  }
  // Undelayed answers go out at once, in request order; delayed ones each wait on their own
  // timer, so a fast answer may overtake a slow one.
  auto delay = server_.answer_delay(*spec);
  if (delay.count() == 0) {
    answer(message);
  } else {
    asio::co_spawn(socket_.get_executor(), deliver(shared_from_this(), delay, std::move(message)),
                   asio::detached);
  }
}

PacingResult Connection::judge_pacing() {
  auto now = PacingClock::now();
  switch (server_.options().pacing) {
    case PacingMode::kOff:
      return {PacingVerdict::kOk, 0};
    case PacingMode::kPerConnection:
      return pacing_.on_message(now);
    case PacingMode::kCombined:
      break;
  }
  return server_.combined_pacing().on_message(violations_, now);
}

void Connection::on_start_api(const gw::StartApi& start) {
  switch (server_.register_client(start.client_id, id_)) {
    case Server::Admission::kDuplicateClientId:
      spdlog::warn("conn {}: clientId {} already in use; refusing", id_, start.client_id);
      send(error_payload(sv_, -1, 326,
                         "Unable to connect as the client id is already in use. Retry with a "
                         "unique client id."));
      close_when_flushed();
      return;
    case Server::Admission::kFull:
      spdlog::warn("conn {}: {} clients connected already; refusing clientId {}", id_,
                   server_.options().max_clients, start.client_id);
      send(error_payload(sv_, -1, 502,
                         "Couldn't connect to TWS. Maximum number of API clients (" +
                             std::to_string(server_.options().max_clients) + ") reached."));
      close_when_flushed();
      return;
    case Server::Admission::kAccepted:
      break;
  }
  client_id_ = start.client_id;
  spdlog::info("conn {}: startApi clientId {}", id_, start.client_id);
  for (auto& payload : build_startup(server_.scenario(), sv_, server_.scenario().next_valid_id)) {
    send(std::move(payload));
  }
}

awaitable<void> Connection::deliver(std::shared_ptr<Connection> self,
                                    std::chrono::milliseconds delay, gw::ClientMessage message) {
  asio::steady_timer timer(self->socket_.get_executor(), delay);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  self->answer(message);
}

awaitable<void> Connection::flood(std::shared_ptr<Connection> self, Flood kind,
                                  std::vector<std::string> frames) {
  const auto& options = self->server_.options();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.flood_seconds);
  std::vector<std::string> positions;
  if (kind == Flood::kPositions) {
    for (const auto& p : self->server_.scenario().positions) {
      positions.push_back(gw::frame(gw::encode_position(self->sv_, p)));
    }
    if (positions.empty()) {
      gw::Position p;
      const auto& accounts = self->server_.scenario().accounts;
      p.account = accounts.empty() ? "DU0000000" : accounts.front();
      p.contract.con_id = 265598;
      p.contract.symbol = "AAPL";
      p.contract.sec_type = "STK";
      p.position = 1;
      positions.push_back(gw::frame(gw::encode_position(self->sv_, p)));
    }
  }
  int64_t bytes = 0;
  uint64_t sent = 0;
  boost::system::error_code ec;
  while (self->open() && bytes < options.flood_bytes &&
         std::chrono::steady_clock::now() < deadline) {
    if (self->outbox_.size() >= kFloodQueue) {
      self->space_.expires_at(deadline);
      co_await self->space_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    std::string frame;
    if (kind == Flood::kPositions) {
      frame = positions[sent % positions.size()];
    } else if (kind == Flood::kBars) {
      frame = frames[sent % frames.size()];
    } else {
      // Error 300 for a request id nobody sent, as a gateway answers a stale cancel.
      int64_t id = 1'000'000'000 + static_cast<int64_t>(sent);
      frame = gw::frame(
          error_payload(self->sv_, id, 300, "Can't find EId with tickerId:" + std::to_string(id)));
    }
    bytes += static_cast<int64_t>(frame.size());
    ++sent;
    self->send_raw(std::move(frame));
  }
  spdlog::info("conn {}: {} flood over: {} messages, {} bytes", self->id_,
               kind == Flood::kPositions ? "positions"
               : kind == Flood::kBars    ? "historical bars"
                                         : "error",
               sent, bytes);
  (kind == Flood::kPositions ? self->positions_flood_
   : kind == Flood::kBars    ? self->bars_flood_
                             : self->error_flood_) = false;
}

bool Connection::has_fault(Fault f) const {
  return server_.has_fault(f, id_);
}

awaitable<void> Connection::trickle(std::shared_ptr<Connection> self) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(self->server_.options().flood_seconds);
  const auto pause = std::chrono::milliseconds(self->server_.options().trickle_ms);
  asio::steady_timer timer(self->socket_.get_executor());
  boost::system::error_code ec;
  size_t sent = 0;
  while (self->open() && !self->trickles_.empty() && std::chrono::steady_clock::now() < deadline) {
    auto& front = self->trickles_.front();
    self->send_raw(front.substr(0, 1));
    ++sent;
    front.erase(0, 1);
    if (front.empty()) self->trickles_.pop_front();
    timer.expires_after(pause);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  spdlog::info("conn {}: slow-frame over: {} bytes trickled", self->id_, sent);
  self->trickles_.clear();
}

namespace {

bool is_error_payload(const std::string& payload) {
  return payload.size() >= 2 && payload[0] == '4' && payload[1] == '\0';
}

int64_t unix_now(const std::optional<int64_t>& frozen) {
  if (frozen) return *frozen;
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every field of a historical request but its id: IB's "identical request".
template <class R>
std::string identity(const R& r) {
  const auto& c = r.contract;
  std::string s = std::to_string(c.con_id) + '|' + c.symbol + '|' + c.sec_type + '|' +
                  c.last_trade_date + '|' + (c.strike ? std::to_string(*c.strike) : "") + '|' +
                  c.right + '|' + c.multiplier + '|' + c.exchange + '|' + c.primary_exchange + '|' +
                  c.currency + '|' + c.local_symbol + '|' + c.trading_class + '|' +
                  (c.include_expired ? "1" : "0") + '|' + (r.use_rth ? "1" : "0") + '|' +
                  r.what_to_show + '|' + std::to_string(r.format_date);
  if constexpr (requires { r.bar_size; }) {
    s += "|bars|" + r.end_date_time + '|' + r.bar_size + '|' + r.duration + '|' +
         (r.keep_up_to_date ? "1" : "0") + '|' + r.chart_options;
  } else {
    s += "|head";
  }
  return s;
}

template <class R>
HistoricalRequestKey pacing_key(const R& r) {
  HistoricalRequestKey k;
  k.identity = identity(r);
  const auto& c = r.contract;
  k.contract = std::to_string(c.con_id) + '|' + c.symbol + '|' + c.sec_type + '|' +
               c.last_trade_date + '|' + c.local_symbol + '|' + c.exchange + '|' + r.what_to_show;
  k.weight = r.what_to_show == "BID_ASK" ? 2 : 1;
  if constexpr (requires { r.bar_size; }) {
    const int64_t secs = bar_seconds(r.bar_size);
    k.small = secs > 0 && secs <= 30;
  } else {
    k.small = true;  // head timestamps are paced like small bars
  }
  return k;
}

// Adds a historical request (with its verdict; none: pacing is off) or cancel to the simulator's
// log when it keeps one; other messages are not logged.
void log_historical(Server& server, uint64_t conn, const gw::ClientMessage& message,
                    std::optional<HistoricalVerdict> verdict) {
  auto& log = server.stats().historical_log;
  if (!log.enabled()) return;
  auto entry = historical_log_entry(message);
  if (!entry) return;
  entry->t_ms = server.uptime_ms();
  entry->conn = conn;
  const bool request = !std::holds_alternative<gw::CancelHistoricalData>(message) &&
                       !std::holds_alternative<gw::CancelHeadTimestamp>(message);
  if (request) entry->verdict = verdict ? verdict_name(*verdict) : "unpaced";
  log.add(std::move(*entry));
}

}  // namespace

bool Connection::on_market_data(const gw::ClientMessage& message) {
  auto& hist = server_.historical_pacing();
  if (auto* t = std::get_if<gw::ReqMarketDataType>(&message)) {
    if (t->type >= 1 && t->type <= 4) {
      market_data_type_ = t->type;
    } else {
      send(error_payload(sv_, -1, 321,
                         "Error validating request.-'a8' : cause - Invalid market "
                         "data type: " +
                             std::to_string(t->type)));
    }
    return true;
  }
  if (auto* c = std::get_if<gw::CancelHistoricalData>(&message)) {
    hist.close(id_, c->req_id);
    log_historical(server_, id_, message, std::nullopt);
    return true;
  }
  if (auto* c = std::get_if<gw::CancelHeadTimestamp>(&message)) {
    hist.close(id_, c->req_id);
    log_historical(server_, id_, message, std::nullopt);
    return true;
  }
  if (auto* c = std::get_if<gw::CancelMktData>(&message)) {
    snapshots_.erase(c->req_id);
    return true;
  }
  if (auto* m = std::get_if<gw::ReqMktData>(&message)) {
    // IB's market-data lines (100 by default): what a client can make us hold stays bounded.
    if (snapshots_.size() >= kMaxSnapshots && !snapshots_.count(m->req_id)) {
      send(error_payload(sv_, m->req_id, 101, "Max number of tickers has been reached"));
      return true;
    }
    snapshots_.insert(m->req_id);
    return false;
  }
  std::optional<HistoricalVerdict> verdict;
  int req_id = -1;
  if (!server_.options().historical_pacing) {
    log_historical(server_, id_, message, std::nullopt);
    return false;
  }
  if (auto* r = std::get_if<gw::ReqHistoricalData>(&message)) {
    req_id = r->req_id;
    verdict = hist.on_request(id_, req_id, pacing_key(r->request), PacingClock::now());
  } else if (auto* h = std::get_if<gw::ReqHeadTimestamp>(&message)) {
    req_id = h->req_id;
    verdict = hist.on_request(id_, req_id, pacing_key(h->request), PacingClock::now());
  }
  log_historical(server_, id_, message, verdict);
  if (!verdict || *verdict == HistoricalVerdict::kOk) return false;
  if (*verdict == HistoricalVerdict::kOpenLimit) {
    send(error_payload(sv_, req_id, 322,
                       "Error processing request.-'bX' : cause - Only 50 simultaneous API "
                       "historical data requests allowed."));
  } else {
    send(error_payload(sv_, req_id, 162,
                       "Historical Market Data Service error message:Historical data request "
                       "pacing violation"));
  }
  spdlog::info("conn {}: historical request {} refused ({})", id_, req_id,
               *verdict == HistoricalVerdict::kOpenLimit ? "322 open limit" : "162 pacing");
  return true;
}

std::vector<std::string> Connection::build(const gw::ClientMessage& message) {
  const auto& s = server_.scenario();
  if (auto* r = std::get_if<gw::ReqHistoricalData>(&message)) {
    auto payloads = historical_data_answer(s, sv_, *r, unix_now(server_.options().market_time));
    // The request is complete once answered (a keepUpToDate one stays open until cancelled:
    // the simulator sends no updates, but IB counts it as open).
    if (!r->request.keep_up_to_date || is_error_payload(payloads.front()))
      server_.historical_pacing().close(id_, r->req_id);
    return payloads;
  }
  if (auto* h = std::get_if<gw::ReqHeadTimestamp>(&message)) {
    // Stays open until cancelHeadTimestamp (IB counts it until then), unless refused.
    auto payloads = head_timestamp_answer(s, sv_, *h);
    if (is_error_payload(payloads.front())) server_.historical_pacing().close(id_, h->req_id);
    return payloads;
  }
  if (auto* m = std::get_if<gw::ReqMktData>(&message)) {
    if (!snapshots_.count(m->req_id)) return {};  // cancelled before its answer
    auto a =
        snapshot_answer(s, sv_, *m, market_data_type_, unix_now(server_.options().market_time));
    if (a.ends) {
      asio::co_spawn(socket_.get_executor(), end_snapshot(shared_from_this(), m->req_id),
                     asio::detached);
    } else {
      snapshots_.erase(m->req_id);
    }
    return std::move(a.payloads);
  }
  return build_answer(s, sv_, *client_id_, message, std::chrono::system_clock::now());
}

awaitable<void> Connection::end_snapshot(std::shared_ptr<Connection> self, int req_id) {
  asio::steady_timer timer(self->socket_.get_executor(),
                           scaled(11, self->server_.options().time_scale));
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!self->open() || !self->snapshots_.erase(req_id)) co_return;
  self->send(gw::encode_tick_snapshot_end(self->sv_, gw::TickSnapshotEnd{req_id}));
}

void Connection::answer(const gw::ClientMessage& message) {
  if (!open()) return;
  std::vector<std::string> payloads;
  try {
    payloads = build(message);
  } catch (const std::exception& e) {
    // Only a scenario the codec cannot encode gets here; keep serving the other clients.
    spdlog::error("conn {}: cannot build answer: {}; closing", id_, e.what());
    close();
    return;
  }

  if (std::holds_alternative<gw::ReqHistoricalData>(message) &&
      has_fault(Fault::kHistoricalNoEnd) && !payloads.empty() && !is_error_payload(payloads[0])) {
    // The bars message again and again, never HISTORICAL_DATA_END (below sv 196 each message
    // ends its answer by layout: the repeats are then unsolicited answers for a finished id).
    if (!bars_flood_) {
      bars_flood_ = true;
      spdlog::info("conn {}: fault historical-no-end", id_);
      asio::co_spawn(socket_.get_executor(),
                     flood(shared_from_this(), Flood::kBars, {gw::frame(payloads[0])}),
                     asio::detached);
    }
    return;
  }
  if (has_fault(Fault::kCloseMidAnswer)) {
    if (payloads.size() >= 2) send(std::move(payloads.front()));
    spdlog::info("conn {}: fault close-mid-answer", id_);
    close_when_flushed();
    return;
  }
  if (has_fault(Fault::kSlowFrame)) {
    std::string bytes;
    for (const auto& payload : payloads) bytes += gw::frame(payload);
    trickles_.push_back(std::move(bytes));
    if (trickles_.size() == 1) {
      spdlog::info("conn {}: fault slow-frame", id_);
      asio::co_spawn(socket_.get_executor(), trickle(shared_from_this()), asio::detached);
    }
    return;
  }
  for (size_t i = 0; i < payloads.size(); ++i) {
    send(std::move(payloads[i]));
    if (i == 0 && has_fault(Fault::kGarbage)) {
      spdlog::info("conn {}: fault garbage", id_);
      send_raw(garbage_frame());
    }
  }
}

}  // namespace intentq::sim
