// What an intent is, to the worker: a name, whether the broker may run it twice, and a coroutine
// that turns validated params into a result map.
//
// The job runner gives each job a fresh io_context; the intent runs on it as a coroutine and may
// open a gateway session, start fetches in parallel and wait for them. The runner enforces the
// job's deadline from outside (it stops the io_context), so intents need not check it themselves,
// but they may read it to bound their own waits.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "common/errors.hpp"

namespace intentq {

// How the worker reaches IB Gateway (or intentq-gwsim); from the command line.
struct GatewayConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4002;
  int client_id = 1;
  std::chrono::milliseconds connect_timeout{5000};
};

// Thrown by an intent to end its job with an error reply.
struct JobFailure : std::runtime_error {
  JobFailure(ErrorCode c, std::string msg, std::optional<int> gw_code = std::nullopt,
             std::optional<std::string> gw_message = std::nullopt)
      : std::runtime_error(std::move(msg)),
        code(c),
        gateway_code(gw_code),
        gateway_message(std::move(gw_message)) {}
  ErrorCode code;
  std::optional<int> gateway_code;
  std::optional<std::string> gateway_message;
};

struct JobContext {
  std::string id;
  std::string intent;
  nlohmann::json params;  // the request's params map (never null; {} when absent)
  std::chrono::steady_clock::time_point deadline;
  GatewayConfig gateway;
  // Intents add their own entries ("connect", one per fetch) in milliseconds.
  nlohmann::json timings_ms = nlohmann::json::object();
};

struct IntentInfo {
  std::string name;
  bool retryable = true;  // read-only intents are; order placement will not be
  std::function<awaitable<nlohmann::json>(JobContext&)> run;
};

// Every intent this worker implements (echo, summary, positions, ...).
const std::vector<IntentInfo>& intent_catalog();

}  // namespace intentq
