// The market-data requests without a network: their specs, how the request table assembles their
// answers (both HISTORICAL_DATA layouts, head timestamp, snapshot ticks), what IB's error codes do
// to them (gateway/ib_errors.hpp), their cancels, and their bounds.
#include <gtest/gtest.h>

#include <string>

#include "gateway/ib_errors.hpp"
#include "gateway/messages.hpp"
#include "gateway/request_table.hpp"
#include "gateway/requests.hpp"
#include "gateway/session_core.hpp"
#include "gateway/wire.hpp"
#include "tests/unit/gateway_test_util.hpp"

namespace intentq::gw {
namespace {

using Kind = GatewayError::Kind;

using test::error;

std::vector<Bar> bars(int n, int from = 0) {
  std::vector<Bar> out;
  for (int i = 0; i < n; ++i)
    out.push_back({std::to_string(1733925600 + 60 * (from + i)), 1.0 + i, 2.0 + i, 0.5 + i, 1.5 + i,
                   "100", "1.25", 7});
  return out;
}

// ---- Specs ----

TEST(MarketDataSpecs, KindsCostsAndPacing) {
  const auto& h = spec(RequestKind::kHistoricalData);
  EXPECT_EQ(h.message_id, msg_id::kReqHistoricalData);
  EXPECT_EQ(h.cancel_id, msg_id::kCancelHistoricalData);
  EXPECT_EQ(h.pacing, PacingClass::kHistorical);
  EXPECT_EQ(h.cost, 1);
  EXPECT_FALSE(h.cancel_after_end);
  EXPECT_EQ(h.row_ends_answer_below_sv, 196);
  EXPECT_EQ(h.encode_cancel(200, 4), encode_cancel_historical_data(200, 4));

  const auto& t = spec(RequestKind::kHeadTimestamp);
  EXPECT_EQ(t.pacing, PacingClass::kHistorical);
  EXPECT_EQ(t.ending, Ending::kSingleAnswer);
  EXPECT_TRUE(t.cancel_after_end) << "IB counts an uncancelled head timestamp as open";
  EXPECT_EQ(t.cost, 2);
  EXPECT_EQ(t.encode_cancel(200, 4), encode_cancel_head_timestamp(200, 4));

  const auto& s = spec(RequestKind::kMarketDataSnapshot);
  EXPECT_EQ(s.pacing, PacingClass::kGeneral);
  EXPECT_EQ(s.end_id, msg_id::kTickSnapshotEnd);
  EXPECT_FALSE(s.cancel_after_end) << "a snapshot ends itself";
  EXPECT_EQ(s.encode_cancel(200, 4), encode_cancel_mkt_data(200, 4));
  for (int id : {msg_id::kTickPrice, msg_id::kTickSize, msg_id::kTickGeneric, msg_id::kTickString,
                 msg_id::kMarketDataType, msg_id::kTickReqParams})
    EXPECT_EQ(spec_for_answer(id).spec, &s) << id;
  // In-id 90 (historicalDataUpdate) is routed nowhere; out-id 90 is head timestamp's cancel.
  EXPECT_FALSE(spec_for_answer(msg_id::kHistoricalDataUpdate).spec);
  EXPECT_EQ(spec_message(msg_id::kCancelHeadTimestamp).spec, &t);
  EXPECT_TRUE(spec_message(msg_id::kCancelHeadTimestamp).cancel);
}

TEST(MarketDataSpecs, TypedRequestsEncodeTheirMessages) {
  req::HistoricalData h;
  h.request.contract.symbol = "AAPL";
  EXPECT_EQ(h.encode(200, 3), encode_req_historical_data(200, 3, h.request));
  req::HeadTimestamp t;
  EXPECT_EQ(t.encode(195, 4), encode_req_head_timestamp(195, 4, t.request));
  req::MarketDataSnapshot s;
  s.request.snapshot = false;  // forced on: a stream would never end
  s.request.generic_ticks = "233";
  s.request.options = "x";
  auto m = std::get<ReqMktData>(decode_client_message(200, s.encode(200, 5)));
  EXPECT_TRUE(m.request.snapshot);
  EXPECT_TRUE(m.request.generic_ticks.empty());
  EXPECT_TRUE(m.request.options.empty());
}

// ---- Historical data ----

TEST(MarketDataTable, HistoricalDataBelow196IsOneMessage) {
  RequestTable t;
  auto r = t.add(RequestKind::kHistoricalData);
  // As decoded at sv 195: the range rides inside and the message ends the answer.
  HistoricalDataMsg m{r->req_id, "s", "e", bars(3), true};
  ASSERT_TRUE(t.dispatch(m, 200));
  ASSERT_TRUE(r->done());
  EXPECT_FALSE(r->error);
  auto out = req::HistoricalData::take(*r);
  EXPECT_EQ(out.start, "s");
  EXPECT_EQ(out.end, "e");
  EXPECT_EQ(out.bars, bars(3));
  EXPECT_FALSE(out.no_data);
  EXPECT_TRUE(t.take_completed().empty()) << "a finished historical request is not cancelled";
  EXPECT_EQ(t.size(), 0u);
}

TEST(MarketDataTable, HistoricalDataFrom196EndsAt108) {
  RequestTable t;
  auto a = t.add(RequestKind::kHistoricalData);
  auto b = t.add(RequestKind::kHistoricalData);
  ASSERT_TRUE(t.dispatch(HistoricalDataMsg{b->req_id, "", "", bars(2), false}));
  ASSERT_TRUE(t.dispatch(HistoricalDataMsg{a->req_id, "", "", bars(1), false}));
  EXPECT_FALSE(a->done());
  EXPECT_FALSE(b->done());
  ASSERT_TRUE(t.dispatch(HistoricalDataEnd{b->req_id, "s2", "e2"}));
  ASSERT_TRUE(b->done());
  EXPECT_FALSE(a->done());
  auto out = req::HistoricalData::take(*b);
  EXPECT_EQ(out.bars, bars(2));
  EXPECT_EQ(out.start, "s2");
  EXPECT_EQ(out.end, "e2");
  ASSERT_TRUE(t.dispatch(HistoricalDataEnd{a->req_id, "s1", "e1"}));
  EXPECT_EQ(req::HistoricalData::take(*a).bars.size(), 1u);
  // A late end for a finished request matches nothing.
  EXPECT_FALSE(t.dispatch(HistoricalDataEnd{a->req_id, "s1", "e1"}));
}

TEST(MarketDataTable, NoDataIsAnEmptyAnswerNotAnError) {
  RequestTable t;
  auto r = t.add(RequestKind::kHistoricalData);
  EXPECT_EQ(t.on_error(error(r->req_id, 162,
                             "Historical Market Data Service error message:HMDS query returned "
                             "no data: AAPL@SMART Trades")),
            1u);
  ASSERT_TRUE(r->done());
  EXPECT_FALSE(r->error);
  auto out = req::HistoricalData::take(*r);
  EXPECT_TRUE(out.no_data);
  EXPECT_TRUE(out.bars.empty());
  EXPECT_NE(out.no_data_message.find("no data"), std::string::npos);
}

TEST(MarketDataTable, HistoricalErrorsEndTheRequestWithTheirKind) {
  struct Case {
    int code;
    std::string text;
    Kind kind;
    IbErrorKind ib;
  };
  const Case cases[] = {
      {162, "Historical Market Data Service error message:Historical data request pacing violation",
       Kind::kPacing, IbErrorKind::kHistoricalPacing},
      {322, "Only 50 simultaneous API historical data requests allowed.", Kind::kPacing,
       IbErrorKind::kTooManyRequests},
      {162, "Historical Market Data Service error message:No market data permissions for NYSE STK",
       Kind::kIb, IbErrorKind::kNoMarketDataPermission},
      {162, "Historical Market Data Service error message:invalid step: 1800", Kind::kIb,
       IbErrorKind::kInvalidStep},
      {162, "Fehlermeldung des historischen Marktdatendienstes", Kind::kIb,
       IbErrorKind::kHistoricalError},
      {321, "Error validating request.-'bW' : cause - Historical data bar size setting is invalid.",
       Kind::kIb, IbErrorKind::kInvalidRequest},
      {200, "No security definition has been found for the request", Kind::kIb,
       IbErrorKind::kNoSecurityDefinition},
      {166, "HMDS Expired Contract Violation:contract can not expire.", Kind::kIb,
       IbErrorKind::kExpiredContract},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    RequestTable t;
    auto r = t.add(RequestKind::kHistoricalData);
    ASSERT_EQ(t.on_error(error(r->req_id, c.code, c.text)), 1u);
    ASSERT_TRUE(r->done());
    ASSERT_TRUE(r->error);
    EXPECT_EQ(r->error->kind, c.kind);
    EXPECT_EQ(r->error->ib_code, c.code);
    EXPECT_EQ(classify_ib_error(r->error->ib_code, c.text).kind, c.ib);
    EXPECT_TRUE(t.take_completed().empty()) << "IB ended it: no cancel";
  }
}

TEST(MarketDataTable, AbandonedHistoricalAndSnapshotRequestsAreCancelled) {
  RequestTable t;
  auto h = t.add(RequestKind::kHistoricalData);
  auto s = t.add(RequestKind::kMarketDataSnapshot);
  auto ts = t.add(RequestKind::kHeadTimestamp);
  ASSERT_TRUE(t.dispatch(HistoricalDataMsg{h->req_id, "", "", bars(2), false}));
  ASSERT_TRUE(t.dispatch(TickPrice{s->req_id, tick::kBid, 10.5, "3", 0}));
  auto cancels =
      t.abandon_all(GatewayError(Kind::kCancelled, "deadline"), std::chrono::steady_clock::now());
  ASSERT_EQ(cancels.size(), 3u);
  EXPECT_EQ(cancels[0].spec->encode_cancel(200, cancels[0].req_id),
            encode_cancel_historical_data(200, h->req_id));
  EXPECT_EQ(cancels[1].spec->encode_cancel(200, cancels[1].req_id),
            encode_cancel_mkt_data(200, s->req_id));
  EXPECT_EQ(cancels[2].spec->encode_cancel(200, cancels[2].req_id),
            encode_cancel_head_timestamp(200, ts->req_id));
  for (auto& r : {h, s, ts}) {
    ASSERT_TRUE(r->error);
    EXPECT_EQ(r->error->kind, Kind::kCancelled);
  }
  EXPECT_EQ(t.size(), 0u);
  // The rest of the answers and IB's echo of the cancel match nothing.
  EXPECT_FALSE(t.dispatch(HistoricalDataEnd{h->req_id, "s", "e"}));
  EXPECT_FALSE(t.dispatch(TickSnapshotEnd{s->req_id}));
  EXPECT_EQ(t.on_error(error(h->req_id, 162, "API historical data query cancelled: 1")), 0u);
  EXPECT_TRUE(classify_ib_error(162, "API historical data query cancelled: 1").echoes_cancel);
  // Open requests are cancelled on close too.
  RequestTable u;
  auto open = u.add(RequestKind::kHistoricalData);
  auto subs = u.open_subscriptions();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].req_id, open->req_id);
}

