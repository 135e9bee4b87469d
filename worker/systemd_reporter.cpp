#include "worker/systemd_reporter.hpp"

#include <algorithm>
#include <cstdio>

#include "common/sd_notify.hpp"

namespace intentq {
namespace {

constexpr std::chrono::milliseconds kStatusEvery{2000};

}  // namespace

SystemdReporter::SystemdReporter()
    : watchdog_(sd_watchdog_interval()), every_(kStatusEvery), last_status_(Clock::now()) {
  if (watchdog_)
    every_ = std::min(
        every_, std::max(std::chrono::milliseconds(1),
                         std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_ / 2)));
}

std::string SystemdReporter::status_text(const WorkerStatus& s, double jobs_per_second) {
  const char* session = !s.session_up ? "per-job" : *s.session_up ? "up" : "down";
  char text[256];
  std::snprintf(
      text, sizeof text, "%s; broker %s; gateway session %s; %llu jobs done (%.1f jobs/s); %s",
      s.stopping ? "stopping" : "running", s.registered ? "registered" : "connecting", session,
      static_cast<unsigned long long>(s.jobs_done), jobs_per_second, s.busy ? "busy" : "idle");
  return text;
}

void SystemdReporter::report(const WorkerStatus& s) {
  const auto now = Clock::now();
  if (!ready_ && s.registered && s.offers_gateway) {
    ready_ = true;
    sd_notify("READY=1\nSTATUS=" + status_text(s, 0));
    next_watchdog_ = now;
  }
  if (s.stopping && !stopping_) {
    stopping_ = true;
    sd_notify("STOPPING=1\nSTATUS=" + status_text(s, 0));
  }
  if (ready_ && watchdog_ && now >= next_watchdog_) {
    sd_notify("WATCHDOG=1");
    next_watchdog_ = now + every_;
  }
  if (now - last_status_ >= kStatusEvery) {
    const double seconds = std::chrono::duration<double>(now - last_status_).count();
    sd_notify("STATUS=" + status_text(s, static_cast<double>(s.jobs_done - last_jobs_) / seconds));
    last_status_ = now;
    last_jobs_ = s.jobs_done;
  }
}

}  // namespace intentq
