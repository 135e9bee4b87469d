// intentq-md-bench: the market-data figures of issue 19 (docs/benchmarks.md "Market data").
//
//   codec: the worker's CPU path for one 10,000-bar answer, in process: decode the
//          HISTORICAL_DATA payload (gateway codec), map it to the result (historical_bars_json)
//          and encode the reply envelope (msgpack). Median of --repeats runs; bars/s per stage.
//   rss:   --jobs historical_bars jobs of ~10,000 one-minute bars each through intentq-broker,
//          one intentq-worker and intentq-gwsim (pacing off: identical requests on purpose); the
//          worker's resident memory after the first 10 % and at the end.
//   quote: --quotes quote jobs one after another against intentq-gwsim with its time rules scaled
//          (--time-scale, the snapshot end is 11 s x scale) and --latency-ms per answer; p50 and
//          p95 against (snapshot end + one answer latency).
//
// Prints one table per part and, with --json, writes every figure.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/children.hpp"
#include "bench/proc_stats.hpp"
#include "bench/zmq_load.hpp"
#include "common/envelope.hpp"
#include "common/mdp_client.hpp"
#include "gateway/messages.hpp"
#include "worker/intents/market_data_results.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// CPU time of this thread (ms): on a loaded machine the wall time of a few milliseconds of work
// mostly measures the other processes; both are reported.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1000 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A HISTORICAL_DATA payload of `n` one-minute TRADES bars as a gateway at sv 200 sends it.
std::string bars_payload(int n) {
  gw::HistoricalDataMsg m;
  m.req_id = 7;
  int64_t t = 1796391000;
  double price = 250;
  for (int i = 0; i < n; ++i, t += 60) {
    const double step = ((i * 7919) % 13 - 6) * 0.01;
    gw::Bar b;
    b.time = std::to_string(t);
    b.open = price;
    b.high = price + 0.11;
    b.low = price - 0.09;
    price += step;
    b.close = price;
    b.volume = std::to_string(1000 + (i * 31) % 5000);
    b.wap = std::to_string(price + 0.004).substr(0, 10);
    b.count = 10 + i % 90;
    m.bars.push_back(std::move(b));
  }
  return gw::encode_historical_data(200, m);
}

json run_codec(int bars, int repeats) {
  const std::string payload = bars_payload(bars);
  intents::HistoricalBarsParams params;
  params.contract.con_id = 265598;
  params.bar_size = "1 min";
  params.what_to_show = "TRADES";
  std::vector<double> decode_ms, map_ms, encode_ms, total_ms, wall_ms;
  size_t reply_bytes = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto wall = Clock::now();
    const double t0 = thread_cpu_ms();
    auto decoded = gw::decode_server_message(200, payload);
    gw::HistoricalBars answer;
    answer.bars = std::move(std::get<gw::HistoricalDataMsg>(decoded).bars);
    answer.start = "1796391000";
    answer.end = std::to_string(1796391000 + 60 * bars);
    const double t1 = thread_cpu_ms();
    JobReply reply;
    reply.id = "bench";
    reply.intent = "historical_bars";
    reply.result = intents::historical_bars_json(params, answer);
    const double t2 = thread_cpu_ms();
    const std::string body = encode_reply(reply);
    const double t3 = thread_cpu_ms();
    wall_ms.push_back(ms_since(wall));
    reply_bytes = body.size();
    decode_ms.push_back(t1 - t0);
    map_ms.push_back(t2 - t1);
    encode_ms.push_back(t3 - t2);
    total_ms.push_back(t3 - t0);
  }
  const double d = median_of(decode_ms), m = median_of(map_ms), e = median_of(encode_ms),
               t = median_of(total_ms), w = median_of(wall_ms);
  std::printf("codec: %d bars, payload %zu B, reply %zu B (median of %d)\n", bars, payload.size(),
              reply_bytes, repeats);
  std::printf(
      "  CPU: decode %.2f ms (%.0f bars/s)  map %.2f ms (%.0f bars/s)  encode %.2f ms "
      "(%.0f bars/s)  total %.2f ms (target <= 5 ms); wall %.2f ms, load average %.1f\n",
      d, bars / d * 1000, m, bars / m * 1000, e, bars / e * 1000, t, w, load_average());
  return {{"bars", bars},
          {"payload_bytes", payload.size()},
          {"reply_bytes", reply_bytes},
          {"decode_ms", d},
          {"map_ms", m},
          {"encode_ms", e},
          {"total_ms", t},
          {"wall_ms", w},
          {"load_average", load_average()},
          {"decode_bars_per_s", bars / d * 1000},
          {"map_and_encode_bars_per_s", bars / (m + e) * 1000},
          {"repeats", repeats}};
}

// One job on `client`, waiting for its reply.
JobReply submit(mdp::Client& client, const std::string& intent, const json& params,
                uint64_t deadline_ms = 30000) {
  static int counter = 0;
  JobRequest r;
  r.id = "md-bench-" + std::to_string(++counter);
  r.params = params;
  r.deadline_ms = deadline_ms;
  client.send(intent, encode_request(r));
  auto reply = client.receive(60s);
  if (!reply || reply->body.empty()) throw std::runtime_error("no reply to " + intent);
  return decode_reply(reply->body.back());
}

