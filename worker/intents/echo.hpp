// The `echo` intent (and its non-retryable twin `echo_once`, used by tests): returns the params.
// params.delay_ms (unsigned, at most 60000) makes it wait that long first, without blocking.
#pragma once

#include <nlohmann/json.hpp>

#include "worker/intent.hpp"

namespace intentq {

awaitable<nlohmann::json> run_echo(JobContext& job);

}  // namespace intentq