TEST(MarketDataTable, EndlessBarsAreCutAtTheBoundAndCancelled) {
  RequestTable t;
  t.set_limits(100, 1 << 20);
  auto r = t.add(RequestKind::kHistoricalData);
  ASSERT_TRUE(t.dispatch(HistoricalDataMsg{r->req_id, "", "", bars(60), false}, 1000));
  EXPECT_FALSE(r->done());
  ASSERT_TRUE(t.dispatch(HistoricalDataMsg{r->req_id, "", "", bars(60, 60), false}, 1000));
  ASSERT_TRUE(r->done());
  ASSERT_TRUE(r->error);
  EXPECT_EQ(r->error->kind, Kind::kTooLarge);
  EXPECT_TRUE(r->historical.bars.size() <= 100u) << "nothing past the bound is kept";
  auto cancels = t.take_completed();
  ASSERT_EQ(cancels.size(), 1u) << "IB is told to stop";
  EXPECT_EQ(cancels[0].spec->kind, RequestKind::kHistoricalData);
  EXPECT_EQ(cancels[0].req_id, r->req_id);
  // The stream goes on: every later message is dropped, nothing grows.
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(t.dispatch(HistoricalDataMsg{r->req_id, "", "", bars(10), false}, 100));
  EXPECT_EQ(t.size(), 0u);
  // The byte bound too, for a snapshot whose ticks never end.
  t.set_limits(1000, 500);
  auto s = t.add(RequestKind::kMarketDataSnapshot);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(t.dispatch(TickSize{s->req_id, 8, "1"}, 100));
  EXPECT_FALSE(s->done());
  ASSERT_TRUE(t.dispatch(TickSize{s->req_id, 8, "1"}, 100));
  ASSERT_TRUE(s->done());
  EXPECT_EQ(s->error->kind, Kind::kTooLarge);
  ASSERT_EQ(t.take_completed().size(), 1u);
}

