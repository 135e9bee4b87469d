// The HTTP front's own Prometheus metrics (GET /metrics), on prometheus-cpp's registry and text
// serializer (no second listener: the front serves them itself).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/prometheus_fwd.hpp"

namespace intentq::http {

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // One answered request: its route ("jobs_post", "stream", ...) and status.
  void request(std::string_view route, int status);
  void auth_refused(std::string_view reason);  // "missing" | "wrong"
  void server_event(std::string_view event);
  void job_seconds(double seconds);  // submission to reply, jobs answered while waiting
  void result_received();

  struct Gauges {
    double connections = 0, sse_clients = 0, jobs_pending = 0, store_entries = 0, store_bytes = 0,
           broker_up = 0;
  };
  std::string text(const Gauges& gauges);  // the exposition

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace intentq::http
