#include "broker/metrics.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "broker/broker.hpp"
#include "broker/job_metrics.hpp"
#include "common/metrics_http.hpp"
#include "common/prometheus_family.hpp"

namespace intentq::broker {
namespace {

// A worker may announce "(other)" as its gateway id too: it is then summed with the overflow.
constexpr std::string_view kOtherGateway = "(other)";

const std::string& id_of(const GatewayStats& g) {
  return g.id;
}
const std::string& id_of(const std::string& id) {
  return id;
}

}  // namespace

struct MetricsExporter::Impl {
  std::string host;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* events = nullptr;
  std::map<std::string, prometheus::Counter*> counters;
  std::map<std::string, uint64_t> last;  // counter values already added
  prometheus::Gauge* workers = nullptr;
  prometheus::Gauge* jobs = nullptr;
  prometheus::Gauge* unanswered = nullptr;
  prometheus::Gauge* reuse_entries = nullptr;
  prometheus::Gauge* reuse_bytes = nullptr;
  prometheus::Gauge* reuse_hit_ratio = nullptr;
  prometheus::Family<prometheus::Gauge>* gateway = nullptr;
  // Per gateway id: budget, messages in the last second, jobs waiting for budget. Any worker can
  // mint a gateway id (READY @gateway=), so at most kMaxGatewayLabels ids the broker knows now
  // have series of their own; the others are summed under gateway="(other)". Series of a gateway
  // the broker forgot are removed, which frees its place.
  // Historical pacing (issue 20): weighted requests in the window, requests open, queued
  // historical jobs, seconds until the next slot (0 for gateways without historical workers).
  static constexpr size_t kGatewaySeries = 7;
  using GatewaySeries = std::array<prometheus::Gauge*, kGatewaySeries>;
  std::map<std::string, GatewaySeries, std::less<>> gateways;
  GatewaySeries other{};
  GatewaySeries add_gateway(const std::string& label) {
    return {&gateway->Add({{"gateway", label}, {"what", "budget"}}),
            &gateway->Add({{"gateway", label}, {"what", "used_last_second"}}),
            &gateway->Add({{"gateway", label}, {"what", "waiting"}}),
            &gateway->Add({{"gateway", label}, {"what", "hist_requests"}}),
            &gateway->Add({{"gateway", label}, {"what", "hist_open"}}),
            &gateway->Add({{"gateway", label}, {"what", "hist_queued"}}),
            &gateway->Add({{"gateway", label}, {"what", "hist_next_slot_seconds"}})};
  }
  void remove_gateway(const GatewaySeries& series) {
    for (auto* g : series) gateway->Remove(g);
  }
  void update_gateways(const std::vector<GatewayStats>& stats);
  // Per live worker, by the name it announced (issue 18): busy, and session_up for gateway
  // workers. Series of a worker that left are removed, and at most kMaxWorkerLabels workers have
  // series at once (pids change on every restart: the names must not pile up).
  prometheus::Family<prometheus::Gauge>* worker = nullptr;
  struct WorkerSeries {
    prometheus::Gauge* busy = nullptr;
    prometheus::Gauge* session_up = nullptr;  // gateway workers only
    bool seen = false;
  };
  std::map<std::string, WorkerSeries> workers_by_name;
  std::unique_ptr<JobMetrics> per_intent;
  prometheus::Family<prometheus::Counter>* zap = nullptr;
  std::map<std::string, std::pair<prometheus::Counter*, uint64_t>> zap_domains;  // 3 domains
  prometheus::Family<prometheus::Counter>* refused = nullptr;
  // "domain reason" -> counter and the total already added (3 domains x 4 reasons).
  std::map<std::string, std::pair<prometheus::Counter*, uint64_t>> refused_series;
};

MetricsExporter::MetricsExporter(const std::string& bind) : impl_(std::make_unique<Impl>()) {
  impl_->host = bind.substr(0, bind.rfind(':'));
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(metrics_http_options(bind));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + bind + ": " + e.what());
  }
  auto& events =
      add_family(*impl_->registry, prometheus::BuildCounter(), "intentq_broker_events_total",
                 "Broker counters, by event (see docs/protocol.md, mmi.stats)");
  Counters zero;
  zero.for_each([&](std::string_view name, uint64_t) {
    impl_->counters[std::string(name)] = &events.Add({{"event", std::string(name)}});
  });
  auto& gauges = add_family(*impl_->registry, prometheus::BuildGauge(), "intentq_broker_state",
                            "Current broker state: workers, jobs held, jobs unanswered");
  impl_->workers = &gauges.Add({{"what", "workers"}});
  impl_->jobs = &gauges.Add({{"what", "jobs"}});
  impl_->unanswered = &gauges.Add({{"what", "unanswered"}});
  impl_->reuse_entries = &gauges.Add({{"what", "reuse_entries"}});
  impl_->reuse_bytes = &gauges.Add({{"what", "reuse_bytes"}});
  impl_->reuse_hit_ratio = &gauges.Add({{"what", "reuse_hit_ratio"}});
  impl_->gateway = &add_family(*impl_->registry, prometheus::BuildGauge(), "intentq_gateway",
                               "Per gateway id: message budget (msg/s), messages charged in the "
                               "last second, jobs waiting for budget");
  impl_->worker = &add_family(*impl_->registry, prometheus::BuildGauge(), "intentq_broker_worker",
                              "Per live worker (by its announced name, host:pid): busy (1/0), and "
                              "session_up (1/0) for workers with a gateway session");
  impl_->per_intent = std::make_unique<JobMetrics>(*impl_->registry);
  impl_->zap =
      &add_family(*impl_->registry, prometheus::BuildCounter(), "intentq_broker_zap_denied_total",
                  "CURVE handshakes refused by the ZAP allowlist, by socket domain");
  impl_->refused = &add_family(*impl_->registry, prometheus::BuildCounter(),
                               "intentq_broker_handshakes_refused_total",
                               "CURVE handshakes refused, by socket domain and reason (no_key, "
                               "wrong_server_key, key_not_allowed, other)");
  impl_->exposer->RegisterCollectable(impl_->registry);
}

