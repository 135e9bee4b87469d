// The keys every `intentq-bench --json` file holds (issue 12), as paths from the root; a figure
// that could not be measured is null with a "skipped" line saying why. The bench fills them in
// (bench/main.cpp) and bench_quick_test checks them: one list for both.
#pragma once

#include <string>
#include <vector>

namespace intentq::bench {

// Keys listed under the object that holds them: its path from the root, then their names.
struct KeyGroup {
  std::vector<std::string> at;
  std::vector<std::string> names;
};

inline std::vector<std::vector<std::string>> key_paths(const std::vector<KeyGroup>& groups) {
  std::vector<std::vector<std::string>> paths;
  for (const auto& group : groups)
    for (const auto& name : group.names) {
      paths.push_back(group.at);
      paths.back().push_back(name);
    }
  return paths;
}

inline const std::vector<std::vector<std::string>> kRequiredKeys = key_paths({
    {{}, {"machine"}},
    {{"relay"}, {"raw_jobs_per_s", "ratio_vs_raw", "broker_cpu_us_per_job", "raw_cpu_us_per_job"}},
    {{"relay", "jobs_per_s"}, {"1", "2", "4"}},
    {{"rtt"}, {"raw_p50_us", "p50_us", "p99_us", "ratio_p50"}},
    {{"summary"}, {"parallel_vs_sequential", "persistent_vs_per_job", "efficiency_at_16"}},
    {{"summary", "jobs_per_s"}, {"1", "2", "4", "8", "16"}},
    {{"summary", "budget"}, {"msg_rate", "jobs_per_s", "pacing_errors"}},
    {{"summary", "reuse"}, {"jobs_per_s", "max_age_ms", "pacing_errors"}},
    {{"soak"}, {"jobs", "broker_rss_mb_start", "broker_rss_mb_end"}},
    {{"curve"}, {"jobs_per_s_ratio", "cpu_ratio", "p50_ratio"}},
    {{"history", "intentq"},
     {"violations", "chunks_answered", "requests_per_window_ratio", "served_without_request",
      "share_max_over_min"}},
    {{"history", "intentq", "interactive"}, {"wait_p99_ms", "bound_p99_ms"}},
    {{"history", "baselines", "none"}, {"violations"}},
    {{"history", "baselines", "lean"}, {"violations"}},
    {{"history", "baselines", "gap"}, {"violations"}},
    {{"history", "year_1min_one_stock"}, {"chunks"}},
});

}  // namespace intentq::bench
