// Runs one job: a fresh io_context per job, the intent as a coroutine on it, the job's deadline
// enforced from outside, and the context destroyed when the job ends, whatever the outcome.
//
// run_job() is the synchronous core (unit tests call it directly). JobThread runs it on a thread
// of its own so the worker's main loop keeps polling the broker socket (heartbeats, DISCONNECT)
// while a job runs; it signals completion through an eventfd the main loop polls.
//
// Why a job thread rather than interleaving io.run_for() with zmq polling: the gateway I/O of a
// job then runs without added latency from poll slices, and the main loop stays simple and
// responsive. The thread is started once and runs one job at a time; what isolates a job is its
// io_context (created and destroyed inside run_job, so no handler, socket or timer of a job
// outlives it), not the thread. A thread per job was the first design: strace showed a clone3,
// four rt_sigprocmask, a madvise, set_robust_list, rseq and a futex join per job; reusing the
// thread cut the per-job overhead from 220-270 to 60-100 us wall and from ~115 to ~43 us of CPU,
// side by side on a loaded 2-core machine (worker_runner_test prints it). What remains is the
// io_context's own reactor: epoll_create1, eventfd2, timerfd_create, two epoll_ctl and three
// closes per job -- the price of a fresh context.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/envelope.hpp"
#include "worker/intent.hpp"

namespace intentq {

// Stops a job from another thread (issue 20: its submitters cancelled it). The job's io_context
// is stopped as at its deadline, so its gateway session abandons the requests in flight and sends
// IB's cancel for each (the session itself stays up); the job is answered CANCELLED.
class JobStop {
 public:
  // Any thread. A job not started yet is not started at all.
  void stop();
  // The owner, between jobs: the next job starts unstopped.
  void reset();

 private:
  friend JobReply run_job(const IntentInfo&, JobContext, uint64_t, const std::string&, JobStop*);
  // run_job: `hook` stops the running job (it posts to its io_context); false when stop() came
  // first. disarm() before the io_context goes.
  bool arm(std::function<void()> hook);
  void disarm();

  std::mutex mu_;
  bool stopped_ = false;        // guarded by mu_
  std::function<void()> hook_;  // guarded by mu_; called under it, so never after disarm()
};

// Runs `intent` for `job` until it returns, throws, job.deadline passes or `stop` is stopped.
// Never throws: the outcome is always a reply (ok, the intent's JobFailure, INTERNAL for any other
// exception, TIMEOUT at the deadline, CANCELLED when stopped). timings_ms holds the intent's own
// entries plus "queued" and "run".
JobReply run_job(const IntentInfo& intent, JobContext job, uint64_t queued_ms,
                 const std::string& worker_name, JobStop* stop = nullptr);

// One job at a time on a dedicated, long-lived thread. Not thread-safe itself: owned by the main
// loop.
class JobThread {
 public:
  JobThread();   // creates the eventfd and starts the thread; throws std::system_error on failure
  ~JobThread();  // waits for a running job (bounded by its deadline), then joins the thread
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  // Readable (for poll) once the running job has finished.
  int notify_fd() const { return event_fd_; }
  bool busy() const { return busy_; }

  // Starts the job; the caller must not start another until collect() returned a reply.
  void start(const IntentInfo& intent, JobContext job, uint64_t queued_ms, std::string worker_name);

  // When the job has finished: returns its reply. Otherwise nullopt.
  std::optional<JobReply> collect();

  // Stops the running job (it is answered CANCELLED); nothing when none runs.
  void cancel() {
    if (busy_) job_stop_.stop();
  }

 private:
  struct Task {
    const IntentInfo* intent = nullptr;
    JobContext job;
    uint64_t queued_ms = 0;
    std::string worker_name;
  };
  void loop();  // the thread: waits for a task, runs it, signals, until stop_

  int event_fd_ = -1;
  bool busy_ = false;  // main loop only: a job was started and not yet collected
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Task> task_;  // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  std::atomic<bool> done_{false};
  JobReply reply_;  // written by the job thread before done_ is set
  JobStop job_stop_;
  std::thread thread_;
};

}  // namespace intentq
