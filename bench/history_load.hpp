// The load of the bench's `history` scenario (docs/benchmarks.md, "history"): four services
// downloading one-minute bars chunk by chunk (two the same range of the same contract, two other
// contracts) and a fifth asking for a short chart every few seconds, and what each run of it
// measured. The same load runs once through intentq (scenario_history.cpp) and once per peer
// strategy on direct gateway sessions (history_peers.cpp), so their figures compare.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/history_plan.hpp"
#include "gateway/market_data.hpp"

namespace intentq::bench {

using HistoryChunk = cli::history::Chunk;

struct HistoryService {
  std::string name;                  // the envelope's `client` name (intentq) / the service's label
  nlohmann::json contract;           // the intent's contract params
  gw::Contract gw_contract;          // the same contract on a direct TWS session
  std::vector<HistoryChunk> chunks;  // what it downloads (empty for the interactive service)
};

struct HistoryLoad {
  double time_scale = 0.01;  // IB's windows x this (simulator and broker alike)
  int window_limit = 60;     // IB: 60 requests in any 10 minutes
  std::vector<HistoryService> bulk;
  HistoryService interactive;
  std::chrono::milliseconds interactive_every{1000};
  int64_t interactive_end = 0;  // the first chart's end; each next one 30 minutes earlier
  int max_passes = 8;  // baselines: passes over the missing chunks before a service gives up

  // IB's 10-minute window after the time scale.
  std::chrono::milliseconds window() const;
  // `chunks` one-week chunks of one-minute bars per service, ending on a week border before now.
  static HistoryLoad make(int chunks, double time_scale, int max_passes);

  nlohmann::json chunk_params(const HistoryService& s, const HistoryChunk& c) const;
  gw::HistoricalDataRequest chunk_request(const HistoryService& s, const HistoryChunk& c) const;
  // The k-th chart of the interactive service: 30 one-minute bars, each at another end.
  nlohmann::json interactive_params(int k) const;
  gw::HistoricalDataRequest interactive_request(int k) const;
};

// What one service got in one run.
struct ServiceResult {
  std::string name;
  int chunks = 0;                // in its list
  int asked = 0;                 // requests sent (a chunk asked again in a later pass counts again)
  int answered = 0;              // answers with bars (not errors)
  int first_pass_answered = 0;   // in the first pass over the chunk list
  int passes = 1;                // passes over the chunks still missing (baselines)
  int missing = 0;               // chunks never answered
  uint64_t bars = 0;             // bars of answered requests
  double finish_s = 0;           // since the run's start, when its last answer (or error) came
  std::vector<double> answer_s;  // when each answered request's answer came, since the start
  std::map<std::string, int> errors;  // by error code
  // intentq: when the broker dispatched each answered request (submission + timings_ms.queued)
  std::vector<double> dispatch_s;
};

struct InteractiveResult {
  int asked = 0;
  int answered = 0;
  std::vector<double> latency_ms;  // ask -> answer, answered ones
  std::vector<double> wait_ms;     // intentq: time in the broker's queue (timings_ms.queued)
  std::vector<double> bound_ms;    // intentq: next slot when asked + one answer
  std::map<std::string, int> errors;
};

struct HistoryRun {
  std::string label;
  std::vector<ServiceResult> services;
  InteractiveResult interactive;
  double seconds = 0;             // until the last bulk service finished
  nlohmann::json sim_historical;  // the simulator's "historical" counters at the end
};

// The figures every run reports: pacing violations (the simulator's count), 322s, chunks answered
// of asked, useful bars/s (bars of answered requests over the time to finish), time to finish,
// the interactive service's answers and latency.
nlohmann::json run_figures(const HistoryRun& run);

}  // namespace intentq::bench
