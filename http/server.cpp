// The only translation unit that compiles Boost.Beast (it is slow to compile: keep it that way).
#include "http/server.hpp"

#include <deque>
#include <optional>
#include <unordered_set>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/percent_decode.hpp"

namespace intentq::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using error_code = boost::system::error_code;

// Room left for what a request line and headers may carry besides the body.
constexpr size_t kReadChunk = 4096;
// Events written in one gathered write.
constexpr size_t kMaxGather = 64;

std::string error_json(std::string_view code, std::string_view message) {
  // Same shape as the front's other error maps (job_request.hpp), without id and intent.
  std::string out = R"({"status":"error","error":{"code":")";
  out += code;
  out += R"(","message":")";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  out += R"("},"worker":"http"})";
  return out;
}

// An error answer of the server's own, with error_json's body.
Response error_response(int status, std::string_view code, std::string_view message,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {status, "application/json", std::move(headers), error_json(code, message)};
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close() = 0;
};

}  // namespace

// What sessions share; owned jointly by the Server and its live sessions, so a session that
// outlives the Server (its handler still queued in the io_context) touches valid memory.
struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions o, Handler h, Observer obs)
      : io(io),
        options(std::move(o)),
        handler(std::move(h)),
        observer(std::move(obs)),
        acceptor(io),
        retry_timer(io) {}

  void count(ServerEvent event) {
    if (observer) observer(event);
  }
  void accept_next();

  asio::io_context& io;
  ServerOptions options;
  Handler handler;
  Observer observer;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::optional<ssl::context> tls;
  size_t connections = 0;
  size_t sse_clients = 0;
  bool stopped = false;
  std::unordered_set<SessionBase*> sessions;
};

