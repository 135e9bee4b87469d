#include "worker/job_runner.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <system_error>

#include <spdlog/spdlog.h>

#include "common/asio.hpp"
#include "common/logging.hpp"
#include "gateway/session.hpp"

namespace intentq {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t ms_since(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

JobError to_error(const JobFailure& failure) {
  return JobError{failure.code, failure.what(), failure.gateway_code, failure.gateway_message};
}

}  // namespace

void JobStop::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  if (hook_) hook_();
}

void JobStop::reset() {
  std::lock_guard lock(mu_);
  stopped_ = false;
  hook_ = nullptr;
}

bool JobStop::arm(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  if (stopped_) return false;
  hook_ = std::move(hook);
  return true;
}

void JobStop::disarm() {
  std::lock_guard lock(mu_);
  hook_ = nullptr;
}

JobReply run_job(const IntentInfo& intent, JobContext job, uint64_t queued_ms,
                 const std::string& worker_name, JobStop* stop) {
  const auto start = Clock::now();
  // Lines the intent and its gateway session log on this thread carry the job (json logs).
  LogJobScope log_scope(job.id, job.intent, worker_name);
  JobReply reply;
  reply.id = job.id;
  reply.intent = job.intent;
  reply.worker = worker_name;

  enum class End { kRunning, kDone, kTimeout, kCancelled };
  End end = End::kRunning;
  std::exception_ptr failure;
  nlohmann::json result;

  if (start >= job.deadline) {
    end = End::kTimeout;  // the deadline passed before the job reached us: do not start it
  } else {
    // The context lives only inside this block. Destroying it destroys whatever the job left
    // pending (the intent's coroutine frames, its timers, its gateway sockets), so an intent
    // stopped at its deadline cannot leak into the next job.
    asio::io_context io(1);
    asio::steady_timer deadline(io, job.deadline);
    deadline.async_wait([&](const boost::system::error_code& ec) {
      if (ec || end != End::kRunning) return;
      end = End::kTimeout;
      io.stop();
    });
    // A cancel from the worker's main thread ends the job on its own thread, like the deadline.
    const bool armed = !stop || stop->arm([&] {
      asio::post(io, [&] {
        if (end != End::kRunning) return;
        end = End::kCancelled;
        io.stop();
      });
    });
    if (!armed) {
      end = End::kCancelled;  // stopped before it started
    } else {
      try {
        asio::co_spawn(io, intent.run(job), [&](std::exception_ptr e, nlohmann::json value) {
          if (end != End::kRunning) return;
          end = End::kDone;
          failure = e;
          result = std::move(value);
          // Stop rather than cancel: the intent may have left work behind (a
          // session reader, a subscription); none of it may outlive the job.
          io.stop();
        });
        io.run();
      } catch (...) {
        // intent.run() itself threw before producing a coroutine, or a handler threw out of run().
        if (end == End::kRunning) {
          end = End::kDone;
          failure = std::current_exception();
        }
      }
    }
    if (stop) stop->disarm();  // nothing may post to `io` from here on
    // A lent gateway session goes back to the worker before the context (and with it the job's
    // half-finished coroutines) is destroyed: its requests are abandoned, the socket survives.
    if (job.session) gw::Session::reclaim(*job.session);
  }

  if (end == End::kTimeout) {
    reply.ok = false;
    reply.error =
        JobError{ErrorCode::kTimeout,
                 job.timeout_note.empty() ? std::string("job exceeded its deadline")
                                          : "job exceeded its deadline " + job.timeout_note,
                 {},
                 {}};
  } else if (end == End::kCancelled) {
    reply.ok = false;
    reply.error = JobError{ErrorCode::kCancelled, "the job was cancelled by its submitter", {}, {}};
  } else if (failure) {
    reply.ok = false;
    try {
      std::rethrow_exception(failure);
    } catch (const JobFailure& f) {
      reply.error = to_error(f);
    } catch (const std::exception& e) {
      reply.error =
          JobError{ErrorCode::kInternal, std::string("intent failed: ") + e.what(), {}, {}};
    } catch (...) {
      reply.error =
          JobError{ErrorCode::kInternal, "intent failed with a non-standard exception", {}, {}};
    }
  } else if (!result.is_object()) {
    reply.ok = false;
    reply.error =
        JobError{ErrorCode::kInternal, "intent returned a result that is not a map", {}, {}};
  } else {
    reply.result = std::move(result);
  }

  reply.timings_ms =
      job.timings_ms.is_object() ? std::move(job.timings_ms) : nlohmann::json::object();
  reply.timings_ms["queued"] = queued_ms;
  reply.timings_ms["run"] = ms_since(start);
  return reply;
}

JobThread::JobThread() {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  thread_ = std::thread([this] { loop(); });
}

JobThread::~JobThread() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;  // the thread finishes a running job first: it looks only between jobs
  }
  cv_.notify_one();
  thread_.join();
  ::close(event_fd_);
}

void JobThread::loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || task_.has_value(); });
      if (!task_) return;  // stopping, nothing queued
      task = std::move(*task_);
      task_.reset();
    }
    reply_ =
        run_job(*task.intent, std::move(task.job), task.queued_ms, task.worker_name, &job_stop_);
    done_.store(true, std::memory_order_release);
    uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);
  }
}

void JobThread::start(const IntentInfo& intent, JobContext job, uint64_t queued_ms,
                      std::string worker_name) {
  done_.store(false);
  job_stop_.reset();  // the thread is between jobs: nothing else touches it now
  busy_ = true;
  {
    std::lock_guard lock(mu_);
    task_ = Task{&intent, std::move(job), queued_ms, std::move(worker_name)};
  }
  cv_.notify_one();
}

std::optional<JobReply> JobThread::collect() {
  if (!busy_ || !done_.load(std::memory_order_acquire)) return std::nullopt;
  uint64_t count = 0;
  (void)!::read(event_fd_, &count, sizeof count);  // reset the eventfd
  busy_ = false;
  return std::move(reply_);
}

}  // namespace intentq
