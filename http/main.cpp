// intentq-http: an HTTP/JSON front of the broker (docs/http.md). One more MDP client of the broker
// and one subscriber of its results: the broker does not change, and any number of fronts can run.
#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "common/curve_options.hpp"
#include "common/logging.hpp"
#include "common/program_options.hpp"
#include "common/sd_notify.hpp"
#include "common/signals.hpp"
#include "http/api.hpp"
#include "http/server.hpp"

namespace {

// sysexits.h EX_CONFIG: a refused configuration (the unit does not restart on it).
constexpr int kConfigExit = 78;

// "HOST:PORT" or "[V6]:PORT" -> host, port; throws naming --listen.
std::pair<std::string, uint16_t> split_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw std::runtime_error("--listen must be HOST:PORT, got '" + text + "'");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw std::runtime_error("--listen: bad port in '" + text + "'");
  return {host, static_cast<uint16_t>(port)};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace intentq;
  using namespace intentq::http;
  CLI::App app{"intentq-http: HTTP/JSON API, live results stream and dashboard for intentq"};
  ProgramOptions options(app, "intentq-http", kConfigExit);
  LogOptions log;
  ServerOptions server_options;
  ApiOptions api_options;
  std::string listen = "127.0.0.1:8088";
  bool insecure_allow_public = false;
  int64_t idle_ms = server_options.idle_timeout.count();
  int64_t request_ms = server_options.request_timeout.count();
  int64_t write_ms = server_options.write_timeout.count();
  int64_t store_ttl_ms = api_options.store.ttl.count();
  int64_t deadline_ms = api_options.default_deadline.count();
  int64_t grace_ms = api_options.reply_grace.count();
  curve::ClientOptions curve_options;

  app.add_option("--listen", listen, "HTTP address HOST:PORT (loopback unless tokens and TLS)")
      ->capture_default_str();
  app.add_option("--broker", api_options.broker.frontend, "broker frontend endpoint")
      ->capture_default_str();
  app.add_option("--publish", api_options.broker.publish, "broker publish endpoint (results)")
      ->capture_default_str();
  app.add_option("--tokens", api_options.tokens_file,
                 "bearer tokens file: `name token` lines (reloaded on SIGHUP)");
  app.add_option("--tls-cert", server_options.tls_cert, "TLS certificate chain (PEM)");
  app.add_option("--tls-key", server_options.tls_key, "TLS private key (PEM)");
  app.add_flag("--insecure-allow-public", insecure_allow_public,
               "allow a non-loopback --listen without tokens and TLS");
  intentq::add_bounded(app, "--max-body-bytes", server_options.max_body_bytes,
                       "request body limit (413)", size_t{1024}, size_t{1} << 30);
  intentq::add_bounded(app, "--max-header-bytes", server_options.max_header_bytes,
                       "request header limit (431)", size_t{1024}, size_t{1} << 20);
  intentq::add_bounded(app, "--max-connections", server_options.max_connections,
                       "open connections at once", size_t{1}, size_t{1000000});
  intentq::add_bounded(app, "--max-sse-clients", server_options.max_sse_clients,
                       "event streams at once", size_t{0}, size_t{100000});
  intentq::add_bounded(app, "--sse-buffer-bytes", server_options.sse_buffer_bytes,
                       "events waiting per stream before a slow reader is dropped", size_t{1024},
                       size_t{1} << 30);
  intentq::add_bounded(app, "--idle-timeout-ms", idle_ms,
                       "close a keep-alive connection idle this long", int64_t{100},
                       int64_t{3600000});
  intentq::add_bounded(
      app, "--request-timeout-ms", request_ms,
      "a request must arrive whole this soon after its first byte (slowloris bound)", int64_t{100},
      int64_t{600000});
  intentq::add_bounded(app, "--write-timeout-ms", write_ms,
                       "a response or event write must finish this soon", int64_t{100},
                       int64_t{600000});
  intentq::add_bounded(app, "--store-max-entries", api_options.store.max_entries,
                       "jobs kept by id (pending and finished)", size_t{1}, size_t{10000000});
  app.add_option("--store-max-bytes", api_options.store.max_bytes, "bytes of kept replies")
      ->capture_default_str();
  intentq::add_bounded(app, "--store-ttl-ms", store_ttl_ms,
                       "how long a finished reply stays readable", int64_t{0}, int64_t{86400000});
  intentq::add_bounded(app, "--default-deadline-ms", deadline_ms,
                       "the broker's default deadline (the wait of jobs that give none)",
                       int64_t{1}, int64_t{86400000});
  intentq::add_bounded(app, "--reply-grace-ms", grace_ms,
                       "wait this long past a job's deadline for the broker's reply before 504",
                       int64_t{0}, int64_t{600000});
  curve_options.add_to(app);
  add_log_options(app, log);
  options.finish();
  if (auto exit = options.parse(argc, argv)) return *exit;
  server_options.idle_timeout = std::chrono::milliseconds(idle_ms);
  server_options.request_timeout = std::chrono::milliseconds(request_ms);
  server_options.write_timeout = std::chrono::milliseconds(write_ms);
  api_options.store.ttl = std::chrono::milliseconds(store_ttl_ms);
  api_options.default_deadline = std::chrono::milliseconds(deadline_ms);
  api_options.reply_grace = std::chrono::milliseconds(grace_ms);