// ---- Head timestamp ----

TEST(MarketDataTable, HeadTimestampIsOneAnswerThenCancelled) {
  RequestTable t;
  auto r = t.add(RequestKind::kHeadTimestamp);
  ASSERT_TRUE(t.dispatch(HeadTimestampMsg{r->req_id, "345479400"}));
  ASSERT_TRUE(r->done());
  EXPECT_EQ(req::HeadTimestamp::take(*r), "345479400");
  auto cancels = t.take_completed();
  ASSERT_EQ(cancels.size(), 1u) << "always followed by cancelHeadTimestamp";
  EXPECT_EQ(cancels[0].spec->encode_cancel(200, cancels[0].req_id),
            encode_cancel_head_timestamp(200, r->req_id));
}

// ---- Snapshots ----

TEST(MarketDataTable, SnapshotCollectsTicksUntilItsEnd) {
  RequestTable t;
  auto r = t.add(RequestKind::kMarketDataSnapshot);
  auto other = t.add(RequestKind::kMarketDataSnapshot);
  const int id = r->req_id;
  ASSERT_TRUE(t.dispatch(TickReqParams{id, 0.01, "9c0001", 3}));
  ASSERT_TRUE(t.dispatch(MarketDataTypeMsg{id, market_data_type::kLive}));
  ASSERT_TRUE(t.dispatch(TickPrice{id, tick::kBid, 189.25, "300", 1}));
  ASSERT_TRUE(t.dispatch(TickSize{id, tick::kBidSize, "400"}));  // the TICK_SIZE wins
  ASSERT_TRUE(t.dispatch(TickPrice{id, tick::kAsk, 189.3, "200", 0}));
  ASSERT_TRUE(t.dispatch(TickPrice{other->req_id, tick::kAsk, 1, "1", 0}));
  ASSERT_TRUE(t.dispatch(TickSize{id, tick::kVolume, "1234567"}));
  ASSERT_TRUE(t.dispatch(TickString{id, tick::kLastTimestamp, "1733925600"}));
  ASSERT_TRUE(t.dispatch(TickGeneric{id, 49, 0}));
  EXPECT_FALSE(r->done());
  ASSERT_TRUE(t.dispatch(TickSnapshotEnd{id}));
  ASSERT_TRUE(r->done());
  EXPECT_FALSE(r->error);
  EXPECT_FALSE(other->done());
  EXPECT_TRUE(t.take_completed().empty()) << "a snapshot ends itself: no cancel";
  auto s = req::MarketDataSnapshot::take(*r);
  EXPECT_EQ(s.market_data_type, market_data_type::kLive);
  EXPECT_EQ(s.min_tick, 0.01);
  EXPECT_EQ(s.bbo_exchange, "9c0001");
  EXPECT_EQ(s.snapshot_permissions, 3);
  EXPECT_EQ(s.prices.at(tick::kBid), (PriceTick{189.25, "300", 1}));
  EXPECT_EQ(s.sizes.at(tick::kBidSize), "400");
  EXPECT_EQ(s.sizes.at(tick::kAskSize), "200") << "the size riding along the ask price";
  EXPECT_EQ(s.sizes.at(tick::kVolume), "1234567");
  EXPECT_EQ(s.strings.at(tick::kLastTimestamp), "1733925600");
  EXPECT_EQ(s.generics.at(49), 0);
  EXPECT_EQ(s.tick_types, (std::vector<int>{tick::kBid, tick::kBidSize, tick::kAsk, tick::kVolume,
                                            tick::kLastTimestamp, 49}));
  EXPECT_FALSE(s.delayed());
  EXPECT_TRUE(s.warnings.empty());
}

