#include "gateway/request_specs.hpp"

#include <algorithm>
#include <array>

#include "gateway/messages.hpp"

namespace intentq::gw {
namespace {

std::string cancel_positions(int sv, int /*req_id*/) {
  return encode_cancel_positions(sv);
}

// One entry per IB request kind. Costs: the request, plus the cancel a subscription is sent once
// its answer ends (docs/gateway.md, "Message cost per job").
const std::array<RequestSpec, 10> kSpecs{{
    {.kind = RequestKind::kPositions,
     .name = "positions",
     .family = "positions",
     .message_id = msg_id::kReqPositions,
     .message = "reqPositions",
     .answers = "position*, positionEnd",
     .row_ids = {msg_id::kPositionData, 0},
     .end_id = msg_id::kPositionEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = false,
     .cancel_id = msg_id::kCancelPositions,
     .cancel_message = "cancelPositions",
     .cancel_after_end = true,
     .cost = 2,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kJoin,
     .late_commissions = false,
     .encode_cancel = cancel_positions},
    {.kind = RequestKind::kAccountSummary,
     .name = "account summary",
     .family = "account_summary",
     .message_id = msg_id::kReqAccountSummary,
     .message = "reqAccountSummary",
     .answers = "accountSummary*, accountSummaryEnd",
     .row_ids = {msg_id::kAccountSummary, 0},
     .end_id = msg_id::kAccountSummaryEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = true,
     .cancel_id = msg_id::kCancelAccountSummary,
     .cancel_message = "cancelAccountSummary",
     .cancel_after_end = true,
     .cost = 2,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOwn,
     .late_commissions = false,
     .encode_cancel = encode_cancel_account_summary},
    {.kind = RequestKind::kExecutions,
     .name = "executions",
     .family = "executions",
     .message_id = msg_id::kReqExecutions,
     .message = "reqExecutions",
     .answers = "execDetails*, commissionReport*, execDetailsEnd",
     .row_ids = {msg_id::kExecutionData, 0},  // commission reports join by exec_id
     .end_id = msg_id::kExecutionDataEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = true,
     .cancel_id = 0,
     .cancel_message = "",
     .cancel_after_end = false,
     .cost = 1,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOwn,
     .late_commissions = true,
     .encode_cancel = nullptr},
    {.kind = RequestKind::kAllOpenOrders,
     .name = "all open orders",
     .family = "open_orders",
     .message_id = msg_id::kReqAllOpenOrders,
     .message = "reqAllOpenOrders",
     .answers = "openOrder*, orderStatus*, openOrderEnd",
     .row_ids = {msg_id::kOpenOrder, msg_id::kOrderStatus},
     .end_id = msg_id::kOpenOrderEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = false,
     .cancel_id = 0,
     .cancel_message = "",
     .cancel_after_end = false,
     .cost = 1,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOneGroup,
     .late_commissions = false,
     .encode_cancel = nullptr},
    {.kind = RequestKind::kOpenOrders,
     .name = "open orders",
     .family = "open_orders",
     .message_id = msg_id::kReqOpenOrders,
     .message = "reqOpenOrders",
     .answers = "openOrder*, orderStatus*, openOrderEnd",
     .row_ids = {msg_id::kOpenOrder, msg_id::kOrderStatus},
     .end_id = msg_id::kOpenOrderEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = false,
     .cancel_id = 0,
     .cancel_message = "",
     .cancel_after_end = false,
     .cost = 1,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOneGroup,
     .late_commissions = false,
     .encode_cancel = nullptr},
    {.kind = RequestKind::kContractDetails,
     .name = "contract details",
     .family = "contract_details",
     .message_id = msg_id::kReqContractData,
     .message = "reqContractDetails",
     .answers = "contractData*, contractDataEnd",
     .row_ids = {msg_id::kContractData, 0},
     .end_id = msg_id::kContractDataEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = true,
     .cancel_id = 0,
     .cancel_message = "",
     .cancel_after_end = false,
     .cost = 1,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOwn,
     .late_commissions = false,
     .encode_cancel = nullptr},
    {.kind = RequestKind::kCurrentTime,
     .name = "current time",
     .family = "current_time",
     .message_id = msg_id::kReqCurrentTime,
     .message = "reqCurrentTime",
     .answers = "currentTime",
     .row_ids = {0, 0},
     .end_id = msg_id::kCurrentTime,
     .ending = Ending::kSingleAnswer,
     .has_request_id = false,
     .cancel_id = 0,
     .cancel_message = "",
     .cancel_after_end = false,
     .cost = 1,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOwn,  // answers complete the oldest first
     .late_commissions = false,
     .encode_cancel = nullptr},
    // Historical bars: rows in HISTORICAL_DATA; below sv 196 that one message is the whole answer
    // (it carries the range), from 196 HISTORICAL_DATA_END ends it. No cancel once complete; an
    // abandoned request is cancelled (cancelHistoricalData) so IB stops and frees its slot.
    {.kind = RequestKind::kHistoricalData,
     .name = "historical data",
     .family = "historical_data",
     .message_id = msg_id::kReqHistoricalData,
     .message = "reqHistoricalData",
     .answers = "historicalData (+ historicalDataEnd from sv 196)",
     .row_ids = {msg_id::kHistoricalData},
     .end_id = msg_id::kHistoricalDataEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = true,
     .cancel_id = msg_id::kCancelHistoricalData,
     .cancel_message = "cancelHistoricalData",
     .cancel_after_end = false,
     .cost = 1,
     .pacing = PacingClass::kHistorical,
     .sharing = Sharing::kOwn,
     .late_commissions = false,
     .encode_cancel = encode_cancel_historical_data,
     .row_ends_answer_below_sv = 196},
    // Head timestamp: one answer, ALWAYS followed by cancelHeadTimestamp (IB counts an
    // uncancelled one as an open historical request).
    {.kind = RequestKind::kHeadTimestamp,
     .name = "head timestamp",
     .family = "head_timestamp",
     .message_id = msg_id::kReqHeadTimestamp,
     .message = "reqHeadTimestamp",
     .answers = "headTimestamp",
     .row_ids = {},
     .end_id = msg_id::kHeadTimestamp,
     .ending = Ending::kSingleAnswer,
     .has_request_id = true,
     .cancel_id = msg_id::kCancelHeadTimestamp,
     .cancel_message = "cancelHeadTimestamp",
     .cancel_after_end = true,
     .cost = 2,
     .pacing = PacingClass::kHistorical,
     .sharing = Sharing::kOwn,
     .late_commissions = false,
     .encode_cancel = encode_cancel_head_timestamp},
    // Quote snapshot (reqMktData with snapshot=1): ends itself at tickSnapshotEnd; cancelMktData
    // only for an abandoned one. Cost 2: reqMktData, and reqMarketDataType when the job needs
    // another type than the connection has.
    {.kind = RequestKind::kMarketDataSnapshot,
     .name = "market data snapshot",
     .family = "market_data_snapshot",
     .message_id = msg_id::kReqMktData,
     .message = "reqMktData",
     .answers = "tickReqParams, marketDataType, tickPrice*, tickSize*, tickGeneric*, tickString*, "
                "tickSnapshotEnd",
     .row_ids = {msg_id::kTickReqParams, msg_id::kMarketDataType, msg_id::kTickPrice,
                 msg_id::kTickSize, msg_id::kTickGeneric, msg_id::kTickString},
     .end_id = msg_id::kTickSnapshotEnd,
     .ending = Ending::kEndMarker,
     .has_request_id = true,
     .cancel_id = msg_id::kCancelMktData,
     .cancel_message = "cancelMktData",
     .cancel_after_end = false,
     .cost = 2,
     .pacing = PacingClass::kGeneral,
     .sharing = Sharing::kOwn,
     .late_commissions = false,
     .encode_cancel = encode_cancel_mkt_data},
}};

// The table is indexed by kind: a spec out of place is a programming error caught at compile time.
constexpr bool in_kind_order() {
  constexpr RequestKind order[] = {RequestKind::kPositions,     RequestKind::kAccountSummary,
                                   RequestKind::kExecutions,    RequestKind::kAllOpenOrders,
                                   RequestKind::kOpenOrders,    RequestKind::kContractDetails,
                                   RequestKind::kCurrentTime,   RequestKind::kHistoricalData,
                                   RequestKind::kHeadTimestamp, RequestKind::kMarketDataSnapshot};
  for (size_t i = 0; i < std::size(order); ++i)
    if (static_cast<size_t>(order[i]) != i) return false;
  return true;
}
static_assert(in_kind_order());

}  // namespace

std::span<const RequestSpec> request_specs() {
  return kSpecs;
}

const RequestSpec& spec(RequestKind kind) {
  return kSpecs[static_cast<size_t>(kind)];
}

const RequestSpec* spec_for_message(int message_id) {
  for (const auto& s : kSpecs)
    if (s.message_id == message_id) return &s;
  return nullptr;
}

SpecMessage spec_message(int message_id) {
  if (auto* s = spec_for_message(message_id)) return {s, false};
  for (const auto& s : kSpecs)
    if (s.cancel_id != 0 && s.cancel_id == message_id) return {&s, true};
  return {};
}

SpecAnswer spec_for_answer(int message_id) {
  if (message_id == 0) return {};
  for (const auto& s : kSpecs) {
    if (s.end_id == message_id) return {&s, true};
    for (int row : s.row_ids)
      if (row == message_id) return {&s, false};
  }
  return {};
}

std::vector<std::string_view> request_families() {
  std::vector<std::string_view> out;
  for (const auto& s : kSpecs)
    if (std::find(out.begin(), out.end(), s.family) == out.end()) out.push_back(s.family);
  return out;
}

std::string_view to_string(RequestKind kind) {
  return spec(kind).name;
}

bool has_request_id(RequestKind kind) {
  return spec(kind).has_request_id;
}

std::string_view to_string(PacingClass c) {
  return c == PacingClass::kHistorical ? "historical" : "general";
}

std::string_view to_string(Ending e) {
  switch (e) {
    case Ending::kEndMarker:
      return "end marker";
    case Ending::kSingleAnswer:
      return "single answer";
    case Ending::kNone:
      return "none";
  }
  return "?";
}

}  // namespace intentq::gw
