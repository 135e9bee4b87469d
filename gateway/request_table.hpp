// The requests a session has outstanding, and how the gateway's answers complete them.
//
// This is the session's bookkeeping without any I/O: the reader hands every decoded message to
// dispatch(), which appends it to the request it belongs to and completes that request when its
// end marker arrives. The session owns the socket and the waiting; the table owns the answers.
//
// How messages find their request:
// - accountSummary, execDetails, contractData (and their ends) carry the request id.
// - position/positionEnd, openOrder/orderStatus/openOrderEnd and currentTime carry none. The
//   session keeps at most one positions request and one open-orders request (all or own) on the
//   wire at a time (callers that ask meanwhile join it or wait), so these answers are unambiguous.
//   currentTime answers complete the oldest outstanding current-time request (FIFO).
// - commissionReport carries only the exec_id; it joins every outstanding executions request that
//   holds that execution. A report that arrives before its execution is kept (bounded) and joined
//   when the execution arrives.
//
// Errors (see classify_error): an error whose id is an outstanding request fails that request
// (code 100 -> kPacing, else kIb, with IB's code and text). Notices (2100..2199) never fail
// anything. An error with id -1 that is neither a notice, a connectivity report (1100/1101/1102/
// 1300/2110) nor 326 fails every outstanding id-less request (positions, open orders, current
// time), because IB reports problems with those requests under id -1.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/session.hpp"

namespace intentq::gw {

enum class RequestKind {
  kPositions,
  kAccountSummary,
  kExecutions,
  kAllOpenOrders,
  kOpenOrders,
  kContractDetails,
  kCurrentTime,
};
std::string_view to_string(RequestKind kind);
// True for the kinds whose answers carry the request id.
bool has_request_id(RequestKind kind);

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

  // Wakes the coroutines waiting for this request after every state change (done, failed,
  // awaiting commissions): they wait on this timer (expiry = never) and the table cancel()s it.
  // Null in unit tests, which use `notify` instead.
  std::shared_ptr<asio::steady_timer> wakeup;
  std::function<void()> notify;  // also called after every state change, if set

  bool done() const { return state == State::kDone; }
  bool missing_commissions() const;

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
// The typed error for an IB error that fails a request (100 -> kPacing, else kIb).
GatewayError request_error(const ErrorMessage& e);

class RequestTable {
 public:
  // Adds a request. Kinds that carry an id get the next request id (1, 2, ...).
  std::shared_ptr<PendingRequest> add(RequestKind kind,
                                      std::shared_ptr<asio::steady_timer> wakeup = nullptr);
  // The outstanding request of an id-less kind that later callers may join, or null.
  std::shared_ptr<PendingRequest> find_active(RequestKind kind) const;
  // The outstanding open-orders request (all or own), or null.
  std::shared_ptr<PendingRequest> open_orders_in_flight() const;

  // Routes one message. Returns false if no outstanding request wanted it (the caller logs it).
  // ManagedAccounts, NextValidId and UnknownMessage are the session's, never routed here.
  bool dispatch(const ServerMessage& message);
  // Routes an error of class kRequest. Returns the number of requests it failed.
  size_t on_error(const ErrorMessage& e);

  // Completes an executions request that waited for commission reports with what it has.
  void finish(PendingRequest& request);
  // Fails one request / every request (session closed, connection lost, protocol error).
  void fail(PendingRequest& request, const GatewayError& error);
  void fail_all(const GatewayError& error);

  // Subscriptions currently open on the gateway (for the courtesy cancels on close).
  bool positions_open() const { return find_active(RequestKind::kPositions) != nullptr; }
  std::vector<int> open_account_summaries() const;

  size_t size() const { return entries_.size(); }

 private:
  void complete(PendingRequest& request);
  std::shared_ptr<PendingRequest> remove(PendingRequest& request);
  void signal(PendingRequest& request);
  std::shared_ptr<PendingRequest> by_id(int64_t id, RequestKind kind) const;
  std::shared_ptr<PendingRequest> oldest(RequestKind kind) const;
  void add_commission(const CommissionReport& report);

  int next_id_ = 1;
  std::deque<std::shared_ptr<PendingRequest>> entries_;  // in the order they were added
  // Commission reports that arrived before their execution (bounded, oldest dropped first).
  std::deque<CommissionReport> early_commissions_;
};

}  // namespace intentq::gw
