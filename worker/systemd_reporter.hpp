// The worker's side of systemd's notification protocol (Type=notify units, sd_notify(3)), fed by
// the WorkerLoop's status ticks:
//   READY=1      once a READY went to the broker that offers the gateway intents (persistent
//                session: the gateway session is up; per-job sessions: at the first READY)
//   STATUS=...   broker registration, gateway session, jobs done and jobs/s (every 2 s)
//   WATCHDOG=1   every half $WATCHDOG_USEC once ready, from the loop: a hung loop is restarted
//   STOPPING=1   when a stop signal arrived (the running job is finished first)
// Outside systemd ($NOTIFY_SOCKET unset) every message is a no-op.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "worker/worker_loop.hpp"

namespace intentq {

class SystemdReporter {
 public:
  using Clock = std::chrono::steady_clock;

  SystemdReporter();
  // How often the loop must tick for the watchdog and STATUS to be on time.
  std::chrono::milliseconds every() const { return every_; }
  void report(const WorkerStatus& status);
  // The STATUS= text for `status` (exposed for tests).
  static std::string status_text(const WorkerStatus& status, double jobs_per_second);

 private:
  std::optional<std::chrono::microseconds> watchdog_;
  std::chrono::milliseconds every_;
  bool ready_ = false;
  bool stopping_ = false;
  Clock::time_point next_watchdog_{};
  Clock::time_point last_status_{};
  uint64_t last_jobs_ = 0;
};

}  // namespace intentq
