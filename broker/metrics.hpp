// Prometheus metrics of the broker on an HTTP endpoint (GET /metrics, text format), served by
// prometheus-cpp's own thread. The broker's loop calls update() on its heartbeat tick, and the
// core reports each job's outcome and durations through observer() (broker/job_metrics.hpp) as
// they happen; prometheus-cpp's metrics are thread-safe, so nothing else is shared between the
// threads. docs/operations.md lists every series.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "broker/job_observer.hpp"
#include "broker/stats.hpp"

namespace intentq::broker {

class Broker;

// Workers with series of their own at once (intentq_broker_worker); more are left out.
inline constexpr size_t kMaxWorkerLabels = 256;
// Gateway ids with series of their own at one time (the rest share gateway="(other)").
inline constexpr size_t kMaxGatewayLabels = 64;

class MetricsExporter {
 public:
  // bind: "127.0.0.1:9464", or port 0 for any free port. Throws std::runtime_error on failure.
  explicit MetricsExporter(const std::string& bind);
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  // "http://HOST:PORT/metrics" with the port actually bound.
  std::string url() const;
  void update(const Broker& broker);
  // CURVE handshakes the ZAP allowlist refused so far on the `domain` socket (clients, workers,
  // subscribers): a total, the exporter adds what is new.
  void update_zap_denied(const std::string& domain, uint64_t total);
  // Every refused handshake (no key, wrong server key, key not allowed, other) on the `domain`
  // socket, from the broker's socket monitor (broker/handshake_watch.hpp): a total, as above.
  void update_handshake_refused(const std::string& domain, const std::string& reason,
                                uint64_t total);
  // For Broker::set_observer: per-intent job outcomes, queue wait and job duration.
  JobObserver& observer();

 private:
  void update_workers(const Broker& broker);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace intentq::broker
