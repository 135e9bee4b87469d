// The session's answer assembly without a network: messages in, complete answers and typed
// errors out.
#include <gtest/gtest.h>

#include <set>

#include "gateway/request_table.hpp"
#include "tests/unit/gateway_test_util.hpp"

namespace intentq::gw {
namespace {

using State = PendingRequest::State;
using Kind = GatewayError::Kind;

// Counts how often a request was signalled (the session wakes its waiters there).
struct Signals {
  int count = 0;
  void watch(PendingRequest& r) {
    r.notify = [this] { ++count; };
  }
};

Position position(std::string account, std::string symbol, double qty) {
  Position p;
  p.account = std::move(account);
  p.contract.symbol = std::move(symbol);
  p.contract.sec_type = "STK";
  p.position = qty;
  return p;
}

Execution execution(std::string exec_id, int64_t order_id) {
  Execution e;
  e.exec_id = std::move(exec_id);
  e.order_id = order_id;
  e.contract.symbol = "AAPL";
  e.shares = 10;
  return e;
}

CommissionReport commission(std::string exec_id, double amount) {
  CommissionReport c;
  c.exec_id = std::move(exec_id);
  c.commission = amount;
  c.currency = "USD";
  return c;
}

OpenOrder open_order(int64_t order_id, std::string symbol, std::string status) {
  OpenOrder o;
  o.order.order_id = order_id;
  o.contract.symbol = std::move(symbol);
  o.state.status = std::move(status);
  return o;
}

OrderStatus order_status(int64_t order_id, std::string status, double filled) {
  OrderStatus s;
  s.order_id = order_id;
  s.status = std::move(status);
  s.filled = filled;
  return s;
}

using test::error;

TEST(SessionRequestTable, PositionsCollectUntilEndThenLeaveTheTable) {
  RequestTable t;
  Signals s;
  auto r = t.add(RequestKind::kPositions);
  s.watch(*r);
  EXPECT_EQ(r->req_id, -1) << "positions carry no request id";
  EXPECT_TRUE(t.dispatch(PositionMsg{position("DU1", "AAPL", 100)}));
  EXPECT_TRUE(t.dispatch(PositionMsg{position("DU2", "MSFT", -5)}));
  EXPECT_FALSE(r->done());
  EXPECT_TRUE(t.positions_open());
  EXPECT_TRUE(t.dispatch(PositionEnd{}));
  ASSERT_TRUE(r->done());
  EXPECT_FALSE(r->error);
  ASSERT_EQ(r->positions.size(), 2u);
  EXPECT_EQ(r->positions[0].contract.symbol, "AAPL");
  EXPECT_EQ(r->positions[1].position, -5);
  EXPECT_EQ(s.count, 1);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.dispatch(PositionMsg{position("DU1", "IBM", 1)})) << "no request wants it now";
}

TEST(SessionRequestTable, AccountSummariesAreRoutedByRequestId) {
  RequestTable t;
  auto a = t.add(RequestKind::kAccountSummary);
  auto b = t.add(RequestKind::kAccountSummary);
  ASSERT_NE(a->req_id, b->req_id);
  auto open = t.open_subscriptions();
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].req_id, a->req_id);
  EXPECT_EQ(open[1].req_id, b->req_id);
  t.dispatch(AccountSummaryMsg{b->req_id, {"DU1", "NetLiquidation", "100.5", "USD"}});
  t.dispatch(AccountSummaryMsg{a->req_id, {"DU1", "AccountType", "INDIVIDUAL", ""}});
  t.dispatch(AccountSummaryMsg{b->req_id, {"DU2", "NetLiquidation", "7", "USD"}});
  EXPECT_FALSE(t.dispatch(AccountSummaryMsg{999, {"DU1", "X", "1", ""}}));
  t.dispatch(AccountSummaryEnd{b->req_id});
  EXPECT_TRUE(b->done());
  EXPECT_FALSE(a->done());
  ASSERT_EQ(b->account_values.size(), 2u);
  EXPECT_EQ(b->account_values[1].account, "DU2");
  t.dispatch(AccountSummaryEnd{a->req_id});
  ASSERT_EQ(a->account_values.size(), 1u);
  EXPECT_EQ(a->account_values[0].value, "INDIVIDUAL");
}

