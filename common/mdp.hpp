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
// "@nonretryable=<service>" marks one of its services as not safe to run twice.
//
// Because one intentq worker serves several services, a REQUEST to a worker that announced
// "@intentq=1" names the service in one extra frame between the empty delimiter and the body:
//   "", "MDPW01", 0x02, client, "", service, body
// (stock MDP workers get the RFC 7 shape without it). The worker's REPLY keeps the RFC 7 shape:
//   "", "MDPW01", 0x03, client, "", body
#pragma once

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

// Services whose names start with "mmi." are answered by the broker itself (RFC 8).
inline constexpr std::string_view kMmiPrefix = "mmi.";

}  // namespace intentq::mdp