TEST(MarketDataTable, DelayedDataWarningRidesAlongTheSnapshot) {
  RequestTable t;
  auto r = t.add(RequestKind::kMarketDataSnapshot);
  const int id = r->req_id;
  // 10167 is a warning: the request goes on and delayed ticks follow.
  EXPECT_EQ(t.on_error(error(id, 10167,
                             "Requested market data is not subscribed. Displaying delayed market "
                             "data.")),
            1u);
  EXPECT_FALSE(r->done());
  ASSERT_TRUE(t.dispatch(MarketDataTypeMsg{id, market_data_type::kDelayed}));
  ASSERT_TRUE(t.dispatch(TickPrice{id, tick::kDelayedLast, 255.45, "200", 0}));
  ASSERT_TRUE(t.dispatch(TickSize{id, tick::kDelayedVolume, "312894"}));
  ASSERT_TRUE(t.dispatch(TickSnapshotEnd{id}));
  ASSERT_TRUE(r->done());
  EXPECT_FALSE(r->error);
  auto s = req::MarketDataSnapshot::take(*r);
  EXPECT_TRUE(s.delayed());
  EXPECT_EQ(s.market_data_type, market_data_type::kDelayed);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0].code, 10167);
  EXPECT_EQ(s.sizes.at(tick::kDelayedLastSize), "200");
}

