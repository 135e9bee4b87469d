#include "worker/worker_metrics.hpp"

#include <stdexcept>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/metrics_http.hpp"
#include "common/prometheus_family.hpp"
#include "gateway/request_specs.hpp"

namespace intentq {
namespace {

// Seconds. timings_ms are whole milliseconds, so the first bucket holds the sub-millisecond
// answers of a local gateway.
const prometheus::Histogram::BucketBoundaries& buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return b;
}

constexpr std::string_view kUnknownIntent = "(unknown)";

}  // namespace

WorkerMetrics::WorkerMetrics(const std::string& bind, const std::vector<IntentInfo>& catalog,
                             bool persistent)
    : persistent_(persistent),
      host_(bind.substr(0, bind.rfind(':'))),
      registry_(std::make_shared<prometheus::Registry>()) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(metrics_http_options(bind));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + bind + ": " + e.what());
  }
  auto& r = *registry_;
  jobs_ = &add_family(r, prometheus::BuildCounter(), "intentq_worker_jobs_total",
                      "Replies sent to the broker, by intent and outcome (ok or the error code)");
  run_ = &add_family(r, prometheus::BuildHistogram(), "intentq_worker_job_duration_seconds",
                     "Time a job ran on this worker, by intent");
  for (const auto& intent : catalog) intent_series(intent.name);
  auto& requests =
      add_family(r, prometheus::BuildHistogram(), "intentq_worker_gateway_request_seconds",
                 "Latency of successful gateway requests, by request kind");
  for (auto kind : gw::request_families())
    requests_[std::string(kind)] = &requests.Add({{"request", std::string(kind)}}, buckets());
  connect_seconds_ =
      &add_family(r, prometheus::BuildHistogram(), "intentq_worker_gateway_connect_seconds",
                  "Time to open a gateway session (TCP, handshake, ready)")
           .Add({}, buckets());
  auto& connects =
      add_family(r, prometheus::BuildCounter(), "intentq_worker_gateway_connects_total",
                 "Attempts to open the persistent gateway session, by outcome");
  connects_ok_ = &connects.Add({{"outcome", "ok"}});
  connects_failed_ = &connects.Add({{"outcome", "failed"}});
  reconnects_ =
      &add_family(r, prometheus::BuildCounter(), "intentq_worker_gateway_session_reconnects_total",
                  "Persistent gateway sessions opened after the first one")
           .Add({});
  if (persistent_)
    session_up_ = &add_family(r, prometheus::BuildGauge(), "intentq_worker_gateway_session_up",
                              "1 while the persistent gateway session is up, else 0")
                       .Add({});
  ib_errors_ = &add_family(r, prometheus::BuildCounter(), "intentq_worker_gateway_errors_total",
                           "Error messages the gateway sent, by IB code (notices included; codes "
                           "past the first 64 distinct ones count as \"other\")");
  exposer_->RegisterCollectable(registry_);
}

WorkerMetrics::~WorkerMetrics() = default;

std::string WorkerMetrics::url() const {
  const auto ports = exposer_->GetListeningPorts();
  return "http://" + host_ + ":" + (ports.empty() ? "?" : std::to_string(ports.front())) +
         "/metrics";
}

WorkerMetrics::IntentSeries& WorkerMetrics::intent_series(std::string_view intent) {
  if (auto it = intents_.find(intent); it != intents_.end()) return it->second;
  const std::string name(intent);
  IntentSeries s;
  s.outcomes.assign(kOutcomes, nullptr);
  s.outcomes[0] = &jobs_->Add({{"intent", name}, {"outcome", "ok"}});
  s.run = &run_->Add({{"intent", name}}, buckets());
  return intents_.emplace(name, std::move(s)).first->second;
}

void WorkerMetrics::job_answered(std::string_view intent, std::optional<ErrorCode> error,
                                 const nlohmann::json& timings_ms) {
  // Only catalog intents have series (created at construction); a request for anything else
  // (answered UNKNOWN_INTENT) counts under one fixed label.
  auto it = intents_.find(intent);
  IntentSeries& s = it != intents_.end() ? it->second : intent_series(kUnknownIntent);
  const std::string_view label = it != intents_.end() ? intent : kUnknownIntent;
  const size_t slot = error ? 1 + static_cast<size_t>(*error) : 0;
  if (slot >= kOutcomes) return;
  if (!s.outcomes[slot])
    s.outcomes[slot] =
        &jobs_->Add({{"intent", std::string(label)}, {"outcome", std::string(to_string(*error))}});
  s.outcomes[slot]->Increment();
  if (!timings_ms.is_object()) return;
  auto ms = [&](const char* key) -> std::optional<double> {
    auto t = timings_ms.find(key);
    if (t == timings_ms.end() || !t->is_number()) return std::nullopt;
    return t->get<double>() / 1000.0;
  };
  if (auto run = ms("run")) s.run->Observe(*run);
  for (auto& [kind, histogram] : requests_)
    if (auto t = ms(kind.c_str())) histogram->Observe(*t);
  // A per-job session's connect; a lent persistent session reports 0 and is not a connect.
  if (!persistent_)
    if (auto connect = ms("connect")) connect_seconds_->Observe(*connect);
}

void WorkerMetrics::gateway_connect(bool ok, Clock::duration took) {
  if (!ok) {
    connects_failed_->Increment();
    return;
  }
  connects_ok_->Increment();
  connect_seconds_->Observe(std::chrono::duration<double>(took).count());
  if (sessions_++ > 0) reconnects_->Increment();
  if (session_up_) session_up_->Set(1);
}

void WorkerMetrics::session_down() {
  if (session_up_) session_up_->Set(0);
}

void WorkerMetrics::ib_error(int code) {
  std::lock_guard lock(ib_mutex_);
  auto it = ib_codes_.find(code);
  if (it == ib_codes_.end()) {
    if (ib_codes_.size() >= kMaxIbCodes) {
      if (!ib_other_) ib_other_ = &ib_errors_->Add({{"code", "other"}});
      ib_other_->Increment();
      return;
    }
    it = ib_codes_.emplace(code, &ib_errors_->Add({{"code", std::to_string(code)}})).first;
  }
  it->second->Increment();
}

}  // namespace intentq
