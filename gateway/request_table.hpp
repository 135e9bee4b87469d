// The requests a session has outstanding, and how the gateway's answers complete them.
//
// This is the session's bookkeeping without any I/O: the reader hands every decoded message to
// dispatch(), which appends it to the request it belongs to and completes that request when its
// end marker arrives. The session owns the socket and the waiting; the table owns the answers.
//
// How messages find their request: the spec (gateway/request_specs.hpp) whose row_ids/end_id name
// the message says which kind it answers and which of these rules finds the request:
// - accountSummary, execDetails, contractData (and their ends) carry the request id.
// - position/positionEnd, openOrder/orderStatus/openOrderEnd and currentTime carry none. The
//   session keeps at most one positions request and one open-orders request (all or own) on the
//   wire at a time (callers that ask meanwhile join it or wait), so these answers are unambiguous.
//   currentTime answers complete the oldest outstanding current-time request (FIFO).
// - commissionReport carries only the exec_id; it joins every outstanding executions request that
//   holds that execution. A report that arrives before its execution is kept (bounded) and joined
//   when the execution arrives.
//
// Orphans (persistent sessions, docs/gateway.md "Session lifecycle"): when a job ends with
// requests still on the wire, abandon_all() fails them for the job and keeps, for each id-less one,
// an orphan entry that swallows the rest of its answer (storing nothing) until its end marker, so
// that answer is never taken for a later job's. A later request of the same kind waits for the
// orphan to end. Requests that carry an id are simply forgotten: their late answers match nothing
// and are dropped (account summaries are returned for a cancel).
//
// Bounds: a request whose answer passes max_rows rows or max_bytes bytes fails with kTooLarge (an
// id-less one turns into an orphan that keeps swallowing its answer).
//
// Errors (see classify_error, and gateway/ib_errors.hpp for what each code means): an error whose
// id is an outstanding request fails that request if IB's code is terminal (100, 162 pacing and
// 322 -> kPacing, else kIb, with IB's code and text); a warning or informational code (10167,
// 165, ...) is kept in the request's `warnings` and the request goes on; 162 "HMDS query returned
// no data" completes a historical-data request with an empty answer (`historical.no_data`).
// Notices (2100..2199) never fail anything. An error with id -1 that is neither a notice, a
// connectivity report (1100/1101/1102/ 1300/2110) nor 326 fails every outstanding id-less request
// (positions, open orders, current time), because IB reports problems with those requests under id
// -1.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/request_specs.hpp"
#include "gateway/session.hpp"

namespace intentq::gw {

struct PendingRequest {
  enum class State {
    kActive,               // answers still arriving
    kAwaitingCommissions,  // executions only: end arrived, some commission reports still missing
    kDone,                 // complete or failed (see error); no longer in the table
  };

  RequestKind kind;
  int req_id = -1;  // -1 for the id-less kinds
  State state = State::kActive;
  std::optional<GatewayError> error;

  // The answer, by kind.
  std::vector<Position> positions;
  std::vector<AccountValue> account_values;
  std::vector<Fill> fills;
  std::vector<OpenOrderWithStatus> orders;
  std::vector<ContractDetails> contracts;
  int64_t current_time = 0;
  HistoricalBars historical;
  std::string head_timestamp;
  MarketDataSnapshot snapshot;
  // IB errors for this request id that did not end it (warnings/info: gateway/ib_errors.hpp),
  // oldest first, bounded (kMaxWarnings).
  std::vector<ErrorMessage> warnings;
  static constexpr size_t kMaxWarnings = 16;

  // Wakes the coroutines waiting for this request after every state change (done, failed,
  // awaiting commissions): they wait on this timer (expiry = never) and the table cancel()s it.
  // Null in unit tests, which use `notify` instead.
  std::shared_ptr<asio::steady_timer> wakeup;
  std::function<void()> notify;  // also called after every state change, if set

  bool done() const { return state == State::kDone; }
  bool missing_commissions() const;

  // Orphans: no waiter, no stored answer; they only consume the rest of an abandoned answer.
  bool orphan = false;
  std::chrono::steady_clock::time_point orphaned_at{};
  // Size of the answer so far, for the bounds.
  size_t rows = 0;
  size_t bytes = 0;

  // Bookkeeping for merging openOrder/orderStatus by order id and commissions by exec_id.
  std::map<int64_t, size_t> order_index;
  std::map<int64_t, OrderStatus> statuses;
};

enum class ErrorClass {
  kNotice,         // informational (farm status 2100..2199): log only
  kConnectivity,   // 1100/1101/1102/1300/2110: gateway <-> IB connectivity; log and track
  kClientIdInUse,  // 326: the connection is refused
  kRequest,        // anything else: fails the request(s) it belongs to
};
ErrorClass classify_error(const ErrorMessage& e);
// The typed error for an IB error that fails a request (100, 162 pacing, 322 -> kPacing, else
// kIb).
GatewayError request_error(const ErrorMessage& e);

class RequestTable {
 public:
  static constexpr size_t kDefaultMaxRows = 100000;
  static constexpr size_t kDefaultMaxBytes = 64 * 1024 * 1024;
  // Per-request bounds on the answer (rows = messages appended, bytes = their payload sizes).
  void set_limits(size_t max_rows, size_t max_bytes) {
    max_rows_ = max_rows;
    max_bytes_ = max_bytes;
  }

