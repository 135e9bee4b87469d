// Majordomo messages as frame vectors: receiving and sending whole multipart messages without
// exceptions, and building/parsing the MDP/0.1 commands (common/mdp.hpp has the constants).
//
// Frames are zmq::message_t so bodies move between sockets without copies; the helpers never
// throw on peer-caused conditions (an unroutable ROUTER peer, a full pipe), they report them.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "common/mdp.hpp"

namespace intentq::mdp {

using Frames = std::vector<zmq::message_t>;

// A message that does not follow MDP/0.1; what() says how.
struct MdpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string_view view(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}
inline zmq::message_t frame(std::string_view text) {
  return zmq::message_t(text.data(), text.size());
}
// A second message with the same body: refcounted for bodies over 33 bytes, no memcpy.
inline zmq::message_t share(zmq::message_t& m) {
  zmq::message_t copy;
  copy.copy(m);
  return copy;
}

// Receives one whole multipart message into `out` (cleared first; its capacity is reused).
// Returns false when nothing is waiting (non-blocking) or on EINTR/ETERM.
bool recv_frames(zmq::socket_t& socket, Frames& out, bool dontwait = true);

enum class SendResult {
  kOk,
  kUnroutable,  // ROUTER_MANDATORY: no peer with that routing id (EHOSTUNREACH)
  kWouldBlock,  // the peer's pipe is full (EAGAIN with dontwait)
  kFailed,      // anything else (ETERM, ...)
};
// Sends all frames (they are consumed: zmq empties a message_t it sends).
SendResult send_frames(zmq::socket_t& socket, Frames& frames, bool dontwait = true);

// ---- Worker side of the protocol (also used by tests' fake workers) ----

struct ReadyInfo {
  std::vector<std::string> services;  // first is the RFC 7 service frame; more per the extension
  bool intentq = false;               // "@intentq=1"
  bool cancel = false;                // "@cancel=1": the worker stops a job on "@cancel-job="
  std::optional<uint32_t> heartbeat_ms;
  std::vector<std::string> nonretryable;
  // "@historical=<service>" (issue 20): the service's jobs are historical-class (IB's historical
  // pacing applies; the broker admits them per gateway, docs/protocol.md §6.11).
  std::vector<std::string> historical;
  // Gateway session (issue 10; docs/protocol.md section 3). All optional: stock and echo-only
  // workers send none of them.
  std::optional<std::string> gateway;  // "@gateway=<id>"
  std::optional<bool> session_up;      // "@session=up|down"
  std::optional<uint32_t> budget;      // "@budget=<n>" messages per second, 1..kMaxBudget
  // "@cost=<service>:<n>": messages one job of the service sends on this worker's session.
  std::vector<std::pair<std::string, uint32_t>> costs;
  std::vector<std::string> accounts;  // "@accounts=A,B" (several frames add up), no duplicates
  std::optional<int64_t> client_id;
  std::optional<uint64_t> reconnects;
  std::optional<uint64_t> session_age_ms;
  // Issue 18 (docs/protocol.md section 3): who the worker is, and while its session is down the
  // gateway intents it would serve, the last connect error and how long the session has been down.
  std::optional<std::string> name;           // "@name=host:pid" (1..128 printable bytes)
  std::vector<std::string> waiting;          // "@waiting=A,B" (several frames add up)
  std::optional<std::string> session_error;  // "@session-error=<text>"
  std::optional<uint64_t> session_down_ms;   // "@session-down-ms=<n>"
  std::vector<std::string> unknown_options;  // "@..." frames this build does not know (ignored)
};

// Parses the frames after the READY command byte (service name, extra services, options).
// Throws MdpError on an empty or over-long service name (255 bytes), no service, an option frame
// over kMaxOptionBytes, or a malformed option (bad number, empty id, an account list with empty
// entries or more than kMaxAccountsPerWorker accounts, a cost without "<service>:<n>").
ReadyInfo parse_ready(const Frames& frames, size_t first);

// ["", "MDPW01", 0x01, service, extras...] for a DEALER worker.
Frames worker_ready(const ReadyInfo& info);

// A session update on a HEARTBEAT (issue 18): ["", "MDPW01", 0x04, "@session=up|down",
// "@session-error=...", "@session-down-ms=..."]; only the session fields of `info` are written.
// Brokers that do not know it ignore the extra frames of a HEARTBEAT.
Frames worker_session_update(const ReadyInfo& info);
// Parses the option frames after a HEARTBEAT command byte (none: an empty ReadyInfo). Throws
// MdpError for a frame that is not a valid option (the same rules as READY).
ReadyInfo parse_session_update(const Frames& frames, size_t first);
// The broker asks a worker that announced "@cancel=1" to stop its running job (issue 20):
// ["", "MDPW01", 0x04, "@cancel-job=<job id>"]. Workers that do not know it ignore the frame.
Frames worker_cancel(std::string_view job_id);
Frames worker_command(Command command);  // HEARTBEAT / DISCONNECT
// ["", "MDPW01", 0x03, client, "", body...]
Frames worker_reply(std::string_view client, Frames body);
// ["", "MDPW01", 0x03, route..., "", body...] (the address frames as the REQUEST carried them)
Frames worker_reply(Frames route, Frames body);

// ["", "MDPC01", service, body...] for a DEALER client (a REQ client omits the leading "").
Frames client_request(std::string_view service, Frames body);

}  // namespace intentq::mdp
