#include "http/metrics.hpp"

#include <map>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "common/prometheus_family.hpp"

namespace intentq::http {

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      add_family(*registry, prometheus::BuildCounter(), "intentq_http_requests_total",
                 "HTTP requests answered, by route and status");
  prometheus::Family<prometheus::Counter>& refused =
      add_family(*registry, prometheus::BuildCounter(), "intentq_http_auth_refused_total",
                 "requests refused 401 for a missing or wrong bearer token");
  prometheus::Family<prometheus::Counter>& events =
      add_family(*registry, prometheus::BuildCounter(), "intentq_http_server_events_total",
                 "connection-level events: accepted, refused over the cap, request timeouts, "
                 "malformed requests, bodies/headers too large, TLS failures, SSE refusals/drops");
  prometheus::Counter& results =
      add_family(*registry, prometheus::BuildCounter(), "intentq_http_results_received_total",
                 "results received from the broker's publish socket")
          .Add({});
  prometheus::Histogram& job_seconds =
      add_family(*registry, prometheus::BuildHistogram(), "intentq_http_job_seconds",
                 "POST /v1/jobs: time from submission to the reply")
          .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                           0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30});
  prometheus::Family<prometheus::Gauge>& state =
      add_family(*registry, prometheus::BuildGauge(), "intentq_http_state",
                 "current state: connections, sse_clients, jobs_pending, store_entries, "
                 "store_bytes, broker_up");
  std::map<std::pair<std::string, int>, prometheus::Counter*> request_counters;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::request(std::string_view route, int status) {
  auto key = std::make_pair(std::string(route), status);
  auto it = impl_->request_counters.find(key);
  if (it == impl_->request_counters.end())
    it =
        impl_->request_counters
            .emplace(key,
                     &impl_->requests.Add({{"route", key.first}, {"code", std::to_string(status)}}))
            .first;
  it->second->Increment();
}

void Metrics::auth_refused(std::string_view reason) {
  impl_->refused.Add({{"reason", std::string(reason)}}).Increment();
}
void Metrics::server_event(std::string_view event) {
  impl_->events.Add({{"event", std::string(event)}}).Increment();
}
void Metrics::job_seconds(double seconds) {
  impl_->job_seconds.Observe(seconds);
}
void Metrics::result_received() {
  impl_->results.Increment();
}

std::string Metrics::text(const Gauges& g) {
  auto set = [&](const char* what, double value) { impl_->state.Add({{"what", what}}).Set(value); };
  set("connections", g.connections);
  set("sse_clients", g.sse_clients);
  set("jobs_pending", g.jobs_pending);
  set("store_entries", g.store_entries);
  set("store_bytes", g.store_bytes);
  set("broker_up", g.broker_up);
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace intentq::http