json run_rss(const Programs& p, long jobs, const std::string& scenario) {
  auto broker = start_broker(p);
  auto sim = start_gwsim(p, {"--historical-pacing", "off", "--scenario", scenario});
  auto worker = start_worker(p, broker.backend, {"--gateway", sim.address});
  zmq::context_t ctx(1);
  wait_workers(ctx, broker.frontend, "historical_bars", 1, 30s);
  mdp::Client client(ctx, broker.frontend);
  // BTC trades around the clock in the scenario: a week of one-minute bars is 10,080 bars.
  const json params{{"symbol", "BTC"},
                    {"sec_type", "CRYPTO"},
                    {"exchange", "PAXOS"},
                    {"currency", "USD"},
                    {"end", "2026-12-04T21:00:00Z"},
                    {"duration", "1 W"},
                    {"bar_size", "1 min"},
                    {"use_rth", false}};
  const double before = rss_mb(worker->pid());
  double after_warmup = 0;
  size_t bars = 0;
  std::vector<double> run_ms;
  const auto t0 = Clock::now();
  for (long i = 0; i < jobs; ++i) {
    auto reply = submit(client, "historical_bars", params);
    if (!reply.ok)
      throw std::runtime_error("historical_bars failed: " +
                               (reply.error ? reply.error->message : ""));
    bars = reply.result.at("bars").size();
    run_ms.push_back(reply.timings_ms.value("run", 0.0));
    if (i + 1 == std::max(1L, jobs / 10)) after_warmup = rss_mb(worker->pid());
  }
  const double seconds = ms_since(t0) / 1000;
  const double end = rss_mb(worker->pid());
  std::printf(
      "rss: %ld historical_bars jobs of %zu bars in %.1f s; worker RSS %.2f MiB before, "
      "%.2f after %ld jobs, %.2f at the end (growth %.2f MiB, target within 1 MiB); "
      "worker run p50 %.1f ms\n",
      jobs, bars, seconds, before, after_warmup, std::max(1L, jobs / 10), end, end - after_warmup,
      median_of(run_ms));
  return {{"jobs", jobs},
          {"bars_per_job", bars},
          {"seconds", seconds},
          {"worker_rss_mb_before", before},
          {"worker_rss_mb_after_tenth", after_warmup},
          {"worker_rss_mb_end", end},
          {"growth_mb", end - after_warmup},
          {"worker_run_ms_p50", median_of(run_ms)}};
}

json run_quote(const Programs& p, int quotes, double scale, int latency_ms) {
  auto broker = start_broker(p);
  auto sim = start_gwsim(
      p, {"--time-scale", std::to_string(scale), "--latency-ms", std::to_string(latency_ms)});
  auto worker = start_worker(p, broker.backend, {"--gateway", sim.address});
  zmq::context_t ctx(1);
  wait_workers(ctx, broker.frontend, "quote", 1, 30s);
  mdp::Client client(ctx, broker.frontend);
  std::vector<double> ms;
  for (int i = 0; i < quotes; ++i) {
    const auto t0 = Clock::now();
    auto reply = submit(
        client, "quote",
        {{"symbol", "AAPL"}, {"sec_type", "STK"}, {"exchange", "SMART"}, {"currency", "USD"}});
    if (!reply.ok)
      throw std::runtime_error("quote failed: " + (reply.error ? reply.error->message : ""));
    ms.push_back(ms_since(t0));
  }
  const double snapshot_end = 11000 * scale;
  const double target = snapshot_end + latency_ms;
  std::printf(
      "quote: %d quotes, snapshot end %.0f ms + answer latency %d ms = %.0f ms; client "
      "p50 %.1f ms, p95 %.1f ms\n",
      quotes, snapshot_end, latency_ms, target, percentile(ms, 0.5), percentile(ms, 0.95));
  return {{"quotes", quotes},
          {"time_scale", scale},
          {"snapshot_end_ms", snapshot_end},
          {"answer_latency_ms", latency_ms},
          {"target_ms", target},
          {"p50_ms", percentile(ms, 0.5)},
          {"p95_ms", percentile(ms, 0.95)}};
}

}  // namespace
}  // namespace intentq::bench

int main(int argc, char** argv) {
  using namespace intentq::bench;
  CLI::App app("intentq-md-bench: market-data figures (docs/benchmarks.md)");
  std::string bin_dir, json_path, only = "codec,rss,quote";
  std::string scenario = INTENTQ_MD_BENCH_SCENARIO;
  int bars = 10000, repeats = 51, quotes = 40, latency_ms = 20;
  long jobs = 1000;
  double scale = 0.05;
  app.add_option("--bin-dir", bin_dir, "where intentq-broker, -worker and -gwsim are")->required();
  app.add_option("--only", only, "comma-separated parts: codec,rss,quote")->capture_default_str();
  app.add_option("--bars", bars, "bars in the codec part's answer")->capture_default_str();
  app.add_option("--repeats", repeats, "codec runs (median)")->capture_default_str();
  app.add_option("--jobs", jobs, "historical_bars jobs of the rss part")->capture_default_str();
  app.add_option("--quotes", quotes, "quote jobs")->capture_default_str();
  app.add_option("--time-scale", scale, "simulator time scale (quote)")->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "simulator answer latency (quote)")
      ->capture_default_str();
  app.add_option("--scenario", scenario, "simulator scenario of the rss part (with BTC)")
      ->capture_default_str();
  app.add_option("--json", json_path, "write the figures here");
  CLI11_PARSE(app, argc, argv);
  json out;
  try {
    if (only.find("codec") != std::string::npos) out["codec"] = run_codec(bars, repeats);
    const auto programs = Programs::detect(bin_dir);
    if (only.find("rss") != std::string::npos) out["rss"] = run_rss(programs, jobs, scenario);
    if (only.find("quote") != std::string::npos)
      out["quote"] = run_quote(programs, quotes, scale, latency_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "intentq-md-bench: %s\n", e.what());
    return 1;
  }
  out["machine"] = machine_info();
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(2) << "\n";
  return 0;
}