namespace {

template <class Stream>
class Session : public SessionBase,
                public EventStream,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(std::shared_ptr<Server::Impl> server, Stream stream, std::string remote)
      : server_(std::move(server)), stream_(std::move(stream)), remote_(std::move(remote)) {
    ++server_->connections;
    server_->sessions.insert(this);
  }
  ~Session() override {
    if (streaming_) --server_->sse_clients;
    --server_->connections;
    server_->sessions.erase(this);
  }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(server_->options.request_timeout);
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
            if (ec) {
              self->server_->count(ServerEvent::kTlsHandshakeFailed);
              spdlog::debug("TLS handshake with {} failed: {}", self->remote_, ec.message());
              return self->close();
            }
            self->read_next();
          });
    } else {
      read_next();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  // ---- answering (called through SessionExchange) ----

  void write_response(Response r) {
    if (closed_ || streaming_) return;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), 11);
    res->set(bhttp::field::server, "intentq-http");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    if (head_) {
      // HEAD: the headers a GET would get, no body (it would be read as the next response).
      const auto length = res->body().size();
      res->body().clear();
      res->content_length(length);
    }
    lowest().expires_after(server_->options.write_timeout);
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res](error_code ec, size_t) {
                         self->lowest().expires_never();
                         if (ec || !res->keep_alive()) return self->close();
                         self->read_next();
                       });
  }

  std::shared_ptr<EventStream> start_stream() {
    if (closed_ || streaming_) return nullptr;
    if (server_->sse_clients >= server_->options.max_sse_clients) {
      server_->count(ServerEvent::kSseRefused);
      keep_alive_ = false;
      write_response(error_response(503, "BUSY",
                                    "too many event streams open (--max-sse-clients " +
                                        std::to_string(server_->options.max_sse_clients) + ")",
                                    {{"Retry-After", "5"}}));
      return nullptr;
    }
    ++server_->sse_clients;
    streaming_ = true;
    auto head = std::make_shared<const std::string>(
        "HTTP/1.1 200 OK\r\nServer: intentq-http\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
        "retry: 2000\n\n");
    queue_.push_back(head);
    queued_bytes_ += head->size();
    pump();
    watch_for_close();
    return this->shared_from_this();
  }

  bool send(std::shared_ptr<const std::string> event) override {
    if (closed_ || dropping_ || !streaming_) return false;
    // An event larger than the whole buffer still goes to a client that has caught up.
    if (queued_bytes_ > 0 && queued_bytes_ + event->size() > server_->options.sse_buffer_bytes) {
      dropping_ = true;
      server_->count(ServerEvent::kSseDropped);
      spdlog::info("event stream of {} dropped: {} bytes waiting (buffer {} bytes)", remote_,
                   queued_bytes_, server_->options.sse_buffer_bytes);
      static const auto dropped = std::make_shared<const std::string>(
          "event: dropped\ndata: {\"reason\":\"the client read too slowly; its buffer is "
          "full\"}\n\n");
      queue_.push_back(dropped);
      pump();
      return false;
    }
    queued_bytes_ += event->size();
    queue_.push_back(std::move(event));
    pump();
    return true;
  }
  bool closed() const override { return closed_ || dropping_; }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  // ---- reading requests ----

  void read_next() {
    if (closed_) return;
    if (buffer_.size() > 0) return read_request();  // pipelined: the next request is here
    lowest().expires_after(server_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->close();  // idle timeout or the peer left
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void read_request() {
    head_ = false;
    lowest().expires_after(server_->options.request_timeout);
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(server_->options.max_body_bytes);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      // curl and others wait for this before a larger body (a 413 was decided by now).
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = this->shared_from_this()](error_code ec, size_t) {
                          if (ec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->dispatch();
                      });
  }

  void on_read_error(error_code ec) {
    keep_alive_ = false;
    if (ec == beast::error::timeout) {
      server_->count(ServerEvent::kRequestTimeout);
      spdlog::debug("request from {} did not arrive within {} ms; closed", remote_,
                    server_->options.request_timeout.count());
      return close();
    }
    // A request past one of our size limits: counted, refused with the status for it.
    auto too_large = [&](ServerEvent event, int status, const std::string& what, size_t limit,
                         const std::string& option) {
      server_->count(event);
      write_response(error_response(
          status, "BAD_REQUEST",
          what + " larger than " + std::to_string(limit) + " bytes (" + option + ")"));
    };
    if (ec == bhttp::error::body_limit)
      return too_large(ServerEvent::kBodyTooLarge, 413, "request body",
                       server_->options.max_body_bytes, "--max-body-bytes");
    if (ec == bhttp::error::header_limit)
      return too_large(ServerEvent::kHeaderTooLarge, 431, "request headers",
                       server_->options.max_header_bytes, "--max-header-bytes");
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      server_->count(ServerEvent::kMalformed);
      return write_response(
          error_response(400, "BAD_REQUEST", "malformed HTTP request: " + ec.message()));
    }
    close();  // the peer left, or TLS ended
  }

  void dispatch();

  // ---- event streams ----

  void pump() {
    if (writing_ || queue_.empty() || closed_) return;
    writing_ = true;
    inflight_.clear();
    std::vector<asio::const_buffer> buffers;
    while (!queue_.empty() && inflight_.size() < kMaxGather) {
      inflight_.push_back(std::move(queue_.front()));
      queue_.pop_front();
      buffers.emplace_back(asio::buffer(*inflight_.back()));
    }
    lowest().expires_after(server_->options.write_timeout);
    asio::async_write(stream_, buffers, [self = this->shared_from_this()](error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->lowest().expires_never();
      for (auto& chunk : self->inflight_)
        self->queued_bytes_ -= std::min(self->queued_bytes_, chunk->size());
      self->inflight_.clear();
      if (self->dropping_ && self->queue_.empty()) return self->close();
      self->pump();
    });
  }

  // A stream's client sends nothing; a read that ends means it went away.
  void watch_for_close() {
    if (closed_) return;
    buffer_.consume(buffer_.size());
    // Beast arms an operation's timer when it starts, from the expiry set last: the write
    // timeout pump() set would otherwise close a healthy stream after --write-timeout-ms.
    // (A write in flight keeps its own timer: expires_never() leaves pending operations be.)
    lowest().expires_never();
    stream_.async_read_some(buffer_.prepare(512),
                            [self = this->shared_from_this()](error_code ec, size_t) {
                              if (ec) return self->close();
                              self->watch_for_close();
                            });
  }

  std::shared_ptr<Server::Impl> server_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool head_ = false;  // the request being answered is a HEAD
  bool closed_ = false;
  bool streaming_ = false;
  bool dropping_ = false;
  bool writing_ = false;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::vector<std::shared_ptr<const std::string>> inflight_;
  size_t queued_bytes_ = 0;
};

