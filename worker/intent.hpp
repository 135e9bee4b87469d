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
#include "gateway/session_options.hpp"

namespace intentq::gw {
class DetachedSession;
}

namespace intentq {

// How the worker reaches IB Gateway (or intentq-gwsim); from the command line.
// The session options every job's session gets (host, port, client id, connect timeout;
// max_messages_per_second from --gateway-msg-rate, the budget READY announces; the answer bounds
// --gateway-max-rows / --gateway-max-bytes; on_error, told the IB code of every error message a
// session of this worker receives, for the metrics: callable from any thread, empty when nobody
// listens), plus what only the worker needs.
struct GatewayConfig : gw::SessionOptions {
  // The gateway's id (--gateway-id, default host:port): READY's @gateway, and what a job's
  // `gateway` param must name to run here. Empty when unknown (tests building a config in code).
  std::string id;
  bool sequential_fetch = false;  // --fetch-mode sequential: an intent's fetches one at a time
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
  // The same params as the msgpack bytes that arrived (empty when absent or when the job was
  // built in code): the gateway intents validate these, where a key given twice is still visible.
  std::string params_msgpack;
  std::chrono::steady_clock::time_point deadline;
  GatewayConfig gateway;
  // Persistent mode: the worker's gateway session, lent for this job (null: per-job session).
  gw::DetachedSession* session = nullptr;
  // Intents add their own entries ("connect", one per fetch) in milliseconds.
  nlohmann::json timings_ms = nlohmann::json::object();
  // What the job is waiting for, when its deadline could pass during that wait for a reason the
  // caller should know (a quote snapshot ends only ~11 s after its request): the TIMEOUT reply's
  // message adds it. Empty: the plain "job exceeded its deadline".
  std::string timeout_note;
};

struct IntentInfo {
  std::string name;
  bool retryable = true;  // read-only intents are; order placement will not be
  std::function<awaitable<nlohmann::json>(JobContext&)> run;
  // Messages one job sends to the gateway on a persistent session, cancels included (READY's
  // @cost; docs/gateway.md). -1: the intent needs no gateway (echo).
  int gateway_cost = -1;
  // Some request of the intent is in IB's historical pacing class (its request specs say so):
  // READY announces it as @historical=<name> (docs/protocol.md §3).
  bool historical = false;
  bool uses_gateway() const { return gateway_cost >= 0; }
};

// Every intent this worker implements (echo, summary, positions, ...).
const std::vector<IntentInfo>& intent_catalog();

}  // namespace intentq