  try {
    init_logging("http", log.level, parse_log_format(log.format));
    std::tie(server_options.host, server_options.port) = split_listen(listen);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(server_options.host, ec);
    if (ec)
      throw std::runtime_error("--listen: '" + server_options.host + "' is not an IP address");
    const bool tls = !server_options.tls_cert.empty() || !server_options.tls_key.empty();
    if (!address.is_loopback() && !insecure_allow_public &&
        (api_options.tokens_file.empty() || !tls))
      throw std::runtime_error(
          "--listen " + listen +
          " is not a loopback address: it needs --tokens FILE and --tls-cert/--tls-key "
          "(or --insecure-allow-public, e.g. behind a TLS-terminating proxy that checks tokens)");
    api_options.broker.curve = curve_options.load();
    // A bad token file is a refused configuration (exit 78), like a bad flag.
    if (!api_options.tokens_file.empty()) Tokens::load(api_options.tokens_file);
  } catch (const std::exception& e) {
    return options.refuse(e.what());
  }

  try {
    // Signals first: the ZeroMQ context's threads inherit the blocked mask.
    SignalFd signals({SIGINT, SIGTERM, SIGHUP});
    asio::io_context io(1);
    Metrics metrics;
    Api api(io, api_options, metrics);
    auto observe = [&metrics](ServerEvent event) {
      static constexpr const char* kNames[] = {
          "connection_accepted", "connection_refused", "request_timeout",      "malformed",
          "body_too_large",      "header_too_large",   "tls_handshake_failed", "sse_refused",
          "sse_dropped"};
      metrics.server_event(kNames[static_cast<int>(event)]);
    };
    Server server(
        io, server_options,
        [&api](Request request, std::shared_ptr<Exchange> exchange) {
          api.handle(std::move(request), std::move(exchange));
        },
        observe);
    api.set_gauges(
        {[&server] { return server.connections(); }, [&server] { return server.sse_clients(); }});

    asio::posix::stream_descriptor signal_fd(io, signals.fd());
    std::function<void()> wait_signal = [&] {
      signal_fd.async_wait(asio::posix::descriptor_base::wait_read,
                           [&](boost::system::error_code ec) {
                             if (ec) return;
                             for (int sig : signals.take()) {
                               if (sig == SIGHUP) {
                                 api.reload_tokens();
                                 continue;
                               }
                               spdlog::info("signal {}: stopping", sig);
                               sd_notify("STOPPING=1");
                               server.stop();
                               io.stop();
                               return;
                             }
                             wait_signal();
                           });
    };
    wait_signal();

    asio::steady_timer watchdog_timer(io);
    const auto watchdog = sd_watchdog_interval();
    std::function<void()> ping = [&] {
      sd_notify("WATCHDOG=1\nSTATUS=connections=" + std::to_string(server.connections()) +
                " streams=" + std::to_string(server.sse_clients()) +
                " broker=" + (api.broker_up() ? "up" : "unreachable"));
      watchdog_timer.expires_after(watchdog ? *watchdog / 2 : std::chrono::microseconds(2000000));
      watchdog_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) ping();
      });
    };

    std::printf("intentq-http ready listen=%s://%s broker=%s publish=%s tokens=%s\n",
                server.tls() ? "https" : "http", server.address().c_str(),
                api_options.broker.frontend.c_str(), api_options.broker.publish.c_str(),
                api_options.tokens_file.empty() ? "off" : "on");
    std::fflush(stdout);
    spdlog::info("listening on {} ({}), broker {}", server.address(),
                 server.tls() ? "TLS" : "plain", api_options.broker.frontend);
    sd_notify("READY=1");
    ping();
    io.run();
    signal_fd.release();  // SignalFd closes it
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", options.explain(e.what()));
    return 1;
  }
}
