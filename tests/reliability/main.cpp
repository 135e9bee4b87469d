// intentq-reliability: the reliability suite of issue 7. Drives real processes (intentq-broker,
// intentq-worker, intentq-gwsim, MDP clients) through six scenarios and prints one table row per
// scenario: jobs sent, answered, lost, duplicated, max latency, memory. Exit 0 when every
// scenario passed (a skipped one, e.g. no network namespaces, counts as passed and says so).
//
//   intentq-reliability [--quick] [--only 1,3,5]
//
// --quick is what ctest runs (label `reliability`, a few minutes); without it the full sizes of
// docs/reliability.md run (1,000,000 echo jobs, 20,000 summaries, 60 s phases).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/version.hpp"
#include "tests/reliability/round2.hpp"
#include "tests/reliability/scenarios.hpp"

int main(int argc, char** argv) {
  using namespace intentq::reliability;
  CLI::App app{"intentq reliability suite (issue 7): real processes, every job counted by id"};
  bool quick = false;
  std::vector<int> only;
  app.add_flag("--quick", quick, "small sizes (what ctest runs)");
  app.add_option("--only", only, "run only these scenarios (1..7)")
      ->delimiter(',')
      ->check(CLI::Range(1, 7));
  app.set_version_flag("--version", intentq::version_line("intentq-reliability"));
  CLI11_PARSE(app, argc, argv);

  Mode mode = quick ? Mode::quick_mode() : Mode{};
  auto one = [](Row (*f)(const Mode&)) {
    return [f](const Mode& m) { return std::vector<Row>{f(m)}; };
  };
  // Scenario 7 (issue 16) is one row per attack.
  const std::vector<std::function<std::vector<Row>(const Mode&)>> scenarios = {
      one(echo_volume),   one(summary_worker_chaos), one(broker_restart), one(gateway_chaos),
      one(hostile_input), one(multi_host),           hostile_round2};
  std::set<int> wanted(only.begin(), only.end());

  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("intentq reliability suite, %s mode, %s\n\n", quick ? "quick" : "full", date);
  std::fflush(stdout);

  std::vector<Row> rows;
  bool all_passed = true;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    if (!wanted.empty() && !wanted.count(static_cast<int>(i + 1))) continue;
    std::printf("-- scenario %zu ...\n", i + 1);
    std::fflush(stdout);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Row> got;
    try {
      got = scenarios[i](mode);
    } catch (const std::exception& e) {
      Row row;
      row.scenario = "scenario " + std::to_string(i + 1);
      row.notes = std::string("FAILED TO RUN: ") + e.what();
      row.passed = false;
      got.push_back(row);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& row : got) {
      if (got.size() == 1) row.seconds = seconds;
      std::printf(
          "   %s in %.1f s: sent %llu, answered %llu, lost %llu, duplicated %llu, max latency "
          "%.0f ms; %s; %s\n",
          row.skipped  ? "SKIPPED"
          : row.passed ? "PASSED"
                       : "FAILED",
          row.seconds, static_cast<unsigned long long>(row.sent),
          static_cast<unsigned long long>(row.answered), static_cast<unsigned long long>(row.lost),
          static_cast<unsigned long long>(row.duplicated), row.max_latency_ms, row.memory.c_str(),
          row.notes.c_str());
      std::fflush(stdout);
      all_passed = all_passed && row.passed;
      rows.push_back(row);
    }
  }

  std::printf(
      "\n| Scenario | Jobs sent | Answered | Lost | Duplicated | Max latency | Memory | "
      "Result | Notes |\n|---|---|---|---|---|---|---|---|---|\n");
  for (auto& r : rows) {
    std::printf("| %s | %llu | %llu | %llu | %llu | %.0f ms | %s | %s (%.0f s) | %s |\n",
                r.scenario.c_str(), static_cast<unsigned long long>(r.sent),
                static_cast<unsigned long long>(r.answered),
                static_cast<unsigned long long>(r.lost),
                static_cast<unsigned long long>(r.duplicated), r.max_latency_ms, r.memory.c_str(),
                r.skipped  ? "skipped"
                : r.passed ? "passed"
                           : "FAILED",
                r.seconds, r.notes.c_str());
  }
  std::fflush(stdout);
  return all_passed ? 0 : 1;
}