// One request's answer channel: holds its session until answered (a job may take seconds), and
// answers 500 if a route forgot to (never a hanging client).
template <class Stream>
class SessionExchange : public Exchange {
 public:
  explicit SessionExchange(std::shared_ptr<Session<Stream>> session)
      : session_(std::move(session)) {}
  ~SessionExchange() override {
    if (session_)
      session_->write_response(error_response(500, "INTERNAL", "the request was not answered"));
  }
  void respond(Response response) override {
    if (!session_) return;
    auto session = std::move(session_);
    session->write_response(std::move(response));
  }
  std::shared_ptr<EventStream> start_stream() override {
    if (!session_) return nullptr;
    auto session = std::move(session_);
    return session->start_stream();
  }

 private:
  std::shared_ptr<Session<Stream>> session_;
};

template <class Stream>
void Session<Stream>::dispatch() {
  auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == bhttp::verb::head;
  Request request;
  request.method = std::string(req.method_string());
  const std::string_view target(req.target().data(), req.target().size());
  const auto q = target.find('?');
  request.path = percent_decode(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  request.body = std::move(req.body());
  const auto auth = req[bhttp::field::authorization];
  request.authorization = std::string(auth.data(), auth.size());
  request.remote = remote_;
  parser_.reset();
  lowest().expires_never();  // the route answers when it can; its own bounds apply
  server_->handler(std::move(request),
                   std::make_shared<SessionExchange<Stream>>(this->shared_from_this()));
}

}  // namespace

void Server::Impl::accept_next() {
  acceptor.async_accept([this, keep = shared_from_this()](error_code ec, tcp::socket socket) {
    if (stopped || ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and the like: try again shortly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([this, keep](error_code ec) {
        if (!ec && !stopped) accept_next();
      });
      return;
    }
    if (connections >= options.max_connections) {
      count(ServerEvent::kConnectionRefused);
      error_code ignored;
      socket.close(ignored);
      return accept_next();
    }
    count(ServerEvent::kConnectionAccepted);
    error_code addr_ec;
    const auto peer = socket.remote_endpoint(addr_ec);
    std::string remote =
        addr_ec ? "?" : peer.address().to_string() + ":" + std::to_string(peer.port());
    socket.set_option(tcp::no_delay(true), addr_ec);
    // `this` stays valid while the Server lives (stop() ends this loop before it goes); sessions
    // share the Impl so that they may outlive it.
    auto self = keep;
    if (tls) {
      using TlsStream = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<Session<TlsStream>>(
          self, TlsStream(beast::tcp_stream(std::move(socket)), *tls), std::move(remote))
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(self, beast::tcp_stream(std::move(socket)),
                                                   std::move(remote))
          ->start();
    }
    accept_next();
  });
}

Server::Server(asio::io_context& io, ServerOptions options, Handler handler, Observer observer)
    : impl_(
          std::make_shared<Impl>(io, std::move(options), std::move(handler), std::move(observer))) {
  auto& o = impl_->options;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty())
      throw std::runtime_error("--tls-cert and --tls-key go together");
    impl_->tls.emplace(ssl::context::tls_server);
    auto& ctx = *impl_->tls;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use);
    error_code ec;
    ctx.use_certificate_chain_file(o.tls_cert, ec);
    if (ec) throw std::runtime_error("--tls-cert " + o.tls_cert + ": " + ec.message());
    ctx.use_private_key_file(o.tls_key, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("--tls-key " + o.tls_key + ": " + ec.message());
  }
  error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) throw std::runtime_error("--listen: '" + o.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, o.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("--listen: cannot listen on " + o.host + ":" + std::to_string(o.port) +
                             ": " + ec.message());
  impl_->accept_next();
}

Server::~Server() {
  stop();
}

std::string Server::address() const {
  error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  if (ec) return "?";
  const auto host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
         std::to_string(endpoint.port());
}

bool Server::tls() const {
  return impl_->tls.has_value();
}
size_t Server::connections() const {
  return impl_->connections;
}
size_t Server::sse_clients() const {
  return impl_->sse_clients;
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  error_code ec;
  impl_->acceptor.close(ec);
  impl_->retry_timer.cancel();
  const std::vector<SessionBase*> open(impl_->sessions.begin(), impl_->sessions.end());
  for (auto* session : open) session->close();
}

}  // namespace intentq::http