TEST(SessionRequestTable, ExecutionsJoinCommissionReportsByExecId) {
  RequestTable t;
  auto r = t.add(RequestKind::kExecutions);
  t.dispatch(ExecDetailsMsg{r->req_id, execution("E1", 1)});
  t.dispatch(commission("E1", 1.25));
  t.dispatch(ExecDetailsMsg{r->req_id, execution("E2", 2)});
  t.dispatch(commission("E2", 0.5));
  t.dispatch(ExecDetailsEnd{r->req_id});
  ASSERT_TRUE(r->done());
  ASSERT_EQ(r->fills.size(), 2u);
  ASSERT_TRUE(r->fills[0].commission);
  EXPECT_EQ(r->fills[0].commission->commission, 1.25);
  ASSERT_TRUE(r->fills[1].commission);
  EXPECT_EQ(r->fills[1].commission->exec_id, "E2");
}

TEST(SessionRequestTable, CommissionsAfterTheEndCompleteTheRequestWhenAllArrived) {
  RequestTable t;
  Signals s;
  auto r = t.add(RequestKind::kExecutions);
  s.watch(*r);
  t.dispatch(ExecDetailsMsg{r->req_id, execution("E1", 1)});
  t.dispatch(ExecDetailsMsg{r->req_id, execution("E2", 2)});
  t.dispatch(ExecDetailsEnd{r->req_id});
  EXPECT_EQ(r->state, State::kAwaitingCommissions);
  EXPECT_EQ(s.count, 1) << "the waiter is told the end arrived (it starts its grace timer)";
  t.dispatch(commission("E2", 2));
  EXPECT_EQ(r->state, State::kAwaitingCommissions);
  t.dispatch(commission("E1", 1));
  EXPECT_TRUE(r->done());
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(r->fills[0].commission->commission, 1);
  EXPECT_EQ(r->fills[1].commission->commission, 2);
}

TEST(SessionRequestTable, FinishReturnsExecutionsWhoseCommissionNeverCame) {
  RequestTable t;
  auto r = t.add(RequestKind::kExecutions);
  t.dispatch(ExecDetailsMsg{r->req_id, execution("E1", 1)});
  t.dispatch(ExecDetailsEnd{r->req_id});
  ASSERT_EQ(r->state, State::kAwaitingCommissions);
  t.finish(*r);
  EXPECT_TRUE(r->done());
  EXPECT_FALSE(r->error);
  ASSERT_EQ(r->fills.size(), 1u);
  EXPECT_FALSE(r->fills[0].commission);
  EXPECT_EQ(t.size(), 0u);
}

TEST(SessionRequestTable, ACommissionBeforeItsExecutionIsKeptAndJoined) {
  RequestTable t;
  t.dispatch(commission("E9", 3.5));  // nobody asked yet
  auto r = t.add(RequestKind::kExecutions);
  t.dispatch(ExecDetailsMsg{r->req_id, execution("E9", 9)});
  t.dispatch(ExecDetailsEnd{r->req_id});
  ASSERT_TRUE(r->done());
  ASSERT_TRUE(r->fills[0].commission);
  EXPECT_EQ(r->fills[0].commission->commission, 3.5);
}

