// What tests read from the processes they run, besides their output lines: the broker's
// mmi.stats, an HTTP endpoint (/metrics, /health), Prometheus series, a process's descriptors,
// threads and memory, and a free loopback port. The simulator's counters: gwsim_stats.hpp.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

namespace intentq::test {

// The broker's mmi.stats map, asked on a fresh client socket (of `ctx`, or of a context of its
// own). Throws std::runtime_error when no answer comes within `timeout`.
nlohmann::json broker_stats(zmq::context_t& ctx, const std::string& frontend,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));
nlohmann::json broker_stats(const std::string& frontend,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A TCP connection to 127.0.0.1:port (the descriptor, owned by the caller), or -1 when nothing
// accepts it.
int connect_loopback(int port);
// GET `path` from 127.0.0.1:port (HTTP/1.0: the server closes after the body), reading for at
// most `timeout` of silence; the whole response, or "" when nothing accepts the connection.
std::string http_get(int port, const std::string& path,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The body of a "200" answer to GET `path`; throws with the start of any other answer.
std::string http_body(int port, const std::string& path,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The port of the "metrics=http://127.0.0.1:PORT/metrics" a program printed in `text` (its
// readiness line); throws with the text when there is none.
int metrics_port(const std::string& text);
// The value of the Prometheus series written exactly as `series` (name and labels), or nullopt.
std::optional<double> metric_value(const std::string& body, const std::string& series);

// How many entries a directory has (/proc/<pid>/fd: open descriptors; /proc/<pid>/task: threads).
size_t dir_entries(const std::string& dir);
// Resident set size of a running process in MiB (VmRSS), or -1 when it is gone.
double rss_mib(pid_t pid);

// A loopback port nothing listens on (bound and released at once).
uint16_t free_port();

}  // namespace intentq::test
