// The reliability suite's client side: pipelined MDP clients (the e2e kit's JobClient) that send
// jobs with ids of their own and count every reply by id, so that a lost job (no reply before its
// deadline plus a margin) and a duplicated one (more replies than submissions) are both seen.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace intentq::reliability {

struct DriverOptions {
  std::string frontend;  // the broker's client endpoint
  std::string service;
  // Params of job number i (default: {"n": i}).
  std::function<nlohmann::json(uint64_t)> params;
  uint64_t deadline_ms = 20000;  // sent with every job
  size_t clients = 8;            // client sockets, one thread each
  size_t window = 64;            // jobs in flight per client
  // Resubmit a job with the same id when no reply came within this long (broker restarts).
  std::optional<std::chrono::milliseconds> resend_after;
  // A job without a reply this long after its deadline is lost.
  std::chrono::milliseconds lost_margin{5000};
  std::string id_prefix = "rel";
  std::string netns;  // client threads enter this network namespace first (empty: stay)
  // When set, clients stop sending new jobs once it turns true (jobs in flight are awaited).
  const std::atomic<bool>* stop = nullptr;
  // When set, incremented for every job answered (lets a chaos thread act mid-run).
  std::atomic<uint64_t>* progress = nullptr;
  // echo: check that an ok result is the params sent (counts `wrong` otherwise).
  bool verify_echo = false;
  // Bound of the whole run: after it, jobs without a reply are lost and nothing more is sent.
  std::chrono::milliseconds max_run{std::chrono::minutes(30)};
  // A first reply later than deadline + this is `late` (a TIMEOUT answer travels a little).
  std::chrono::milliseconds late_margin{1000};
};

// Echo jobs sent until `stop` turns true (honest traffic beside an attack): `clients` sockets
// with `window` jobs in flight each, 30 s deadlines, every ok result checked against its params.
DriverOptions echo_until_stopped(const std::string& frontend, size_t clients, size_t window,
                                 const std::string& id_prefix, const std::atomic<bool>* stop);

struct Tally {
  uint64_t sent = 0;         // distinct job ids submitted
  uint64_t submissions = 0;  // sends, resubmissions included
  uint64_t answered = 0;     // ids with at least one reply
  uint64_t lost = 0;         // ids without a reply by deadline + margin
  uint64_t duplicated = 0;   // ids with more replies than submissions
  uint64_t ok = 0;
  uint64_t late = 0;          // first reply after the job's deadline + late_margin
  uint64_t wrong = 0;         // verify_echo: an ok result that is not what was sent
  uint64_t foreign = 0;       // replies for ids this client never sent, or undecodable ones
  double max_latency_ms = 0;  // first submission -> first reply
  std::map<std::string, uint64_t> errors;  // error code -> ids answered with it
  std::string first_error;                 // "id code: message" of the first error seen

  void merge(const Tally& other);
};

// Runs `jobs` jobs over opts.clients pipelined clients and returns the counts.
Tally run_jobs(const DriverOptions& opts, uint64_t jobs);

}  // namespace intentq::reliability