TEST(SessionRequestTable, OpenOrdersMergeTheLatestStatusPerOrder) {
  RequestTable t;
  auto r = t.add(RequestKind::kAllOpenOrders);
  EXPECT_EQ(t.group_in_flight(RequestKind::kOpenOrders), r);
  t.dispatch(order_status(2, "PreSubmitted", 0));  // a status may precede its order
  t.dispatch(open_order(1, "AAPL", "Submitted"));
  t.dispatch(order_status(1, "Submitted", 0));
  t.dispatch(open_order(2, "MSFT", "PreSubmitted"));
  t.dispatch(order_status(1, "Filled", 100));   // the latest wins
  t.dispatch(open_order(1, "AAPL", "Filled"));  // a later copy of order 1 replaces it
  t.dispatch(OpenOrderEnd{});
  ASSERT_TRUE(r->done());
  ASSERT_EQ(r->orders.size(), 2u);
  EXPECT_EQ(r->orders[0].open_order.order.order_id, 1);
  EXPECT_EQ(r->orders[0].open_order.state.status, "Filled");
  ASSERT_TRUE(r->orders[0].status);
  EXPECT_EQ(r->orders[0].status->status, "Filled");
  EXPECT_EQ(r->orders[0].status->filled, 100);
  EXPECT_EQ(r->orders[1].open_order.contract.symbol, "MSFT");
  ASSERT_TRUE(r->orders[1].status);
  EXPECT_EQ(r->orders[1].status->status, "PreSubmitted");
}

TEST(SessionRequestTable, AnOrderWithoutStatusHasNone) {
  RequestTable t;
  auto r = t.add(RequestKind::kOpenOrders);
  t.dispatch(open_order(5, "IBM", "Submitted"));
  t.dispatch(OpenOrderEnd{});
  ASSERT_EQ(r->orders.size(), 1u);
  EXPECT_FALSE(r->orders[0].status);
}

TEST(SessionRequestTable, CurrentTimeAnswersCompleteTheOldestRequestFirst) {
  RequestTable t;
  auto a = t.add(RequestKind::kCurrentTime);
  auto b = t.add(RequestKind::kCurrentTime);
  t.dispatch(CurrentTime{1000});
  EXPECT_TRUE(a->done());
  EXPECT_FALSE(b->done());
  EXPECT_EQ(a->current_time, 1000);
  t.dispatch(CurrentTime{1001});
  EXPECT_EQ(b->current_time, 1001);
}

TEST(SessionRequestTable, ContractDetailsCollectUntilEnd) {
  RequestTable t;
  auto r = t.add(RequestKind::kContractDetails);
  ContractDetails d;
  d.contract.con_id = 265598;
  d.long_name = "APPLE INC";
  t.dispatch(ContractDataMsg{r->req_id, d});
  t.dispatch(ContractDataEnd{r->req_id});
  ASSERT_TRUE(r->done());
  ASSERT_EQ(r->contracts.size(), 1u);
  EXPECT_EQ(r->contracts[0].long_name, "APPLE INC");
}

TEST(SessionRequestTable, AnErrorWithARequestIdFailsThatRequestOnly) {
  RequestTable t;
  auto a = t.add(RequestKind::kContractDetails);
  auto b = t.add(RequestKind::kContractDetails);
  auto p = t.add(RequestKind::kPositions);
  EXPECT_EQ(t.on_error(error(a->req_id, 200, "No security definition has been found")), 1u);
  ASSERT_TRUE(a->done());
  ASSERT_TRUE(a->error);
  EXPECT_EQ(a->error->kind, Kind::kIb);
  EXPECT_EQ(a->error->ib_code, 200);
  EXPECT_NE(std::string(a->error->what()).find("No security definition"), std::string::npos);
  EXPECT_FALSE(b->done());
  EXPECT_FALSE(p->done());
}

TEST(SessionRequestTable, PacingErrorsBecomeKPacing) {
  RequestTable t;
  auto a = t.add(RequestKind::kExecutions);
  t.dispatch(error(a->req_id, 100, "Max rate of messages per second has been exceeded"));
  ASSERT_TRUE(a->error);
  EXPECT_EQ(a->error->kind, Kind::kPacing);
  EXPECT_EQ(a->error->ib_code, 100);
}

