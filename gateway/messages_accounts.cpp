// Account messages: reqPositions/position/positionEnd and reqAccountSummary/accountSummary/end.
#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

template <class V>
void position_fields(V& v, Position& p) {
  v.version(3);  // version 3 adds tradingClass and avgCost
  v.str(p.account);
  // Gateways print a position's strike Java-style ("0.0") and leave the right empty.
  short_contract(v, p.contract, Fmt::kJava, "");
  v.decimal(p.position);
  v.opt_dbl(p.avg_cost);
}

template <class V>
void account_summary_fields(V& v, int& req_id, AccountValue& a) {
  v.version(1);
  v.i32(req_id);
  v.strs(a.account, a.tag, a.value, a.currency);
}

template <class V>
void req_account_summary_fields(V& v, ReqAccountSummary& m) {
  v.version(1);
  v.i32(m.req_id);
  v.strs(m.group, m.tags);
}

}  // namespace

PositionMsg decode_position(int sv, FieldReader& r) {
  return PositionMsg{decode_with<Position>(sv, r, position_fields<Reader>)};
}

AccountSummaryMsg decode_account_summary(int sv, FieldReader& r) {
  return decode_with<AccountSummaryMsg>(
      sv, r, [](auto& v, auto& m) { account_summary_fields(v, m.req_id, m.value); });
}

ReqAccountSummary decode_req_account_summary(int sv, FieldReader& r) {
  return decode_with<ReqAccountSummary>(sv, r, req_account_summary_fields<Reader>);
}

}  // namespace detail

using detail::version_and_req_id;
using detail::version_only;

std::string encode_req_positions(int sv) {
  return version_only(sv, msg_id::kReqPositions);
}
std::string encode_cancel_positions(int sv) {
  return version_only(sv, msg_id::kCancelPositions);
}

std::string encode_req_account_summary(int sv, int req_id, std::string_view group,
                                       std::string_view tags) {
  return detail::encode_with(sv, msg_id::kReqAccountSummary,
                             ReqAccountSummary{req_id, std::string(group), std::string(tags)},
                             detail::req_account_summary_fields<detail::Writer>);
}

std::string encode_cancel_account_summary(int sv, int req_id) {
  return version_and_req_id(sv, msg_id::kCancelAccountSummary, req_id);
}

std::string encode_position(int sv, const Position& p) {
  return detail::encode_with(sv, msg_id::kPositionData, p, detail::position_fields<detail::Writer>);
}

std::string encode_position_end(int sv) {
  return version_only(sv, msg_id::kPositionEnd);
}

std::string encode_account_summary(int sv, int req_id, const AccountValue& a) {
  return detail::encode_with(
      sv, msg_id::kAccountSummary, AccountSummaryMsg{req_id, a},
      [](auto& v, auto& m) { detail::account_summary_fields(v, m.req_id, m.value); });
}

std::string encode_account_summary_end(int sv, int req_id) {
  return version_and_req_id(sv, msg_id::kAccountSummaryEnd, req_id);
}

}  // namespace intentq::gw
