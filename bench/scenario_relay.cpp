// relay: pipelined clients -> relay -> no-op workers. The same workers, clients and frames go
// through (a) the bench's raw ROUTER/ROUTER relay, (b) intentq-broker with intentq envelopes and
// its defaults (dedup cache on), (c) intentq-broker with stock MDP workers and opaque bodies.
// Runs alternate between the three so load drift on a shared machine hits them alike.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "bench/proc_stats.hpp"
#include "bench/scenarios.hpp"
#include "bench/table.hpp"
#include "bench/zmq_load.hpp"
#include "common/enum_names.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
const std::string kService = "bench";

enum class Variant { kRaw, kIntentq, kOpaque };
// In declaration order.
constexpr std::string_view kVariantNames[] = {"raw", "intentq", "opaque"};
static_assert(std::size(kVariantNames) == enum_count(Variant::kOpaque));

const char* name(Variant v) {
  return name_of(kVariantNames, v).data();  // the names are literals: NUL-terminated
}

struct Run {
  double jobs_per_s = 0;
  double cpu_us_per_job = 0;
  long errors = 0;
};

Run measure(const Settings& s, Variant v, int workers, bool attach) {
  zmq::context_t ctx(1);
  const bool intentq = v != Variant::kOpaque;
  std::optional<RawRelayChild> relay;
  std::optional<BrokerChild> broker;
  std::string frontend, backend;
  pid_t pid = 0;
  if (v == Variant::kRaw) {
    relay = start_raw_relay(s.programs, kService, s.transport);
    frontend = relay->frontend;
    backend = relay->backend;
    pid = relay->pid();
  } else {
    broker = start_broker(s.programs, s.broker_args, s.broker_prefix, s.transport);
    frontend = broker->frontend;
    backend = broker->backend;
    pid = broker->pid();
  }
  NoopWorkers pool(ctx, backend, kService, workers, intentq);
  if (broker) wait_workers(ctx, frontend, kService, workers, 30s);
  // Warm-up: connections, allocator and caches settle; for the raw relay it also waits until the
  // workers' READY arrived (it has no mmi.stats to ask).
  run_pipelined(ctx, frontend, kService, s.relay_clients, 20, s.relay_clients * 200L, intentq,
                s.payload_bytes);
  std::unique_ptr<Attached> tool;
  if (attach) tool = std::make_unique<Attached>(s.attach, pid);
  const double cpu0 = cpu_seconds(pid);
  const auto r = run_pipelined(ctx, frontend, kService, s.relay_clients, s.relay_window,
                               s.relay_jobs, intentq, s.payload_bytes);
  const double cpu = cpu_seconds(pid) - cpu0;
  if (tool) tool->finish();
  if (broker && !s.broker_prefix.empty()) {
    // A tool like callgrind writes its profile when the broker exits: stop it, do not kill it.
    broker->process->signal(SIGTERM);
    broker->process->wait_exit(120s);
  }
  Run out;
  out.jobs_per_s = r.jobs_per_s();
  out.cpu_us_per_job = r.jobs > 0 ? cpu * 1e6 / static_cast<double>(r.jobs) : 0;
  out.errors = r.errors;
  return out;
}

}  // namespace

