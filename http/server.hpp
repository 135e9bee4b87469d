// The HTTP/1.1 server of intentq-http, on Boost.Beast (the only file that compiles Beast is
// server.cpp): one listener, plain TCP or TLS, keep-alive, Server-Sent Events, and the limits
// that keep a hostile client from holding anything (docs/http.md, "Limits"):
//   - at most max_connections sockets; a connection over the cap is closed at once;
//   - an idle keep-alive connection is closed after idle_timeout;
//   - once a request's first byte arrives, the whole request must arrive within request_timeout
//     (a slowloris sending one byte a second holds a slot for that long, no more);
//   - headers up to max_header_bytes (431), bodies up to max_body_bytes (413, refused from the
//     Content-Length before the body is read);
//   - a response or event write must finish within write_timeout;
//   - at most max_sse_clients streams (503 beyond), each with a buffer of sse_buffer_bytes: a
//     client that falls further behind gets `event: dropped` and is closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "http/exchange.hpp"

namespace intentq::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8088;
  std::string tls_cert;  // PEM files; both set: every connection is TLS
  std::string tls_key;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  size_t max_connections = 1024;
  size_t max_sse_clients = 256;
  size_t sse_buffer_bytes = 1 << 20;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
};

// What the server counts (the front's metrics).
enum class ServerEvent {
  kConnectionAccepted,
  kConnectionRefused,  // over max_connections
  kRequestTimeout,     // a request did not arrive whole within request_timeout
  kMalformed,          // answered 400 by the parser
  kBodyTooLarge,       // 413
  kHeaderTooLarge,     // 431
  kTlsHandshakeFailed,
  kSseRefused,  // over max_sse_clients
  kSseDropped,  // a slow reader dropped
};

class Server {
 public:
  using Handler = std::function<void(Request request, std::shared_ptr<Exchange> exchange)>;
  using Observer = std::function<void(ServerEvent event)>;

  // Binds and listens (throws std::runtime_error naming the address or a bad TLS file).
  Server(asio::io_context& io, ServerOptions options, Handler handler, Observer observer);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::string address() const;  // host:port as bound (port 0 resolved)
  bool tls() const;
  size_t connections() const;
  size_t sse_clients() const;
  // Stops accepting and closes every connection.
  void stop();

  struct Impl;  // server.cpp; public only so that its sessions can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace intentq::http
