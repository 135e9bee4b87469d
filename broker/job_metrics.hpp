// Per-intent Prometheus series of the broker: jobs by intent and outcome, queue wait and job
// duration histograms (fed by the core through JobObserver), and queue depth and idle/busy
// workers per intent (read from the broker on the exporter's refresh). docs/operations.md lists
// every series.
//
// Label cardinality is bounded: an intent label is a service name some worker registered (the
// broker holds at most --max-services), and at most kMaxIntentLabels distinct names get series
// of their own over the process's life; later ones share intent="(other)". Requests that named
// no registered service count under intent="(unregistered)". Outcomes are "ok" or one of the fixed
// error codes (common/errors.hpp).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "broker/job_observer.hpp"

namespace intentq::broker {

class Broker;

inline constexpr size_t kMaxIntentLabels = 256;

class JobMetrics : public JobObserver {
 public:
  explicit JobMetrics(prometheus::Registry& registry);

  void on_answer(std::string_view intent, std::optional<ErrorCode> error) override;
  void on_dispatch(std::string_view intent, Clock::duration wait) override;
  void on_reply(std::string_view intent, Clock::duration run) override;

  // Queue depth and idle/busy workers of every service the broker knows now; series of services
  // the broker forgot are removed.
  void update(const Broker& broker);

  // The label an intent's series use ("(unregistered)", the name, or "(other)" past the cap).
  std::string_view label(std::string_view intent);

 private:
  static constexpr size_t kOutcomes = static_cast<size_t>(kLastErrorCode) + 2;
  struct Series {                                            // created on an intent's first event
    std::array<prometheus::Counter*, kOutcomes> outcomes{};  // [0] ok, [1 + code] errors
    prometheus::Histogram* wait = nullptr;
    prometheus::Histogram* run = nullptr;
  };
  struct ServiceGauges {
    prometheus::Gauge* queued = nullptr;
    prometheus::Gauge* idle = nullptr;
    prometheus::Gauge* busy = nullptr;
    bool seen = false;  // during update()
  };
  Series& series(std::string_view intent);

  prometheus::Family<prometheus::Counter>& jobs_;
  prometheus::Family<prometheus::Histogram>& wait_;
  prometheus::Family<prometheus::Histogram>& run_;
  prometheus::Family<prometheus::Gauge>& queued_;
  prometheus::Family<prometheus::Gauge>& workers_;
  std::map<std::string, Series, std::less<>> series_;         // by label
  std::map<std::string, ServiceGauges, std::less<>> gauges_;  // by label
};

}  // namespace intentq::broker
