// intentq-bench: starts intentq-broker, intentq-worker and intentq-gwsim on loopback, runs the
// scenarios (relay, rtt, summary, soak, curve, http, history), each against a baseline measured
// in the same run, prints a table per scenario and writes every figure with --json.
//
//   intentq-bench [--quick] [--json FILE] [--only relay,rtt,summary,soak,curve,http,history]
//
// docs/benchmarks.md explains the scenarios, the figures and their targets.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "bench/proc_stats.hpp"
#include "bench/raw_peers.hpp"
#include "bench/required_keys.hpp"
#include "bench/scenarios.hpp"
#include "common/version.hpp"
#include "tests/support/process.hpp"

namespace {

using json = nlohmann::json;
using namespace intentq::bench;

void fill_required(json& out) {
  for (const auto& path : kRequiredKeys) {
    json* node = &out;
    for (const auto& key : path) {
      if (!node->is_object()) *node = json::object();
      node = &(*node)[key];
    }
  }
}

void write_json(const std::string& path, json out) {
  if (path.empty()) return;
  fill_required(out);
  std::ofstream f(path);
  f << out.dump(2) << "\n";
  if (!f) std::fprintf(stderr, "bench: cannot write %s\n", path.c_str());
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // The raw baselines run as this binary in a child process (bench/raw_peers.hpp).
  if (argc >= 3 && std::string_view(argv[1]) == "--role") {
    const std::string role = argv[2];
    if (role == "raw-relay")
      return run_raw_relay(
          argc >= 5 && std::string_view(argv[3]) == "--service" ? argv[4] : "bench",
          argc >= 7 && std::string_view(argv[5]) == "--transport" ? argv[6] : "tcp");
    if (role == "raw-echo") return run_raw_echo();
    std::fprintf(stderr, "intentq-bench: unknown role '%s'\n", role.c_str());
    return 2;
  }

  CLI::App app{"intentq-bench: intentq against raw ZeroMQ baselines, on loopback"};
  Settings s;
  bool quick = false;
  std::string json_path, only = "relay,rtt,summary,soak,curve,http,history";
  std::string bin_dir = intentq::test::bin_dir();
  std::string broker_prefix;
  s.scenario_path = INTENTQ_BENCH_SCENARIO;
  s.history_scenario_path = INTENTQ_BENCH_HISTORY_SCENARIO;
  long relay_jobs = 0, rtt_jobs = 0, soak_jobs = 0;
  int history_chunks = 0;
  int repeats = 0;
  double scaling_seconds = 0, budget_seconds = 0, reuse_seconds = 0;
  app.add_flag("--quick", quick, "every scenario small (under a minute); for tests");
  app.add_option("--json", json_path, "write every figure to this file");
  app.add_option("--only", only,
                 "comma-separated scenarios: relay,rtt,summary,soak,curve,http,history")
      ->capture_default_str();
  app.add_option("--bin-dir", bin_dir, "where intentq-broker/-worker/-gwsim are")
      ->capture_default_str();
  app.add_option("--repeats", repeats, "relay/rtt runs per variant (median counts)");
  app.add_option("--relay-jobs", relay_jobs, "jobs per relay run");
  app.add_option("--relay-workers", s.relay_workers, "worker counts of the relay scenario")
      ->capture_default_str();
  app.add_option("--transport", s.transport,
                 "relay scenario endpoints, broker and raw relay alike: tcp (loopback) or ipc")
      ->check(CLI::IsMember({"tcp", "ipc"}))
      ->capture_default_str();
  app.add_option("--rtt-jobs", rtt_jobs, "round trips per rtt path");
  app.add_option("--soak-jobs", soak_jobs, "echo jobs in the soak");
  app.add_option("--scaling-seconds", scaling_seconds, "length of each summary scaling run");
  app.add_option("--budget-seconds", budget_seconds, "length of the summary budget run");
  app.add_option("--reuse-seconds", reuse_seconds, "length of each summary reuse run");
  app.add_option("--history-chunks", history_chunks,
                 "history: one-week chunks of 1-min bars each bulk service downloads")
      ->check(CLI::Range(1, 2000));
  app.add_option("--history-time-scale", s.history_time_scale,
                 "history: IB's windows x this, simulator and broker alike (0.01: 10 min = 6 s)")
      ->check(CLI::Range(0.001, 1.0))
      ->capture_default_str();
  app.add_option("--history-stall-at", s.history_stall_at,
                 "history: stop half the workers (SIGSTOP) for 4.5 s this many seconds into the "
                 "intentq run, so the broker declares them lost while they hold jobs (0: never)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--history-scenario", s.history_scenario_path,
                 "history: simulator scenario with AAPL, MSFT and BTC market data")
      ->capture_default_str();
  app.add_option("--scenario", s.scenario_path, "gateway simulator scenario (4 accounts)")
      ->capture_default_str();
  app.add_option("--attach", s.attach,
                 "tool attached to the broker during the relay's intentq run with the most "
                 "workers, {pid} replaced, stopped with SIGINT (e.g. \"perf stat -e "
                 "page-faults,context-switches -p {pid}\")");
  app.add_option("--attach-variant", s.attach_variant, "relay variant --attach measures")
      ->check(CLI::IsMember({"raw", "intentq", "opaque"}))
      ->capture_default_str();
  app.add_option("--broker-prefix", broker_prefix,
                 "run the relay's broker under this command (e.g. \"valgrind --tool=callgrind\")");
  app.add_option("--broker-arg", s.broker_args,
                 "extra broker option (repeatable), e.g. "
                 "--broker-arg=--dedup-ttl-ms=0");
  app.set_version_flag("--version", intentq::version_line("intentq-bench"));
  CLI11_PARSE(app, argc, argv);

  s.quick = quick;
  if (quick) {
    s.relay_jobs = 3000;
    s.repeats = 1;
    s.rtt_jobs = 300;
    s.latency_jobs = 5;
    s.scaling_seconds = 1;
    s.budget_seconds = 2;
    s.reuse_seconds = 2;
    s.soak_jobs = 5000;
    s.history_chunks = 40;
  }
  if (relay_jobs > 0) s.relay_jobs = relay_jobs;
  if (rtt_jobs > 0) s.rtt_jobs = rtt_jobs;
  if (soak_jobs > 0) s.soak_jobs = soak_jobs;
  if (history_chunks > 0) s.history_chunks = history_chunks;
  if (repeats > 0) s.repeats = repeats;
  if (scaling_seconds > 0) s.scaling_seconds = scaling_seconds;
  if (budget_seconds > 0) s.budget_seconds = budget_seconds;
  if (reuse_seconds > 0) s.reuse_seconds = reuse_seconds;
  s.broker_prefix = split(broker_prefix, ' ');
  if (!s.broker_prefix.empty() && s.broker_prefix[0].find('/') == std::string::npos)
    s.broker_prefix[0] = "/usr/bin/" + s.broker_prefix[0];

  json out;
  json skipped = json::array();
  try {
    s.programs = Programs::detect(bin_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "intentq-bench: %s\n", e.what());
    return 1;
  }
  out["machine"] = machine_info();
  out["machine"]["quick"] = quick;
  out["machine"]["note"] =
      "shared machine: other builds and tests may run at the same time; compare ratios (each "
      "baseline runs in the same run), not absolute figures";
  std::printf("intentq-bench%s on %s cpus, load average %.2f\n", quick ? " --quick" : "",
              out["machine"]["cpus"].dump().c_str(), load_average());

  const auto selected = split(only, ',');
  auto wanted = [&](const std::string& name) {
    return std::find(selected.begin(), selected.end(), name) != selected.end();
  };
  int failures = 0;
  auto scenario = [&](const std::string& name, auto&& run) {
    if (!wanted(name)) {
      skipped.push_back(name + ": not selected (--only)");
      return;
    }
    try {
      out[name] = run(s, skipped);
    } catch (const std::exception& e) {
      ++failures;
      std::fprintf(stderr, "intentq-bench: scenario %s failed: %s\n", name.c_str(), e.what());
      out[name]["error"] = e.what();
      skipped.push_back(name + ": failed: " + e.what());
    }
    out["skipped"] = skipped;
    write_json(json_path, out);  // after every scenario: a late failure keeps what was measured
  };
  scenario("relay", run_relay);
  scenario("rtt", run_rtt);
  scenario("summary", run_summary);
  scenario("soak", run_soak);
  scenario("curve", run_curve);
  scenario("http", run_http);
  scenario("history", run_history);
  out["machine"]["load_average_end"] = load_average();
  out["skipped"] = skipped;
  write_json(json_path, out);
  if (!skipped.empty()) {
    std::printf("\nskipped:\n");
    for (const auto& line : skipped) std::printf("  %s\n", line.get<std::string>().c_str());
  }
  return failures == 0 ? 0 : 1;
}