TEST(MarketDataTable, NoPermissionEndsTheSnapshot) {
  for (int code : {10168, 10186, 354, 10089, 10197, 200}) {
    SCOPED_TRACE(code);
    RequestTable t;
    auto r = t.add(RequestKind::kMarketDataSnapshot);
    ASSERT_EQ(t.on_error(error(r->req_id, code, "text")), 1u);
    ASSERT_TRUE(r->done());
    ASSERT_TRUE(r->error);
    EXPECT_EQ(r->error->kind, Kind::kIb);
    EXPECT_EQ(r->error->ib_code, code);
  }
}

TEST(MarketDataTable, WarningsPerRequestAreBounded) {
  RequestTable t;
  auto r = t.add(RequestKind::kHistoricalData);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(t.on_error(error(r->req_id, 165, "HMDS query message")), 1u);
  EXPECT_FALSE(r->done());
  EXPECT_EQ(r->warnings.size(), PendingRequest::kMaxWarnings);
}

// ---- Through the session core: bytes in, frames out ----

// A ready session core at `sv` (no socket: the test feeds it frames and reads what it queues).
struct Core {
  explicit Core(int sv) : core(SessionOptions{}) { core.server_version = sv; }
  void feed(const std::string& payload) {
    auto f = frame(payload);
    core.feed(f.data(), f.size());
  }
  // Payloads queued for the gateway, in order.
  std::vector<std::string> sent() {
    std::vector<std::string> out;
    auto now = std::chrono::steady_clock::now();
    while (core.write_due(now)) {
      auto bytes = std::string(core.begin_write(now));
      core.wrote(bytes.size());
      out.push_back(bytes.substr(4));
      now += std::chrono::seconds(1);  // past the pacer
    }
    return out;
  }
  SessionCore core;
};

TEST(MarketDataCore, MarketDataTypeIsSentOnlyWhenItChanges) {
  Core c(200);
  EXPECT_FALSE(c.core.ensure_market_data_type(market_data_type::kLive))
      << "a connection that never set a type is live";
  EXPECT_TRUE(c.sent().empty());
  EXPECT_TRUE(c.core.ensure_market_data_type(market_data_type::kDelayed));
  EXPECT_FALSE(c.core.ensure_market_data_type(market_data_type::kDelayed));
  EXPECT_TRUE(c.core.ensure_market_data_type(market_data_type::kLive));
  EXPECT_FALSE(c.core.ensure_market_data_type(market_data_type::kLive));
  auto sent = c.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], encode_req_market_data_type(200, market_data_type::kDelayed));
  EXPECT_EQ(sent[1], encode_req_market_data_type(200, market_data_type::kLive));
}

TEST(MarketDataCore, BothHistoricalLayoutsCompleteFromTheWire) {
  for (int sv : {176, 195, 196, 200}) {
    SCOPED_TRACE(sv);
    Core c(sv);
    auto r = c.core.table().add(RequestKind::kHistoricalData);
    c.feed(encode_historical_data(sv, {r->req_id, "s", "e", bars(5), false}));
    if (sv >= 196) {
      EXPECT_FALSE(r->done()) << "from 196 the end is a message of its own";
      c.feed(encode_historical_data_end(sv, {r->req_id, "s", "e"}));
    }
    ASSERT_TRUE(r->done());
    EXPECT_FALSE(r->error);
    auto out = req::HistoricalData::take(*r);
    EXPECT_EQ(out.bars, bars(5));
    EXPECT_EQ(out.start, "s");
    EXPECT_EQ(out.end, "e");
    EXPECT_TRUE(c.sent().empty()) << "no cancel for a complete answer";
    EXPECT_FALSE(c.core.failure());
  }
}

TEST(MarketDataCore, HeadTimestampAnswerSendsItsCancel) {
  Core c(200);
  auto r = c.core.table().add(RequestKind::kHeadTimestamp);
  c.feed(encode_head_timestamp(200, {r->req_id, "345479400"}));
  ASSERT_TRUE(r->done());
  auto sent = c.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], encode_cancel_head_timestamp(200, r->req_id));
}