  // Adds a request. Kinds that carry an id get the next request id (1, 2, ...).
  std::shared_ptr<PendingRequest> add(RequestKind kind,
                                      std::shared_ptr<asio::steady_timer> wakeup = nullptr);
  // The outstanding request of an id-less kind that later callers may join, or null (orphans are
  // never joined).
  std::shared_ptr<PendingRequest> find_joinable(RequestKind kind) const;
  // The oldest outstanding request of a kind, orphans included (they come first).
  std::shared_ptr<PendingRequest> find_active(RequestKind kind) const;
  // The outstanding request of `kind`'s sharing group (Sharing::kOneGroup: all or own open
  // orders), orphans included, or null.
  std::shared_ptr<PendingRequest> group_in_flight(RequestKind kind) const;

  // Routes one message. Returns false if no outstanding request wanted it (the caller logs it).
  // ManagedAccounts, NextValidId and UnknownMessage are the session's, never routed here.
  // `bytes` is the payload size of the message (for the bytes bound).
  bool dispatch(const ServerMessage& message, size_t bytes = 0);
  // The same, taking the answer's rows out of `message` instead of copying them (the session's
  // path: a 10,000-bar answer is moved into its request).
  bool dispatch(ServerMessage&& message, size_t bytes = 0);
  // Routes an error of class kRequest. Returns the number of requests it failed.
  size_t on_error(const ErrorMessage& e);

  // Completes an executions request that waited for commission reports with what it has.
  void finish(PendingRequest& request);
  // Fails one request / every request (session closed, connection lost, protocol error).
  void fail(PendingRequest& request, const GatewayError& error);
  void fail_all(const GatewayError& error);
  // Ends the current job's part: fails every waiting request with `error`, keeps (or makes)
  // orphans for the id-less ones, forgets the others, and drops every wakeup timer (they belong to
  // the job's io_context). Returns the id-carrying requests to cancel on the wire (their specs
  // have a cancel message: account summaries).
  struct OpenSubscription {
    const RequestSpec* spec;
    int req_id;
  };
  std::vector<OpenSubscription> abandon_all(const GatewayError& error,
                                            std::chrono::steady_clock::time_point now);
  // When the oldest orphan was made, if there is one.
  std::optional<std::chrono::steady_clock::time_point> oldest_orphan() const;
  // Gives every entry (orphans, after a new job took the session) a fresh wakeup timer.
  template <typename MakeTimer>
  void rearm(MakeTimer make) {
    for (auto& e : entries_) e->wakeup = make();
  }

  // Subscriptions currently open on the gateway (for the courtesy cancels on close): every
  // outstanding request whose spec has a cancel message, id-less kinds once.
  std::vector<OpenSubscription> open_subscriptions() const;
  bool positions_open() const { return find_active(RequestKind::kPositions) != nullptr; }
  // The requests to cancel on the wire since the last call: those completed by their end marker
  // whose spec says cancel_after_end, and id-carrying requests with a cancel message that were
  // cut at the row/byte bound (so IB stops sending). The session sends their cancels.
  std::vector<OpenSubscription> take_completed() { return std::exchange(completed_, {}); }

  size_t size() const { return entries_.size(); }

 private:
  template <class Message>  // ServerMessage or const ServerMessage
  bool route_message(Message& message, size_t bytes);
  void complete(PendingRequest& request);
  std::shared_ptr<PendingRequest> remove(PendingRequest& request);
  void signal(PendingRequest& request);
  std::shared_ptr<PendingRequest> by_id(int64_t id, RequestKind kind) const;
  // The request an answer message of `kind` belongs to, by the kind's spec: by id, the one of its
  // sharing group on the wire, or the oldest of the kind.
  std::shared_ptr<PendingRequest> route(RequestKind kind, int64_t id = -1) const;
  void add_commission(const CommissionReport& report);
  // An execution stored in its request, joined with its commission report if that came first.
  // (The other answers' data is stored by request_table.cpp's store() overloads.)
  void store_execution(PendingRequest& r, const ExecDetailsMsg& m);
  // Stores the data an answer message carries in its request.
  template <class Message>
  void keep(PendingRequest& r, Message& m);
  // Its end marker arrived (executions may then wait for commission reports).
  void end(PendingRequest& r);
  // Counts `rows` rows of `bytes` for `request` (a HISTORICAL_DATA message counts each of its
  // bars); fails it (kTooLarge) past the bounds. True if the rows are to be stored.
  bool count_row(const std::shared_ptr<PendingRequest>& request, size_t bytes, size_t rows = 1);
  std::shared_ptr<PendingRequest> make_orphan(RequestKind kind, int req_id,
                                              std::chrono::steady_clock::time_point now);

  int next_id_ = 1;
  size_t max_rows_ = kDefaultMaxRows;
  size_t max_bytes_ = kDefaultMaxBytes;
  std::deque<std::shared_ptr<PendingRequest>> entries_;  // in the order they were added
  // Commission reports that arrived before their execution (bounded, oldest dropped first).
  std::deque<CommissionReport> early_commissions_;
  std::vector<OpenSubscription> completed_;
};

}  // namespace intentq::gw