MetricsExporter::~MetricsExporter() = default;

std::string MetricsExporter::url() const {
  const auto ports = impl_->exposer->GetListeningPorts();
  return "http://" + impl_->host + ":" + (ports.empty() ? "?" : std::to_string(ports.front())) +
         "/metrics";
}

void MetricsExporter::update_zap_denied(const std::string& domain, uint64_t total) {
  auto& [counter, seen] = impl_->zap_domains[domain];
  if (!counter) counter = &impl_->zap->Add({{"domain", domain}});
  if (total > seen) counter->Increment(static_cast<double>(total - seen));
  seen = total;
}

void MetricsExporter::update_handshake_refused(const std::string& domain, const std::string& reason,
                                               uint64_t total) {
  auto& [counter, seen] = impl_->refused_series[domain + " " + reason];
  if (!counter) counter = &impl_->refused->Add({{"domain", domain}, {"reason", reason}});
  if (total > seen) counter->Increment(static_cast<double>(total - seen));
  seen = total;
}

JobObserver& MetricsExporter::observer() {
  return *impl_->per_intent;
}

void MetricsExporter::update(const Broker& broker) {
  impl_->per_intent->update(broker);
  broker.counters().for_each([&](std::string_view name, uint64_t value) {
    const std::string key(name);
    auto& seen = impl_->last[key];
    if (value > seen) impl_->counters[key]->Increment(static_cast<double>(value - seen));
    seen = value;
  });
  impl_->workers->Set(static_cast<double>(broker.worker_count()));
  impl_->jobs->Set(static_cast<double>(broker.job_count()));
  impl_->unanswered->Set(static_cast<double>(broker.unanswered()));
  const auto& reuse = broker.reuse_cache();
  impl_->reuse_entries->Set(static_cast<double>(reuse.size()));
  impl_->reuse_bytes->Set(static_cast<double>(reuse.bytes()));
  const auto lookups = reuse.hits() + reuse.misses();
  impl_->reuse_hit_ratio->Set(
      lookups ? static_cast<double>(reuse.hits()) / static_cast<double>(lookups) : 0.0);
  impl_->update_gateways(broker.gateway_stats(Clock::now()));
  update_workers(broker);
}

void MetricsExporter::Impl::update_gateways(const std::vector<GatewayStats>& stats) {
  // Forget the series of gateways the broker no longer knows (stats is in id order).
  for (auto it = gateways.begin(); it != gateways.end();) {
    const bool known =
        std::binary_search(stats.begin(), stats.end(), it->first,
                           [](const auto& a, const auto& b) { return id_of(a) < id_of(b); });
    if (known) {
      ++it;
      continue;
    }
    remove_gateway(it->second);
    it = gateways.erase(it);
  }
  std::array<double, kGatewaySeries> other_sum{};
  bool any_other = false;
  for (const auto& g : stats) {
    auto it = gateways.find(g.id);
    if (it == gateways.end() && g.id != kOtherGateway && gateways.size() < kMaxGatewayLabels)
      it = gateways.emplace(g.id, add_gateway(g.id)).first;
    const std::array<double, kGatewaySeries> values{
        static_cast<double>(g.view.budget),
        static_cast<double>(g.view.used),
        static_cast<double>(g.waiting),
        static_cast<double>(g.hist.used),
        static_cast<double>(g.hist.open),
        static_cast<double>(g.hist_queued),
        static_cast<double>(g.hist_next_slot_ms) / 1000.0};
    if (it == gateways.end()) {
      any_other = true;
      for (size_t i = 0; i < kGatewaySeries; ++i) other_sum[i] += values[i];
      continue;
    }
    for (size_t i = 0; i < kGatewaySeries; ++i) it->second[i]->Set(values[i]);
  }
  if (any_other && !other[0]) other = add_gateway(std::string(kOtherGateway));
  if (!any_other && other[0]) {
    remove_gateway(other);
    other = {};
  }
  if (other[0])
    for (size_t i = 0; i < kGatewaySeries; ++i) other[i]->Set(other_sum[i]);
}

void MetricsExporter::update_workers(const Broker& broker) {
  auto& series = impl_->workers_by_name;
  for (auto& [name, w] : series) w.seen = false;
  broker.for_each_worker([&](const Worker& wk) {
    auto it = series.find(wk.name);
    if (it == series.end()) {
      if (series.size() >= kMaxWorkerLabels) return;
      Impl::WorkerSeries fresh;
      fresh.busy = &impl_->worker->Add({{"worker", wk.name}, {"what", "busy"}});
      if (!wk.gateway.empty())
        fresh.session_up = &impl_->worker->Add(
            {{"worker", wk.name}, {"gateway", wk.gateway}, {"what", "session_up"}});
      it = series.emplace(wk.name, fresh).first;
    }
    it->second.seen = true;
    it->second.busy->Set(wk.job ? 1 : 0);
    if (it->second.session_up) it->second.session_up->Set(wk.session_up.value_or(false) ? 1 : 0);
  });
  for (auto it = series.begin(); it != series.end();) {
    if (it->second.seen) {
      ++it;
      continue;
    }
    impl_->worker->Remove(it->second.busy);
    if (it->second.session_up) impl_->worker->Remove(it->second.session_up);
    it = series.erase(it);
  }
}

}  // namespace intentq::broker
