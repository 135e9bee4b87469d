#include "broker/job_metrics.hpp"

#include <chrono>

#include "broker/broker.hpp"
#include "common/prometheus_family.hpp"

namespace intentq::broker {
namespace {

// Seconds, from half a millisecond (a relay on loopback) to two minutes (a slow gateway job).
const prometheus::Histogram::BucketBoundaries& buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return b;
}

double seconds(Clock::duration d) {
  return d.count() <= 0 ? 0.0 : std::chrono::duration<double>(d).count();
}

// Parentheses cannot occur in a service name (broker/service_name.hpp): no collision.
constexpr std::string_view kUnregistered = "(unregistered)";
constexpr std::string_view kOther = "(other)";

}  // namespace

JobMetrics::JobMetrics(prometheus::Registry& registry)
    : jobs_(add_family(registry, prometheus::BuildCounter(), "intentq_broker_jobs_total",
                       "Jobs (and requests the broker refused) answered, by intent and outcome "
                       "(ok or the error code)")),
      wait_(add_family(registry, prometheus::BuildHistogram(), "intentq_broker_queue_wait_seconds",
                       "Time from accepting a job to handing it to a worker the first time")),
      run_(add_family(registry, prometheus::BuildHistogram(), "intentq_broker_job_duration_seconds",
                      "Time from dispatching a job to its worker's reply")),
      queued_(add_family(registry, prometheus::BuildGauge(), "intentq_broker_queue_depth",
                         "Jobs waiting for a worker, by intent")),
      workers_(add_family(registry, prometheus::BuildGauge(), "intentq_broker_workers",
                          "Registered workers by intent and state (idle or busy)")) {}

std::string_view JobMetrics::label(std::string_view intent) {
  if (intent.empty()) intent = kUnregistered;
  if (auto it = series_.find(intent); it != series_.end()) return it->first;
  // A new name gets series of its own while under the cap; then "(other)". series_ never
  // shrinks, so it holds at most the cap plus the two fixed labels.
  if (intent != kUnregistered && series_.size() >= kMaxIntentLabels) intent = kOther;
  series(intent);
  return series_.find(intent)->first;
}

JobMetrics::Series& JobMetrics::series(std::string_view intent) {
  auto it = series_.find(intent);
  if (it != series_.end()) return it->second;
  const std::string name(intent);
  Series s;
  s.outcomes[0] = &jobs_.Add({{"intent", name}, {"outcome", "ok"}});
  s.wait = &wait_.Add({{"intent", name}}, buckets());
  s.run = &run_.Add({{"intent", name}}, buckets());
  return series_.emplace(name, s).first->second;
}

void JobMetrics::on_answer(std::string_view intent, std::optional<ErrorCode> error) {
  Series& s = series(label(intent));
  const size_t slot = error ? 1 + static_cast<size_t>(*error) : 0;
  if (slot >= kOutcomes) return;  // not a code this build knows (cannot happen)
  auto*& counter = s.outcomes[slot];
  if (!counter)
    counter = &jobs_.Add(
        {{"intent", std::string(label(intent))}, {"outcome", std::string(to_string(*error))}});
  counter->Increment();
}

void JobMetrics::on_dispatch(std::string_view intent, Clock::duration wait) {
  series(label(intent)).wait->Observe(seconds(wait));
}

void JobMetrics::on_reply(std::string_view intent, Clock::duration run) {
  series(label(intent)).run->Observe(seconds(run));
}

void JobMetrics::update(const Broker& broker) {
  struct Figures {
    double queued = 0, idle = 0, busy = 0;
  };
  std::map<std::string, Figures, std::less<>> now;
  broker.for_each_service([&](const Service& s) {
    auto& f = now[std::string(label(s.name))];
    f.queued += static_cast<double>(s.queued);
    f.idle += static_cast<double>(s.idle.size());
    f.busy += static_cast<double>(s.workers - s.idle.size());
  });
  for (auto& [name, g] : gauges_) g.seen = false;
  for (const auto& [name, f] : now) {
    auto& g = gauges_[name];
    if (!g.queued) {
      g.queued = &queued_.Add({{"intent", name}});
      g.idle = &workers_.Add({{"intent", name}, {"state", "idle"}});
      g.busy = &workers_.Add({{"intent", name}, {"state", "busy"}});
    }
    g.queued->Set(f.queued);
    g.idle->Set(f.idle);
    g.busy->Set(f.busy);
    g.seen = true;
  }
  // A service the broker forgot (no worker and no job for a while) leaves no stale gauges.
  for (auto it = gauges_.begin(); it != gauges_.end();) {
    if (it->second.seen) {
      ++it;
      continue;
    }
    queued_.Remove(it->second.queued);
    workers_.Remove(it->second.idle);
    workers_.Remove(it->second.busy);
    it = gauges_.erase(it);
  }
}

}  // namespace intentq::broker
