// What the bench reads about processes and the machine from /proc: CPU time (user + system, all
// threads, so a ZeroMQ I/O thread counts), resident memory, and a description of the machine.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace intentq::bench {

// utime + stime of the process in seconds (0 when it is gone).
double cpu_seconds(pid_t pid);
// VmRSS in MiB (0 when it is gone).
double rss_mb(pid_t pid);
// cpus, model, memory, kernel, load average, date.
nlohmann::json machine_info();
// The 1-minute load average now.
double load_average();

}  // namespace intentq::bench
