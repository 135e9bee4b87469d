// The IB requests the session can make, each described once.
//
// A request spec says everything the rest of the code needs to know about one kind of TWS request
// apart from its message fields (those stay in gateway/messages_*.cpp, one field sequence per
// message for both directions): which message asks, which messages answer and how the answer
// ends, whether it carries a request id, which message cancels it, what it costs against the
// gateway's message budget and which pacing class IB counts it in. The request table (routing and
// orphans), the session's fetch(), the simulator's per-request latency families and counters and
// the worker's per-request metrics all read this list; docs/gateway.md "Request specs" says how
// to add one.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace intentq::gw {

enum class RequestKind {
  kPositions,
  kAccountSummary,
  kExecutions,
  kAllOpenOrders,
  kOpenOrders,
  kContractDetails,
  kCurrentTime,
  kHistoricalData,
  kHeadTimestamp,
  kMarketDataSnapshot,
};

// How an answer ends.
enum class Ending {
  kEndMarker,     // rows, then an end message (positionEnd, accountSummaryEnd, ...)
  kSingleAnswer,  // exactly one message (currentTime)
  kNone,          // no end: the request is complete when the caller says so (streams)
};

// Which of IB's pacing rules count the request: `general` = the 50 messages per second every
// message counts against; `historical` = also IB's historical-data rules (60 per 10 minutes, 50
// open at once, ...): historical data and head timestamp.
enum class PacingClass { kGeneral, kHistorical };

// How callers that ask while the same question is on the wire are served. Id-less answers cannot
// be told apart, so at most one request of such a kind (or of its group) may be on the wire.
enum class Sharing {
  kOwn,       // every call sends its own request (kinds with a request id, currentTime by FIFO)
  kJoin,      // id-less: a caller joins the request already on the wire (positions)
  kOneGroup,  // id-less, answered by the same messages as other kinds of its group: one of the
              // group at a time; a caller of the same kind joins, another kind waits (open orders)
};

struct RequestSpec {
  RequestKind kind;
  std::string_view name;     // for messages: "account summary"
  std::string_view family;   // timings_ms key, worker metrics label, simulator latency key
  int message_id;            // the outgoing message (msg_id::kReq...)
  std::string_view message;  // its TWS API name: "reqAccountSummary"
  std::string_view answers;  // the answer messages, for docs and logs: "accountSummary*, ...End"
  // The answer's messages (msg_id::k...): its rows, and the message that ends it (the single
  // answer itself for Ending::kSingleAnswer; 0 for kNone). The request table routes by them.
  std::array<int, 6> row_ids;
  int end_id;
  Ending ending;
  bool has_request_id;
  int cancel_id;                    // msg_id of the cancel message, 0 = none
  std::string_view cancel_message;  // "cancelAccountSummary", empty = none
  // Cancel the subscription once its answer is complete (IB keeps streaming updates otherwise).
  bool cancel_after_end;
  // Messages one request costs on the gateway's budget (the request, its cancel if sent).
  int cost;
  PacingClass pacing;
  Sharing sharing;
  // Executions: commission reports may follow the end marker; wait a short grace for them.
  bool late_commissions;
  // The payload of the cancel message for request `req_id` (null when there is none).
  std::string (*encode_cancel)(int sv, int req_id);
  // Answers whose ending depends on the negotiated server version: below this version the row
  // message is the whole answer and carries the end itself (HISTORICAL_DATA below 196); from it
  // on, end_id ends the answer. 0 = the ending is the same at every version.
  int row_ends_answer_below_sv = 0;
};

// Every spec, in RequestKind order.
std::span<const RequestSpec> request_specs();
const RequestSpec& spec(RequestKind kind);
// The spec whose request message has this id (outgoing msg_id), or null.
const RequestSpec* spec_for_message(int message_id);
// The spec whose request or cancel message has this id, and whether it was the cancel.
struct SpecMessage {
  const RequestSpec* spec = nullptr;
  bool cancel = false;
};
SpecMessage spec_message(int message_id);
// The spec whose answer includes this incoming message id, and whether it ends the answer (the
// first spec of a sharing group for messages the group shares), or null.
struct SpecAnswer {
  const RequestSpec* spec = nullptr;
  bool end = false;
};
SpecAnswer spec_for_answer(int message_id);
// The distinct families in spec order ("positions", "account_summary", ...).
std::vector<std::string_view> request_families();

std::string_view to_string(RequestKind kind);  // the spec's name
// True for the kinds whose answers carry the request id.
bool has_request_id(RequestKind kind);
std::string_view to_string(PacingClass c);
std::string_view to_string(Ending e);

}  // namespace intentq::gw
