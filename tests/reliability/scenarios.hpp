// The scenarios of the reliability suite (issue 7), each driving real processes and counting
// every job by id. Each returns one row of the table printed at the end (docs/reliability.md).
#pragma once

#include <cstdint>
#include <string>

namespace intentq::reliability {

struct Mode {
  bool quick = false;
  uint64_t echo_jobs = 1'000'000;   // scenario 1
  uint64_t summary_jobs = 20'000;   // scenario 2
  uint64_t restart_jobs = 100'000;  // scenario 3
  int gateway_chaos_s = 60;         // scenario 4
  int hostile_s = 60;               // scenario 5
  uint64_t netns_jobs = 4'000;      // scenario 6

  static Mode quick_mode() {
    Mode m;
    m.quick = true;
    m.echo_jobs = 20'000;
    m.summary_jobs = 1'000;
    m.restart_jobs = 5'000;
    m.gateway_chaos_s = 15;
    m.hostile_s = 15;
    m.netns_jobs = 400;
    return m;
  }
};

struct Row {
  std::string scenario;
  uint64_t sent = 0, answered = 0, lost = 0, duplicated = 0;
  double max_latency_ms = 0;
  std::string memory;  // RSS figures
  std::string notes;   // what else was counted (requeues, errors by code, ...)
  bool passed = false;
  bool skipped = false;
  double seconds = 0;  // wall time of the scenario
};

struct Tally;
// The row's job counts (sent, answered, lost, duplicated, latency) from a run's tally.
void fill_counts(Row& row, const Tally& t);

Row echo_volume(const Mode& mode);           // 1
Row summary_worker_chaos(const Mode& mode);  // 2
Row broker_restart(const Mode& mode);        // 3
Row gateway_chaos(const Mode& mode);         // 4
Row hostile_input(const Mode& mode);         // 5
Row multi_host(const Mode& mode);            // 6

}  // namespace intentq::reliability