nlohmann::json run_relay(const Settings& s, nlohmann::json& skipped) {
  const Variant variants[] = {Variant::kRaw, Variant::kIntentq, Variant::kOpaque};
  std::map<std::pair<int, Variant>, std::vector<Run>> runs;
  nlohmann::json all_runs = nlohmann::json::array();
  const int most = *std::max_element(s.relay_workers.begin(), s.relay_workers.end());
  for (int rep = 0; rep < s.repeats; ++rep) {
    for (int w : s.relay_workers) {
      for (auto v : variants) {
        const bool attach =
            !s.attach.empty() && rep == 0 && w == most && s.attach_variant == name(v);
        const auto r = measure(s, v, w, attach);
        std::fprintf(stderr, "relay: %-7s %d workers: %.0f jobs/s, %.1f us CPU/job\n", name(v), w,
                     r.jobs_per_s, r.cpu_us_per_job);
        runs[{w, v}].push_back(r);
        all_runs.push_back({{"variant", name(v)},
                            {"workers", w},
                            {"repeat", rep},
                            {"jobs_per_s", round_to(r.jobs_per_s, 0)},
                            {"cpu_us_per_job", round_to(r.cpu_us_per_job, 1)},
                            {"errors", r.errors}});
      }
    }
  }
  auto med = [&](int w, Variant v, double Run::*field) {
    std::vector<double> xs;
    for (const auto& r : runs[{w, v}]) xs.push_back(r.*field);
    return median(xs);
  };

  nlohmann::json j;
  j["clients"] = s.relay_clients;
  j["window"] = s.relay_window;
  j["payload_bytes"] = s.payload_bytes;
  j["transport"] = s.transport;
  j["jobs_per_run"] = s.relay_jobs;
  j["repeats"] = s.repeats;
  j["note"] =
      "median of the repeats; raw = minimal ROUTER/ROUTER LRU relay (bench --role raw-relay), "
      "intentq = intentq-broker defaults with envelopes (dedup on), opaque = intentq-broker with "
      "stock MDP workers and opaque bodies; CPU = user+sys of the relay process per job";
  Table t("relay: " + std::to_string(s.relay_clients) + " clients x " +
              std::to_string(s.relay_window) + " in flight, " + std::to_string(s.payload_bytes) +
              " B params, median of " + std::to_string(s.repeats),
          {"workers", "raw jobs/s", "intentq jobs/s", "ratio", "opaque jobs/s", "ratio",
           "raw us/job", "intentq us/job", "cpu ratio", "opaque us/job"});
  for (int w : s.relay_workers) {
    const auto k = std::to_string(w);
    const double raw = med(w, Variant::kRaw, &Run::jobs_per_s);
    const double iq = med(w, Variant::kIntentq, &Run::jobs_per_s);
    const double op = med(w, Variant::kOpaque, &Run::jobs_per_s);
    const double raw_cpu = med(w, Variant::kRaw, &Run::cpu_us_per_job);
    const double iq_cpu = med(w, Variant::kIntentq, &Run::cpu_us_per_job);
    const double op_cpu = med(w, Variant::kOpaque, &Run::cpu_us_per_job);
    j["raw_jobs_per_s_by_workers"][k] = round_to(raw, 0);
    j["jobs_per_s"][k] = round_to(iq, 0);
    j["opaque_jobs_per_s"][k] = round_to(op, 0);
    j["ratio_vs_raw_by_workers"][k] = ratio(iq, raw);
    j["opaque_ratio_vs_raw"][k] = ratio(op, raw);
    j["raw_cpu_us_per_job_by_workers"][k] = round_to(raw_cpu, 1);
    j["broker_cpu_us_per_job_by_workers"][k] = round_to(iq_cpu, 1);
    j["opaque_cpu_us_per_job"][k] = round_to(op_cpu, 1);
    j["cpu_ratio_vs_raw_by_workers"][k] = ratio(iq_cpu, raw_cpu);
    t.row({k, fmt(raw), fmt(iq), fmt(ratio(iq, raw), 2), fmt(op), fmt(ratio(op, raw), 2),
           fmt(raw_cpu, 1), fmt(iq_cpu, 1), fmt(ratio(iq_cpu, raw_cpu), 2), fmt(op_cpu, 1)});
  }
  // The headline figures: the most workers (4 in a full run), as in the measurements.
  const auto k = std::to_string(most);
  j["headline_workers"] = most;
  j["raw_jobs_per_s"] = j["raw_jobs_per_s_by_workers"][k];
  j["ratio_vs_raw"] = j["ratio_vs_raw_by_workers"][k];
  j["broker_cpu_us_per_job"] = j["broker_cpu_us_per_job_by_workers"][k];
  j["raw_cpu_us_per_job"] = j["raw_cpu_us_per_job_by_workers"][k];
  j["cpu_ratio_vs_raw"] = j["cpu_ratio_vs_raw_by_workers"][k];
  j["targets"] = {{"ratio_vs_raw", ">= 0.9"}, {"cpu_ratio_vs_raw", "<= 1.2"}};
  j["runs"] = std::move(all_runs);
  t.print();
  (void)skipped;
  return j;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

nlohmann::json ratio(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_number() || !b.is_number() || b.get<double>() == 0) return nullptr;
  return round_to(a.get<double>() / b.get<double>(), 3);
}

double round_to(double v, int decimals) {
  double f = 1;
  for (int i = 0; i < decimals; ++i) f *= 10;
  return std::round(v * f) / f;
}

}  // namespace intentq::bench