TEST(MarketDataCore, DelayedSnapshotFromTheWire) {
  Core c(200);
  auto r = c.core.table().add(RequestKind::kMarketDataSnapshot);
  ErrorMessage warning;
  warning.id = r->req_id;
  warning.code = 10167;
  warning.message = "Requested market data is not subscribed. Displaying delayed market data.";
  c.feed(encode_error(200, warning));
  c.feed(encode_market_data_type(200, {r->req_id, market_data_type::kDelayed}));
  c.feed(encode_tick_price(200, {r->req_id, tick::kDelayedLast, 255.45, "200", 0}));
  c.feed(encode_tick_size(200, {r->req_id, tick::kDelayedVolume, "312894"}));
  EXPECT_FALSE(r->done());
  c.feed(encode_tick_snapshot_end(200, {r->req_id}));
  ASSERT_TRUE(r->done());
  ASSERT_FALSE(r->error) << r->error->what();
  auto s = req::MarketDataSnapshot::take(*r);
  EXPECT_TRUE(s.delayed());
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0].code, 10167);
  EXPECT_EQ(s.warnings[0].message, warning.message);
  // Abandoning a snapshot mid-answer cancels it.
  auto open = c.core.table().add(RequestKind::kMarketDataSnapshot);
  c.feed(encode_tick_price(200, {open->req_id, tick::kBid, 1.5, "1", 0}));
  c.core.abandon_requests(GatewayError(Kind::kCancelled, "deadline"));
  auto sent = c.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], encode_cancel_mkt_data(200, open->req_id));
  // IB's late ticks and the echo of an unknown cancel change nothing and fail nothing.
  c.feed(encode_tick_snapshot_end(200, {open->req_id}));
  ErrorMessage echo;
  echo.id = open->req_id;
  echo.code = 366;
  echo.message = "No historical data query found for ticker id";
  c.feed(encode_error(200, echo));
  EXPECT_FALSE(c.core.failure());
  EXPECT_EQ(c.core.table().size(), 0u);
}

// ---- The code table ----

TEST(IbErrors, ClassifiesByCode) {
  using S = IbSeverity;
  EXPECT_EQ(classify_ib_error(10167).severity, S::kWarning);
  EXPECT_EQ(classify_ib_error(10167).kind, IbErrorKind::kDelayedDataFollows);
  EXPECT_EQ(classify_ib_error(165).severity, S::kInfo);
  EXPECT_EQ(classify_ib_error(366).severity, S::kInfo);
  EXPECT_TRUE(classify_ib_error(366).echoes_cancel);
  for (int code : {2105, 2106, 2107, 2104, 2158}) {
    EXPECT_EQ(classify_ib_error(code).severity, S::kNotice) << code;
    EXPECT_EQ(classify_ib_error(code).kind, IbErrorKind::kFarmStatus) << code;
  }
  for (int code : {100, 166, 200, 321, 322, 354, 386, 10089, 10168, 10186, 10197})
    EXPECT_EQ(classify_ib_error(code).severity, S::kTerminal) << code;
  EXPECT_EQ(classify_ib_error(504).kind, IbErrorKind::kOther);
  EXPECT_EQ(classify_ib_error(504).severity, S::kTerminal);
  // Texts matter for 162 only.
  EXPECT_EQ(classify_ib_error(200, "pacing violation").kind, IbErrorKind::kNoSecurityDefinition);
  EXPECT_EQ(classify_ib_error(162).kind, IbErrorKind::kHistoricalError);
  EXPECT_EQ(classify_ib_error(162, "HISTORICAL DATA REQUEST PACING VIOLATION").kind,
            IbErrorKind::kHistoricalPacing);
  EXPECT_TRUE(is_pacing(IbErrorKind::kMessageRate));
  EXPECT_TRUE(is_pacing(IbErrorKind::kHistoricalPacing));
  EXPECT_TRUE(is_pacing(IbErrorKind::kTooManyRequests));
  EXPECT_FALSE(is_pacing(IbErrorKind::kHistoricalNoData));
  EXPECT_EQ(to_string(IbErrorKind::kHistoricalNoData), "no_data");
  EXPECT_EQ(to_string(IbSeverity::kWarning), "warning");
  // The session's request errors follow the table: 100 is still kPacing.
  EXPECT_EQ(request_error(error(1, 100, "Max rate of messages per second has been exceeded")).kind,
            Kind::kPacing);
  EXPECT_EQ(request_error(error(1, 200, "No security definition")).kind, Kind::kIb);
}

}  // namespace
}  // namespace intentq::gw
