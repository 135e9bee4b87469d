// rtt: one synchronous client, one request in flight. Four paths measured in turn, repeated:
//  raw echo   client -> ROUTER echo -> client (one hop each way: the libzmq floor)
//  raw relay  client -> raw relay -> no-op worker -> raw relay -> client (two hops each way)
//  broker     the same through intentq-broker (envelopes, defaults)
//  worker     broker + a real intentq-worker running the `echo` intent (the worker's per-job
//             cost: a fresh thread and io_context per job)
#include <algorithm>
#include <cstdio>
#include <functional>

#include "bench/proc_stats.hpp"
#include "bench/scenarios.hpp"
#include "bench/table.hpp"
#include "bench/zmq_load.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
const std::string kService = "bench";

}  // namespace

nlohmann::json run_rtt(const Settings& s, nlohmann::json& skipped) {
  std::vector<double> echo, relay, broker, worker;
  const int rounds = s.repeats;
  const long per_round = std::max(1L, s.rtt_jobs / rounds);
  const long warmup = std::min(200L, per_round / 5 + 1);
  auto append = [](std::vector<double>& all, const std::vector<double>& more) {
    all.insert(all.end(), more.begin(), more.end());
  };
  for (int round = 0; round < rounds; ++round) {
    zmq::context_t ctx(1);
    {
      auto e = start_raw_echo(s.programs);
      append(echo,
             run_sync(ctx, e.endpoint, kService, per_round, warmup, true, s.payload_bytes, false));
    }
    {
      auto r = start_raw_relay(s.programs, kService);
      NoopWorkers pool(ctx, r.backend, kService, 1, true);
      append(relay, run_sync(ctx, r.frontend, kService, per_round, warmup, true, s.payload_bytes));
    }
    {
      auto b = start_broker(s.programs, s.broker_args);
      NoopWorkers pool(ctx, b.backend, kService, 1, true);
      wait_workers(ctx, b.frontend, kService, 1, 30s);
      append(broker, run_sync(ctx, b.frontend, kService, per_round, warmup, true, s.payload_bytes));
    }
    {
      auto b = start_broker(s.programs, s.broker_args);
      auto w = start_worker(s.programs, b.backend, {});
      wait_workers(ctx, b.frontend, "echo", 1, 30s);
      append(worker, run_sync(ctx, b.frontend, "echo", per_round, warmup, true, s.payload_bytes));
    }
    std::fprintf(stderr, "rtt: round %d/%d done\n", round + 1, rounds);
  }
  for (auto* v : {&echo, &relay, &broker, &worker}) std::sort(v->begin(), v->end());

  nlohmann::json j;
  j["round_trips"] = static_cast<long>(broker.size());
  auto put = [&](const std::string& prefix, const std::vector<double>& lat) {
    j[prefix + "p50_us"] = round_to(percentile(lat, 0.50), 1);
    j[prefix + "p99_us"] = round_to(percentile(lat, 0.99), 1);
    j[prefix + "p999_us"] = round_to(percentile(lat, 0.999), 1);
  };
  put("raw_", echo);
  put("raw_relay_", relay);
  put("", broker);
  put("worker_echo_", worker);
  j["ratio_p50"] = ratio(j["p50_us"], j["raw_p50_us"]);
  j["ratio_p99"] = ratio(j["p99_us"], j["raw_p99_us"]);
  j["ratio_p50_vs_raw_relay"] = ratio(j["p50_us"], j["raw_relay_p50_us"]);
  j["ratio_p99_vs_raw_relay"] = ratio(j["p99_us"], j["raw_relay_p99_us"]);
  j["worker_echo_ratio_p50_vs_broker"] = ratio(j["worker_echo_p50_us"], j["p50_us"]);
  j["targets"] = {{"ratio_p50_vs_raw_relay", "<= 1.2"}, {"ratio_p50", "<= 2.5"}};
  j["note"] =
      "raw = DEALER -> ROUTER echo (one hop each way); raw_relay = the bench's raw relay with one "
      "no-op worker (two hops); p50/p99 = intentq-broker with one no-op worker; worker_echo = "
      "intentq-broker with a real intentq-worker running `echo`";

  Table t("rtt: one synchronous client, " + std::to_string(broker.size()) +
              " round trips per path (us)",
          {"path", "p50", "p99", "p99.9", "p50 / raw echo", "p50 / raw relay"});
  auto row = [&](const std::string& label, const std::string& prefix) {
    t.row({label, fmt(j[prefix + "p50_us"], 0), fmt(j[prefix + "p99_us"], 0),
           fmt(j[prefix + "p999_us"], 0), fmt(ratio(j[prefix + "p50_us"], j["raw_p50_us"]), 2),
           fmt(ratio(j[prefix + "p50_us"], j["raw_relay_p50_us"]), 2)});
  };
  row("raw echo (1 hop)", "raw_");
  row("raw relay (2 hops)", "raw_relay_");
  row("intentq-broker, no-op worker", "");
  row("intentq-broker + intentq-worker echo", "worker_echo_");
  t.print();
  (void)skipped;
  return j;
}

}  // namespace intentq::bench
