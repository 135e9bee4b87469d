// The bench's scenarios. Each starts what it needs, measures intentq and its baseline in the same
// run, prints its table and returns its figures as JSON; a figure this build cannot measure yet
// is null, with a line in `skipped` saying why.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/children.hpp"

namespace intentq::bench {

struct Settings {
  Programs programs;
  bool quick = false;
  size_t payload_bytes = 64;
  // relay
  std::vector<int> relay_workers{1, 2, 4};
  std::string transport = "tcp";  // relay endpoints: "tcp" (loopback) or "ipc"
  int relay_clients = 4;
  int relay_window = 200;
  long relay_jobs = 40000;
  int repeats = 3;  // runs alternate raw / intentq / opaque; the median of the repeats counts
  // rtt
  long rtt_jobs = 5000;
  // summary
  int answer_ms = 20;
  int latency_jobs = 40;  // per mode, synchronous
  std::vector<int> scaling_workers{1, 2, 4, 8, 16};
  double scaling_seconds = 6;
  double budget_seconds = 20;
  double reuse_seconds = 20;
  std::string scenario_path;  // gateway simulator scenario with 4 accounts
  // soak
  long soak_jobs = 1000000;
  // history (issue 20)
  int history_chunks = 80;            // one-week chunks of 1-min bars per bulk service
  double history_time_scale = 0.01;   // IB's windows x this: 10 minutes last 6 s
  std::string history_scenario_path;  // simulator scenario with AAPL, MSFT, BTC market data
  double history_stall_at = 0;        // > 0: half the workers stopped for 4.5 s from then (seconds)
  // profiling aids
  std::string attach;  // tool attached to the relay process (relay scenario, most workers)
  std::string attach_variant = "intentq";  // ... during this variant: raw, intentq or opaque
  std::vector<std::string> broker_prefix;  // e.g. valgrind --tool=callgrind
  std::vector<std::string> broker_args;    // extra broker options for experiments
};

// Each fills the keys of its section; `skipped` collects "section.figure: why" lines.
nlohmann::json run_relay(const Settings& s, nlohmann::json& skipped);
nlohmann::json run_rtt(const Settings& s, nlohmann::json& skipped);
nlohmann::json run_summary(const Settings& s, nlohmann::json& skipped);
nlohmann::json run_soak(const Settings& s, nlohmann::json& skipped);
nlohmann::json run_curve(const Settings& s, nlohmann::json& skipped);
nlohmann::json run_http(const Settings& s, nlohmann::json& skipped);
nlohmann::json run_history(const Settings& s, nlohmann::json& skipped);

using Clock = std::chrono::steady_clock;

// Seconds from `t0` until now.
double seconds_since(Clock::time_point t0);
// The median of the values (0 for none).
double median(std::vector<double> values);
// a / b, or null when b is 0 or either is not a number.
nlohmann::json ratio(const nlohmann::json& a, const nlohmann::json& b);
// Rounds to `decimals` places (keeps the JSON readable).
double round_to(double v, int decimals);

}  // namespace intentq::bench
