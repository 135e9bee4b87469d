// Processes of the reliability suite beyond the e2e kit: programs started inside a network
// namespace, resident memory of a process, and the broker's mmi.stats.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/readers.hpp"

namespace intentq::reliability {

using test::rss_mib;  // tests/support/readers.hpp
using Workers = std::vector<std::unique_ptr<test::Process>>;

// argv run through `ip netns exec <ns>` when ns is not empty.
std::vector<std::string> in_netns(const std::string& ns, std::vector<std::string> argv);

// A program of the build (build/bin/<name>).
std::string program(const std::string& name);

// The broker's mmi.stats map (asked on a fresh client socket; from the given network namespace
// when not empty). Throws std::runtime_error when no answer comes within 5 s.
nlohmann::json broker_stats(const std::string& frontend, const std::string& netns = "");

// Polls mmi.stats until the broker counts `n` workers (bounded); returns how long it took, or
// nullopt on timeout.
std::optional<std::chrono::milliseconds> wait_workers(const std::string& frontend, size_t n,
                                                      std::chrono::milliseconds timeout,
                                                      const std::string& netns = "");

// wait_workers for the start of a scenario: throws std::runtime_error when the broker does not
// count `n` workers within 15 s.
void require_workers(const std::string& frontend, size_t n, const std::string& netns = "");

// A worker inside a namespace (or not): waits for its readiness line.
std::unique_ptr<test::Process> start_worker_in(const std::string& ns, const std::string& backend,
                                               std::vector<std::string> extra_args);

}  // namespace intentq::reliability
