// soak: many echo jobs through intentq-broker and real intentq-worker processes, broker defaults
// (dedup cache at its default TTL and bound). Resident memory of the broker and the first worker
// before the first job, every tenth of the run, and at the end: what grows with jobs served.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "bench/proc_stats.hpp"
#include "bench/scenarios.hpp"
#include "bench/table.hpp"
#include "bench/zmq_load.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
constexpr int kWorkers = 2;
constexpr int kClients = 4;
constexpr int kWindow = 50;

}  // namespace

nlohmann::json run_soak(const Settings& s, nlohmann::json& skipped) {
  zmq::context_t ctx(1);
  auto broker = start_broker(s.programs, s.broker_args);
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < kWorkers; ++i)
    workers.push_back(start_worker(s.programs, broker.backend, {}));
  wait_workers(ctx, broker.frontend, "echo", kWorkers, 30s);

  const long step = std::max(1L, s.soak_jobs / 10);
  nlohmann::json samples = nlohmann::json::array();
  auto sample = [&](long jobs) {
    samples.push_back({{"jobs", jobs},
                       {"broker_rss_mb", round_to(rss_mb(broker.pid()), 2)},
                       {"worker_rss_mb", round_to(rss_mb(workers[0]->pid()), 2)}});
  };
  sample(0);
  std::atomic<long> progress{0};
  std::atomic<bool> done{false};
  // Samples whenever the replies pass the next tenth (polled: the clients run flat out).
  std::thread sampler([&] {
    long next = step;
    while (!done) {
      if (progress.load() >= next && next < s.soak_jobs) {
        sample(next);
        next += step;
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  const auto r = run_pipelined(ctx, broker.frontend, "echo", kClients, kWindow, s.soak_jobs, true,
                               s.payload_bytes, &progress);
  done = true;
  sampler.join();
  sample(r.jobs);
  const auto stats = broker_stats(ctx, broker.frontend);

  nlohmann::json j;
  j["jobs"] = r.jobs;
  j["errors"] = r.errors;
  j["jobs_per_s"] = round_to(r.jobs_per_s(), 0);
  j["seconds"] = round_to(r.seconds, 1);
  j["workers"] = kWorkers;
  j["clients"] = kClients;
  j["window"] = kWindow;
  j["samples"] = samples;
  j["broker_rss_mb_start"] = samples.front()["broker_rss_mb"];
  j["broker_rss_mb_end"] = samples.back()["broker_rss_mb"];
  j["broker_rss_mb_growth"] = round_to(samples.back()["broker_rss_mb"].get<double>() -
                                           samples.front()["broker_rss_mb"].get<double>(),
                                       2);
  double peak = 0;
  for (const auto& x : samples) peak = std::max(peak, x["broker_rss_mb"].get<double>());
  j["broker_rss_mb_peak"] = peak;
  j["worker_rss_mb_start"] = samples.front()["worker_rss_mb"];
  j["worker_rss_mb_end"] = samples.back()["worker_rss_mb"];
  j["dedup_entries_end"] =
      stats.is_object() ? stats.value("dedup_entries", nlohmann::json(nullptr)) : nullptr;
  j["targets"] = {{"broker_rss_mb_growth", "< 5"}};

  Table t("soak: " + fmt(static_cast<double>(s.soak_jobs)) + " echo jobs, " +
              std::to_string(kWorkers) + " intentq-workers, " + std::to_string(kClients) +
              " clients x " + std::to_string(kWindow) + ": " + fmt(r.jobs_per_s()) + " jobs/s, " +
              std::to_string(r.errors) + " errors",
          {"jobs", "broker RSS MB", "worker RSS MB"});
  for (const auto& x : samples)
    t.row({fmt(x["jobs"]), fmt(x["broker_rss_mb"], 1), fmt(x["worker_rss_mb"], 1)});
  t.print();
  (void)skipped;
  return j;
}

}  // namespace intentq::bench