TEST(SessionRequestTable, AnErrorWithIdMinusOneFailsTheIdlessRequests) {
  RequestTable t;
  auto p = t.add(RequestKind::kPositions);
  auto o = t.add(RequestKind::kAllOpenOrders);
  auto c = t.add(RequestKind::kCurrentTime);
  auto s = t.add(RequestKind::kAccountSummary);
  EXPECT_EQ(t.on_error(error(-1, 100, "Max rate of messages per second has been exceeded")), 3u);
  for (auto& r : {p, o, c}) {
    ASSERT_TRUE(r->error) << to_string(r->kind);
    EXPECT_EQ(r->error->kind, Kind::kPacing);
  }
  EXPECT_FALSE(s->done()) << "a request with its own id is not touched by id -1";
}

TEST(SessionRequestTable, NoticesAndConnectivityReportsFailNothing) {
  RequestTable t;
  auto p = t.add(RequestKind::kPositions);
  auto s = t.add(RequestKind::kAccountSummary);
  EXPECT_FALSE(t.dispatch(error(-1, 2104, "Market data farm connection is OK:usfarm")));
  EXPECT_FALSE(t.dispatch(error(s->req_id, 2150, "a warning with a request id")));
  EXPECT_FALSE(t.dispatch(error(-1, 1100, "Connectivity between IB and TWS has been lost")));
  EXPECT_FALSE(p->done());
  EXPECT_FALSE(s->done());
}

TEST(SessionRequestTable, ClassifiesIbCodes) {
  EXPECT_EQ(classify_error(error(-1, 2104, "")), ErrorClass::kNotice);
  EXPECT_EQ(classify_error(error(-1, 2106, "")), ErrorClass::kNotice);
  EXPECT_EQ(classify_error(error(-1, 2158, "")), ErrorClass::kNotice);
  EXPECT_EQ(classify_error(error(-1, 2107, "")), ErrorClass::kNotice);
  EXPECT_EQ(classify_error(error(-1, 2108, "")), ErrorClass::kNotice);
  for (int code : {1100, 1101, 1102, 1300, 2110})
    EXPECT_EQ(classify_error(error(-1, code, "")), ErrorClass::kConnectivity) << code;
  EXPECT_EQ(classify_error(error(-1, 326, "")), ErrorClass::kClientIdInUse);
  EXPECT_EQ(classify_error(error(3, 200, "")), ErrorClass::kRequest);
  EXPECT_EQ(classify_error(error(-1, 100, "")), ErrorClass::kRequest);
  EXPECT_EQ(classify_error(error(-1, 504, "")), ErrorClass::kRequest);
}

TEST(SessionRequestTable, FailAllFailsEveryRequestAndEmptiesTheTable) {
  RequestTable t;
  Signals s;
  std::vector<std::shared_ptr<PendingRequest>> all;
  for (auto k :
       {RequestKind::kPositions, RequestKind::kAccountSummary, RequestKind::kExecutions,
        RequestKind::kAllOpenOrders, RequestKind::kContractDetails, RequestKind::kCurrentTime}) {
    all.push_back(t.add(k));
    s.watch(*all.back());
  }
  t.fail_all(GatewayError(Kind::kConnectionLost, "connection lost"));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(s.count, 6);
  for (auto& r : all) {
    ASSERT_TRUE(r->done());
    ASSERT_TRUE(r->error);
    EXPECT_EQ(r->error->kind, Kind::kConnectionLost);
    EXPECT_STREQ(r->error->what(), "connection lost");
  }
}

TEST(SessionRequestTable, RequestIdsAreUniqueAndOnlyForKindsThatCarryThem) {
  RequestTable t;
  std::set<int> ids;
  for (int i = 0; i < 50; ++i) ids.insert(t.add(RequestKind::kContractDetails)->req_id);
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(ids.count(-1), 0u);
  EXPECT_EQ(t.add(RequestKind::kCurrentTime)->req_id, -1);
  EXPECT_EQ(t.add(RequestKind::kAllOpenOrders)->req_id, -1);
}

