#include "gateway/request_specs.hpp"

#include <algorithm>
#include <array>

#include "common/enum_names.hpp"

#include "gateway/messages.hpp"

namespace intentq::gw {
namespace {

std::string cancel_positions(int sv, int /*req_id*/) {
  return encode_cancel_positions(sv);
}

// Builds one spec from what sets its kind apart. What is not said keeps the common value: no
// request id, no cancel, general pacing, every call sends its own request. The cost is derived:
// the request, plus the cancel a subscription is sent once its answer ends (docs/gateway.md,
// "Message cost per job"), plus any extra message the request may need.
class Spec {
 public:
  Spec(RequestKind kind, std::string_view name, std::string_view family, int message_id,
       std::string_view message) {
    s_.kind = kind;
    s_.name = name;
    s_.family = family;
    s_.message_id = message_id;
    s_.message = message;
    s_.cost = 1;
  }
  // The answer: its messages for docs and logs, its row ids, and the message that ends it.
  Spec& answer(std::string_view answers, std::array<int, 6> rows, int end_id,
               Ending ending = Ending::kEndMarker) {
    s_.answers = answers;
    s_.row_ids = rows;
    s_.end_id = end_id;
    s_.ending = ending;
    return *this;
  }
  Spec& with_request_id() {
    s_.has_request_id = true;
    return *this;
  }
  Spec& cancel(int id, std::string_view message, std::string (*encode)(int, int), bool after_end) {
    s_.cancel_id = id;
    s_.cancel_message = message;
    s_.encode_cancel = encode;
    s_.cancel_after_end = after_end;
    if (after_end) ++s_.cost;
    return *this;
  }
  Spec& extra_message() {
    ++s_.cost;
    return *this;
  }
  Spec& pacing(PacingClass p) {
    s_.pacing = p;
    return *this;
  }
  Spec& sharing(Sharing sh) {
    s_.sharing = sh;
    return *this;
  }
  Spec& late_commissions() {
    s_.late_commissions = true;
    return *this;
  }
  Spec& row_ends_answer_below_sv(int sv) {
    s_.row_ends_answer_below_sv = sv;
    return *this;
  }
  operator RequestSpec() const { return s_; }  // NOLINT: the table is written in Specs

 private:
  RequestSpec s_{};
};

using enum RequestKind;
namespace m = msg_id;

// One entry per IB request kind, in RequestKind order.
const std::array<RequestSpec, 10> kSpecs{{
    Spec(kPositions, "positions", "positions", m::kReqPositions, "reqPositions")
        .answer("position*, positionEnd", {m::kPositionData}, m::kPositionEnd)
        .cancel(m::kCancelPositions, "cancelPositions", cancel_positions, true)
        .sharing(Sharing::kJoin),
    Spec(kAccountSummary, "account summary", "account_summary", m::kReqAccountSummary,
         "reqAccountSummary")
        .answer("accountSummary*, accountSummaryEnd", {m::kAccountSummary}, m::kAccountSummaryEnd)
        .with_request_id()
        .cancel(m::kCancelAccountSummary, "cancelAccountSummary", encode_cancel_account_summary,
                true),
    // Commission reports join their execution by exec_id, and may follow the end marker.
    Spec(kExecutions, "executions", "executions", m::kReqExecutions, "reqExecutions")
        .answer("execDetails*, commissionReport*, execDetailsEnd", {m::kExecutionData},
                m::kExecutionDataEnd)
        .with_request_id()
        .late_commissions(),
    Spec(kAllOpenOrders, "all open orders", "open_orders", m::kReqAllOpenOrders, "reqAllOpenOrders")
        .answer("openOrder*, orderStatus*, openOrderEnd", {m::kOpenOrder, m::kOrderStatus},
                m::kOpenOrderEnd)
        .sharing(Sharing::kOneGroup),
    Spec(kOpenOrders, "open orders", "open_orders", m::kReqOpenOrders, "reqOpenOrders")
        .answer("openOrder*, orderStatus*, openOrderEnd", {m::kOpenOrder, m::kOrderStatus},
                m::kOpenOrderEnd)
        .sharing(Sharing::kOneGroup),
    Spec(kContractDetails, "contract details", "contract_details", m::kReqContractData,
         "reqContractDetails")
        .answer("contractData*, contractDataEnd", {m::kContractData}, m::kContractDataEnd)
        .with_request_id(),
    // Answers complete the oldest first.
    Spec(kCurrentTime, "current time", "current_time", m::kReqCurrentTime, "reqCurrentTime")
        .answer("currentTime", {}, m::kCurrentTime, Ending::kSingleAnswer),
    // Historical bars: rows in HISTORICAL_DATA; below sv 196 that one message is the whole answer
    // (it carries the range), from 196 HISTORICAL_DATA_END ends it. No cancel once complete; an
    // abandoned request is cancelled (cancelHistoricalData) so IB stops and frees its slot.
    Spec(kHistoricalData, "historical data", "historical_data", m::kReqHistoricalData,
         "reqHistoricalData")
        .answer("historicalData (+ historicalDataEnd from sv 196)", {m::kHistoricalData},
                m::kHistoricalDataEnd)
        .with_request_id()
        .cancel(m::kCancelHistoricalData, "cancelHistoricalData", encode_cancel_historical_data,
                false)
        .pacing(PacingClass::kHistorical)
        .row_ends_answer_below_sv(196),
    // Head timestamp: one answer, ALWAYS followed by cancelHeadTimestamp (IB counts an
    // uncancelled one as an open historical request).
    Spec(kHeadTimestamp, "head timestamp", "head_timestamp", m::kReqHeadTimestamp,
         "reqHeadTimestamp")
        .answer("headTimestamp", {}, m::kHeadTimestamp, Ending::kSingleAnswer)
        .with_request_id()
        .cancel(m::kCancelHeadTimestamp, "cancelHeadTimestamp", encode_cancel_head_timestamp, true)
        .pacing(PacingClass::kHistorical),
    // Quote snapshot (reqMktData with snapshot=1): ends itself at tickSnapshotEnd; cancelMktData
    // only for an abandoned one. The extra message: reqMarketDataType, when the job needs another
    // type than the connection has.
    Spec(kMarketDataSnapshot, "market data snapshot", "market_data_snapshot", m::kReqMktData,
         "reqMktData")
        .answer("tickReqParams, marketDataType, tickPrice*, tickSize*, tickGeneric*, tickString*, "
                "tickSnapshotEnd",
                {m::kTickReqParams, m::kMarketDataType, m::kTickPrice, m::kTickSize,
                 m::kTickGeneric, m::kTickString},
                m::kTickSnapshotEnd)
        .with_request_id()
        .cancel(m::kCancelMktData, "cancelMktData", encode_cancel_mkt_data, false)
        .extra_message(),
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

// In declaration order.
constexpr std::string_view kEndingNames[] = {"end marker", "single answer", "none"};
static_assert(std::size(kEndingNames) == enum_count(Ending::kNone));

std::string_view to_string(Ending e) {
  return name_of(kEndingNames, e);
}

}  // namespace intentq::gw
