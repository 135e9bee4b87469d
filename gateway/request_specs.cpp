#include "gateway/request_specs.hpp"

#include <algorithm>
#include <array>

#include "gateway/messages.hpp"

namespace intentq::gw {
namespace {

std::string cancel_positions(int sv, int /*req_id*/) {
  return encode_cancel_positions(sv);
}

// One line per IB request kind. Costs: the request, plus the cancel a subscription is sent once
// its answer ends (docs/gateway.md, "Message cost per job").
const std::array<RequestSpec, 7> kSpecs{{
    {RequestKind::kPositions, "positions", "positions", msg_id::kReqPositions, "reqPositions",
     "position*, positionEnd", Ending::kEndMarker, false, msg_id::kCancelPositions,
     "cancelPositions", true, 2, PacingClass::kGeneral, Sharing::kJoin, false, cancel_positions},
    {RequestKind::kAccountSummary, "account summary", "account_summary", msg_id::kReqAccountSummary,
     "reqAccountSummary", "accountSummary*, accountSummaryEnd", Ending::kEndMarker, true,
     msg_id::kCancelAccountSummary, "cancelAccountSummary", true, 2, PacingClass::kGeneral,
     Sharing::kOwn, false, encode_cancel_account_summary},
    {RequestKind::kExecutions, "executions", "executions", msg_id::kReqExecutions, "reqExecutions",
     "execDetails*, commissionReport*, execDetailsEnd", Ending::kEndMarker, true, 0, "", false, 1,
     PacingClass::kGeneral, Sharing::kOwn, true, nullptr},
    {RequestKind::kAllOpenOrders, "all open orders", "open_orders", msg_id::kReqAllOpenOrders,
     "reqAllOpenOrders", "openOrder*, orderStatus*, openOrderEnd", Ending::kEndMarker, false, 0, "",
     false, 1, PacingClass::kGeneral, Sharing::kOneGroup, false, nullptr},
    {RequestKind::kOpenOrders, "open orders", "open_orders", msg_id::kReqOpenOrders,
     "reqOpenOrders", "openOrder*, orderStatus*, openOrderEnd", Ending::kEndMarker, false, 0, "",
     false, 1, PacingClass::kGeneral, Sharing::kOneGroup, false, nullptr},
    {RequestKind::kContractDetails, "contract details", "contract_details",
     msg_id::kReqContractData, "reqContractDetails", "contractData*, contractDataEnd",
     Ending::kEndMarker, true, 0, "", false, 1, PacingClass::kGeneral, Sharing::kOwn, false,
     nullptr},
    {RequestKind::kCurrentTime, "current time", "current_time", msg_id::kReqCurrentTime,
     "reqCurrentTime", "currentTime", Ending::kSingleAnswer, false, 0, "", false, 1,
     PacingClass::kGeneral, Sharing::kOwn, false, nullptr},
}};

// The table is indexed by kind: a spec out of place is a programming error caught at compile time.
constexpr bool in_kind_order() {
  constexpr RequestKind order[] = {RequestKind::kPositions,  RequestKind::kAccountSummary,
                                   RequestKind::kExecutions, RequestKind::kAllOpenOrders,
                                   RequestKind::kOpenOrders, RequestKind::kContractDetails,
                                   RequestKind::kCurrentTime};
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
