// The keys every `intentq-bench --json` file holds (issue 12), as paths from the root; a figure
// that could not be measured is null with a "skipped" line saying why. The bench fills them in
// (bench/main.cpp) and bench_quick_test checks them: one list for both.
#pragma once

#include <string>
#include <vector>

namespace intentq::bench {

inline const std::vector<std::vector<std::string>> kRequiredKeys = {
    {"machine"},
    {"relay", "raw_jobs_per_s"},
    {"relay", "jobs_per_s", "1"},
    {"relay", "jobs_per_s", "2"},
    {"relay", "jobs_per_s", "4"},
    {"relay", "ratio_vs_raw"},
    {"relay", "broker_cpu_us_per_job"},
    {"relay", "raw_cpu_us_per_job"},
    {"rtt", "raw_p50_us"},
    {"rtt", "p50_us"},
    {"rtt", "p99_us"},
    {"rtt", "ratio_p50"},
    {"summary", "parallel_vs_sequential"},
    {"summary", "persistent_vs_per_job"},
    {"summary", "jobs_per_s", "1"},
    {"summary", "jobs_per_s", "2"},
    {"summary", "jobs_per_s", "4"},
    {"summary", "jobs_per_s", "8"},
    {"summary", "jobs_per_s", "16"},
    {"summary", "efficiency_at_16"},
    {"summary", "budget", "msg_rate"},
    {"summary", "budget", "jobs_per_s"},
    {"summary", "budget", "pacing_errors"},
    {"summary", "reuse", "jobs_per_s"},
    {"summary", "reuse", "max_age_ms"},
    {"summary", "reuse", "pacing_errors"},
    {"soak", "jobs"},
    {"soak", "broker_rss_mb_start"},
    {"soak", "broker_rss_mb_end"},
    {"curve", "jobs_per_s_ratio"},
    {"curve", "cpu_ratio"},
    {"curve", "p50_ratio"},
    {"history", "intentq", "violations"},
    {"history", "intentq", "chunks_answered"},
    {"history", "intentq", "requests_per_window_ratio"},
    {"history", "intentq", "served_without_request"},
    {"history", "intentq", "share_max_over_min"},
    {"history", "intentq", "interactive", "wait_p99_ms"},
    {"history", "intentq", "interactive", "bound_p99_ms"},
    {"history", "baselines", "none", "violations"},
    {"history", "baselines", "lean", "violations"},
    {"history", "baselines", "gap", "violations"},
    {"history", "year_1min_one_stock", "chunks"},
};

}  // namespace intentq::bench
