// Majordomo Protocol MDP/0.1 (ZeroMQ RFC 7) constants and frame helpers, shared by the broker,
// the worker and the command-line client.
//
// Client (after the ROUTER identity frame): "", "MDPC01", service, body...
// Worker:  "", "MDPW01", command, ...  (READY 0x01, REQUEST 0x02, REPLY 0x03, HEARTBEAT 0x04,
//          DISCONNECT 0x05)
//
// intentq extension (backward compatible): a READY may carry further frames after the service
// name. Each extra frame is either another service name, or an option "key=value" whose key starts
// with '@': "@intentq=1" marks the worker as an intentq worker (envelopes are validated for its
// services), "@heartbeat=1000" announces the worker's heartbeat interval in ms, and
// "@nonretryable=<service>" marks one of its services as not safe to run twice. Workers with a
// gateway session also announce it: "@gateway=<id>", "@session=up|down", "@budget=<msg/s>",
// "@cost=<service>:<messages>", "@accounts=<A>,<B>", and the informational "@client-id=",
// "@reconnects=", "@session-age-ms=" (docs/protocol.md section 3).
//
// Because one intentq worker serves several services, a REQUEST to a worker that announced
// "@intentq=1" names the service in one extra frame between the empty delimiter and the body:
//   "", "MDPW01", 0x02, client, "", service, body
// (stock MDP workers get the RFC 7 shape without it). The worker's REPLY keeps the RFC 7 shape:
//   "", "MDPW01", 0x03, client, "", body
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace intentq::mdp {

inline constexpr std::string_view kClient = "MDPC01";
inline constexpr std::string_view kWorker = "MDPW01";

enum class Command : unsigned char {
  kReady = 0x01,
  kRequest = 0x02,
  kReply = 0x03,
  kHeartbeat = 0x04,
  kDisconnect = 0x05,
};

inline constexpr std::string_view kOptionPrefix = "@";
inline constexpr std::string_view kOptIntentq = "@intentq=1";
inline constexpr std::string_view kOptHeartbeat = "@heartbeat=";
inline constexpr std::string_view kOptNonRetryable = "@nonretryable=";
inline constexpr std::string_view kOptHistorical = "@historical=";
inline constexpr std::string_view kOptGateway = "@gateway=";
inline constexpr std::string_view kOptSession = "@session=";
inline constexpr std::string_view kOptBudget = "@budget=";
inline constexpr std::string_view kOptCost = "@cost=";
inline constexpr std::string_view kOptAccounts = "@accounts=";
inline constexpr std::string_view kOptClientId = "@client-id=";
inline constexpr std::string_view kOptReconnects = "@reconnects=";
inline constexpr std::string_view kOptSessionAge = "@session-age-ms=";
// Truthful readiness and fail-fast (issue 18; docs/protocol.md section 3): the worker's name, the
// gateway intents it would serve once its session is up, why the session is down and since when.
// The last three may also ride on a HEARTBEAT (a session update between READYs).
inline constexpr std::string_view kOptName = "@name=";
inline constexpr std::string_view kOptWaiting = "@waiting=";
inline constexpr std::string_view kOptSessionError = "@session-error=";
inline constexpr std::string_view kOptSessionDown = "@session-down-ms=";
// Cancellation (issue 20; docs/protocol.md section 3): a worker that can stop a running job
// announces "@cancel=1" in READY; the broker then asks it to stop one with a HEARTBEAT carrying
// "@cancel-job=<job id>". Peers that do not know them ignore both.
inline constexpr std::string_view kOptCancel = "@cancel=1";
inline constexpr std::string_view kOptCancelJob = "@cancel-job=";

// Bounds on what a READY may carry (a peer must not make the broker hold more).
inline constexpr size_t kMaxServiceNameBytes = 255;
inline constexpr size_t kMaxOptionBytes = 1024;  // one option frame (an @accounts list)
inline constexpr size_t kMaxGatewayIdBytes = 255;
inline constexpr size_t kMaxAccountBytes = 64;  // one account id
inline constexpr size_t kMaxAccountsPerWorker = 1024;
inline constexpr uint32_t kMaxBudget = 1000000;  // messages per second
inline constexpr uint32_t kMaxCost = 10000;      // messages per job
inline constexpr size_t kMaxWorkerNameBytes = 128;
inline constexpr size_t kMaxSessionErrorBytes = 256;  // longer texts are cut by the worker

// Services whose names start with "mmi." are answered by the broker itself (RFC 8).
inline constexpr std::string_view kMmiPrefix = "mmi.";
// mmi.cancel: one body frame, the job id (docs/protocol.md section 4).
inline constexpr std::string_view kMmiCancel = "mmi.cancel";

}  // namespace intentq::mdp
