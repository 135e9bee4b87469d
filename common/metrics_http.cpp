#include "common/metrics_http.hpp"

#include <charconv>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/curve_socket.hpp"

namespace intentq {

void check_metrics_bind(const std::string& bind, bool allow_public) {
  const auto colon = bind.rfind(':');
  const std::string usage = "--metrics must be HOST:PORT with PORT 0..65535 (0 = any free port)";
  if (colon == std::string::npos || colon == 0 || colon + 1 == bind.size())
    throw std::invalid_argument(usage + ", not '" + bind + "'");
  const std::string_view port(bind.data() + colon + 1, bind.size() - colon - 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
    throw std::invalid_argument(usage + ", not '" + bind + "'");
  if (curve::is_loopback_endpoint("tcp://" + bind) || allow_public) return;
  throw std::invalid_argument(
      "--metrics " + bind +
      " is not a loopback address: the metrics endpoint has no authentication and no "
      "encryption, and anyone who reaches it can read the service names and gateway ids and "
      "hold its connections. Bind loopback (127.0.0.1:PORT) and let Prometheus reach it "
      "through a tunnel or proxy, or pass --insecure-allow-public");
}

std::vector<std::string> metrics_http_options(const std::string& bind) {
  // check_metrics_bind() let a public address through only with --insecure-allow-public.
  if (!curve::is_loopback_endpoint("tcp://" + bind))
    spdlog::warn(
        "INSECURE: metrics served on {} (--insecure-allow-public): no authentication, no "
        "encryption",
        bind);
  return {"listening_ports", bind, "num_threads", std::to_string(kMetricsThreads),
          // The whole request (line and headers) must arrive within this time, and each read or
          // write of the response waits at most this long: a silent or trickling peer frees its
          // thread after it.
          "request_timeout_ms", std::to_string(kMetricsRequestTimeoutMs),
          // One request per connection: an idle keep-alive connection would hold a thread too.
          "enable_keep_alive", "no", "max_request_size", std::to_string(kMetricsMaxRequestBytes)};
}

}  // namespace intentq