// Persistent sessions: a job that ends with requests on the wire leaves orphans for the id-less
// ones, which swallow the rest of their answer; id requests are forgotten (late answers match
// nothing) and account summaries come back for a cancel.
TEST(SessionRequestTable, AbandonedRequestsNeverReachTheNextJob) {
  RequestTable t;
  auto positions = t.add(RequestKind::kPositions);
  auto summary = t.add(RequestKind::kAccountSummary);
  auto fills = t.add(RequestKind::kExecutions);
  ASSERT_TRUE(t.dispatch(PositionMsg{position("DU1", "AAPL", 1)}));
  auto now = std::chrono::steady_clock::now();
  auto cancels = t.abandon_all(GatewayError(Kind::kCancelled, "job ended"), now);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].spec->kind, RequestKind::kAccountSummary);
  EXPECT_EQ(cancels[0].req_id, summary->req_id);
  for (auto& r : {positions, summary, fills}) {
    EXPECT_TRUE(r->done());
    ASSERT_TRUE(r->error);
    EXPECT_EQ(r->error->kind, Kind::kCancelled);
  }
  EXPECT_EQ(t.size(), 1u);  // the positions orphan
  EXPECT_EQ(t.oldest_orphan(), now);
  EXPECT_EQ(t.find_joinable(RequestKind::kPositions), nullptr);

  // The next job's request waits for the orphan (the session does that); the orphan takes the
  // rest of the old answer and keeps none of it.
  EXPECT_TRUE(t.dispatch(PositionMsg{position("DU1", "MSFT", 2)}));
  EXPECT_TRUE(t.dispatch(PositionEnd{}));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.oldest_orphan());
  // Late answers to the forgotten id requests match nothing.
  EXPECT_FALSE(t.dispatch(AccountSummaryEnd{summary->req_id}));
  EXPECT_FALSE(t.dispatch(ExecDetailsEnd{fills->req_id}));

  auto next = t.add(RequestKind::kPositions);
  ASSERT_TRUE(t.dispatch(PositionMsg{position("DU1", "IBM", 3)}));
  ASSERT_TRUE(t.dispatch(PositionEnd{}));
  ASSERT_TRUE(next->done());
  ASSERT_EQ(next->positions.size(), 1u);
  EXPECT_EQ(next->positions[0].contract.symbol, "IBM");
}

// Issue 7 defect 8: a gateway that answers without end fails the request at the bound, and the
// rest of that answer is swallowed (stored nowhere).
TEST(SessionRequestTable, AnswersPastTheRowOrByteBoundFailTheRequest) {
  RequestTable t;
  t.set_limits(3, 1 << 20);
  auto r = t.add(RequestKind::kPositions);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(t.dispatch(PositionMsg{position("DU1", "A", i)}, 10));
  EXPECT_FALSE(r->done());
  ASSERT_TRUE(t.dispatch(PositionMsg{position("DU1", "A", 4)}, 10));
  ASSERT_TRUE(r->done());
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->kind, Kind::kTooLarge);
  EXPECT_NE(std::string(r->error->what()).find("3 rows"), std::string::npos) << r->error->what();
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(t.dispatch(PositionMsg{position("DU1", "A", i)}, 10));
  EXPECT_EQ(t.size(), 1u);  // just the orphan, holding nothing
  EXPECT_EQ(t.find_active(RequestKind::kPositions)->positions.size(), 0u);

  t.set_limits(1000, 100);
  auto s = t.add(RequestKind::kAccountSummary);
  AccountSummaryMsg row;
  row.req_id = s->req_id;
  ASSERT_TRUE(t.dispatch(row, 60));
  EXPECT_FALSE(s->done());
  ASSERT_TRUE(t.dispatch(row, 60));
  ASSERT_TRUE(s->done());
  EXPECT_EQ(s->error->kind, Kind::kTooLarge);
  EXPECT_FALSE(t.dispatch(row, 60));  // later rows of that id match nothing
}

}  // namespace
}  // namespace intentq::gw
