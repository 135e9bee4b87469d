// The HTTP endpoint that serves a program's Prometheus metrics (broker and worker --metrics):
// where it may bind, and how prometheus-cpp's embedded civetweb server is configured so that
// idle or slow connections cannot starve the scrapes.
//
// civetweb gives each connection one worker thread until the connection closes. prometheus-cpp's
// default is 2 threads and civetweb's request timeout 30 s, so two idle TCP connections made every
// scrape wait (and time out). Here every connection is bounded in time (the whole request must
// arrive within kMetricsRequestTimeoutMs, no keep-alive) and there are kMetricsThreads threads:
// a peer must hold more than kMetricsThreads connections, renewed every few seconds, to delay a
// scrape, and even then a scrape waits at most about one request timeout for a free thread.
#pragma once

#include <string>
#include <vector>

namespace intentq {

inline constexpr int kMetricsThreads = 24;
inline constexpr int kMetricsRequestTimeoutMs = 3000;
inline constexpr int kMetricsMaxRequestBytes = 4096;  // a scrape's request line and headers

// Checks --metrics HOST:PORT (port 0..65535, 0 = any free port) and the bind rule the broker's
// ZeroMQ sockets follow: the endpoint has no authentication or encryption, so a non-loopback
// HOST is refused unless `allow_public` (--insecure-allow-public). Throws std::invalid_argument
// whose message starts with "--metrics". Call it while checking the options (exit 78).
void check_metrics_bind(const std::string& bind, bool allow_public);

// The civetweb options for prometheus::Exposer(std::vector<std::string>) serving `bind`; logs
// the INSECURE warning when `bind` is not loopback (allowed by check_metrics_bind before).
std::vector<std::string> metrics_http_options(const std::string& bind);

}  // namespace intentq
