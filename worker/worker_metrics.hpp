// The worker's Prometheus metrics on its own HTTP endpoint (--metrics HOST:PORT, GET /metrics),
// served by prometheus-cpp's thread. docs/operations.md lists every series.
//
// Who calls what: the main loop reports every reply it sends (job_answered) and the persistent
// session's connects and losses (gateway_connect, session_down); any thread that drives a gateway
// session (a job's thread, the connect thread, the main loop) reports IB error messages
// (ib_error). prometheus-cpp's counters, gauges and histograms are thread-safe; the only state of
// this class that changes after construction is guarded by a mutex (IB codes) or touched by the
// main loop alone (error outcomes).
//
// Label cardinality is bounded: intents are the catalog's (anything else is "(unknown)"),
// outcomes "ok" or a fixed error code, request kinds the request specs' families, and at most
// kMaxIbCodes distinct IB error codes get series of their own (later ones count as code="other").
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "common/prometheus_fwd.hpp"
#include "worker/intent.hpp"

namespace intentq {

inline constexpr size_t kMaxIbCodes = 64;

// The gateway requests whose latency is measured are the request specs' families
// (gw::request_families(), gateway/request_specs.hpp), as the intents name them in timings_ms.

class WorkerMetrics {
 public:
  using Clock = std::chrono::steady_clock;

  // bind: "127.0.0.1:9465", or port 0 for any free port. Throws std::runtime_error on failure.
  // `persistent`: the worker keeps one gateway session (the session_up gauge exists only then).
  WorkerMetrics(const std::string& bind, const std::vector<IntentInfo>& catalog, bool persistent);
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;

  // "http://HOST:PORT/metrics" with the port actually bound.
  std::string url() const;

  // A reply about to go to the broker: its intent, outcome (nullopt = ok) and timings_ms (the
  // intent's fetch times and "run"; "connect" of a per-job session). Main loop only.
  void job_answered(std::string_view intent, std::optional<ErrorCode> error,
                    const nlohmann::json& timings_ms);
  // The persistent session's connect attempt ended (ok or not) after `took`. Main loop only.
  void gateway_connect(bool ok, Clock::duration took);
  // The persistent session went down. Main loop only.
  void session_down();
  // The gateway sent an error message with this IB code (notices included). Any thread.
  void ib_error(int code);

 private:
  static constexpr size_t kOutcomes = static_cast<size_t>(kLastErrorCode) + 2;
  struct IntentSeries {
    std::vector<prometheus::Counter*> outcomes;  // [0] ok, [1 + code] errors; created on use
    prometheus::Histogram* run = nullptr;
  };
  IntentSeries& intent_series(std::string_view intent);

  bool persistent_;
  std::string host_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* jobs_ = nullptr;
  prometheus::Family<prometheus::Histogram>* run_ = nullptr;
  std::map<std::string, IntentSeries, std::less<>> intents_;
  std::map<std::string, prometheus::Histogram*, std::less<>> requests_;
  prometheus::Histogram* connect_seconds_ = nullptr;
  prometheus::Counter* connects_ok_ = nullptr;
  prometheus::Counter* connects_failed_ = nullptr;
  prometheus::Counter* reconnects_ = nullptr;
  prometheus::Gauge* session_up_ = nullptr;
  uint64_t sessions_ = 0;  // successful connects so far (the first is not a reconnect)

  std::mutex ib_mutex_;  // guards ib_codes_ (ib_error runs on any thread)
  prometheus::Family<prometheus::Counter>* ib_errors_ = nullptr;
  std::map<int, prometheus::Counter*> ib_codes_;
  prometheus::Counter* ib_other_ = nullptr;
};

}  // namespace intentq
