// Runs one job: a fresh io_context per job, the intent as a coroutine on it, the job's deadline
// enforced from outside, and the context destroyed when the job ends, whatever the outcome.
//
// run_job() is the synchronous core (unit tests call it directly). JobThread runs it on a thread
// of its own so the worker's main loop keeps polling the broker socket (heartbeats, DISCONNECT)
// while a job runs; it signals completion through an eventfd the main loop polls.
//
// Why a thread per job rather than interleaving io.run_for() with zmq polling: the gateway I/O of
// a job then runs without added latency from poll slices, the main loop stays simple and
// responsive, and the thread's lifetime is exactly the job's (joined before the reply is sent),
// which makes "nothing survives a job" easy to check. Measured cost: see the runner unit test
// (tens of microseconds per job, negligible next to a gateway round trip).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "common/envelope.hpp"
#include "worker/intent.hpp"

namespace intentq {

// Runs `intent` for `job` until it returns, throws, or job.deadline passes. Never throws: the
// outcome is always a reply (ok, the intent's JobFailure, INTERNAL for any other exception,
// TIMEOUT at the deadline). timings_ms holds the intent's own entries plus "queued" and "run".
JobReply run_job(const IntentInfo& intent, JobContext job, uint64_t queued_ms,
                 const std::string& worker_name);

// One job at a time on a dedicated thread. Not thread-safe itself: owned by the main loop.
class JobThread {
 public:
  JobThread();   // creates the eventfd; throws std::system_error on failure
  ~JobThread();  // joins a running job (bounded by its deadline)
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  // Readable (for poll) once the running job has finished.
  int notify_fd() const { return event_fd_; }
  bool busy() const { return thread_.joinable(); }

  // Starts the job; the caller must not start another until collect() returned a reply.
  void start(const IntentInfo& intent, JobContext job, uint64_t queued_ms, std::string worker_name);

  // When the job has finished: joins its thread and returns its reply. Otherwise nullopt.
  std::optional<JobReply> collect();

 private:
  int event_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> done_{false};
  JobReply reply_;  // written by the job thread before done_ is set
};

}  // namespace intentq
