// Execution messages: reqExecutions, execDetails, commissionReport, execDetailsEnd.
#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

template <class V>
void req_executions_fields(V& v, ReqExecutions& m) {
  ExecutionFilter& f = m.filter;
  v.version(3);
  v.i32(m.req_id);
  v.i32(f.client_id);
  v.strs(f.account, f.time, f.symbol, f.sec_type, f.exchange, f.side);
  if (v.sv() >= kMinSvParametrizedDaysOfExecutions) {
    // Live-validated clients send the literal 2147483647 for "no lastNDays".
    v.opt_i32(f.last_n_days, Unset::kMaxInt);
    size_t n = v.count(f.specific_dates.size());
    resize_for(v, f.specific_dates, n);
    for (int& d : f.specific_dates) v.i32(d);
  }
}

template <class V>
void exec_details_fields(V& v, ExecDetailsMsg& m) {
  Execution& e = m.execution;
  v.i32(m.req_id);  // -1 for fills that were not asked for
  v.i64(e.order_id);
  short_contract(v, e.contract, Fmt::kJava, "");
  v.strs(e.exec_id, e.time, e.account, e.exchange, e.side);
  v.decimal(e.shares);
  v.dbl(e.price, Fmt::kJava);
  v.i64(e.perm_id);
  v.i32(e.client_id);
  v.i32(e.liquidation);
  v.decimal(e.cum_qty);
  v.dbl(e.avg_price, Fmt::kJava);
  v.strs(e.order_ref, e.ev_rule);
  v.opt_dbl(e.ev_multiplier);
  v.str(e.model_code);
  v.opt_i32(e.last_liquidity);
  if (v.sv() >= kMinSvPendingPriceRevision) v.boolean(e.pending_price_revision);
  if (v.sv() >= kMinSvSubmitter) v.str(e.submitter);
}

template <class V>
void commission_report_fields(V& v, CommissionReport& c) {
  v.version(1);
  v.str(c.exec_id);
  // The gateway writes raw Java doubles here, so an unset value is the literal DBL_MAX.
  v.opt_dbl(c.commission, Unset::kMaxDbl, Fmt::kJava);
  v.str(c.currency);
  v.opt_dbl(c.realized_pnl, Unset::kMaxDbl, Fmt::kJava);
  v.opt_dbl(c.yield, Unset::kMaxDbl, Fmt::kJava);
  v.opt_i32(c.yield_redemption_date);
}

}  // namespace

ReqExecutions decode_req_executions(int sv, FieldReader& r) {
  return decode_with<ReqExecutions>(sv, r, req_executions_fields<Reader>);
}

ExecDetailsMsg decode_exec_details(int sv, FieldReader& r) {
  return decode_with<ExecDetailsMsg>(sv, r, exec_details_fields<Reader>);
}

CommissionReport decode_commission_report(int sv, FieldReader& r) {
  return decode_with<CommissionReport>(sv, r, commission_report_fields<Reader>);
}

}  // namespace detail

std::string encode_req_executions(int sv, int req_id, const ExecutionFilter& filter) {
  return detail::encode_with(sv, msg_id::kReqExecutions, ReqExecutions{req_id, filter},
                             detail::req_executions_fields<detail::Writer>);
}

std::string encode_exec_details(int sv, int req_id, const Execution& e) {
  return detail::encode_with(sv, msg_id::kExecutionData, ExecDetailsMsg{req_id, e},
                             detail::exec_details_fields<detail::Writer>);
}

std::string encode_commission_report(int sv, const CommissionReport& c) {
  return detail::encode_with(sv, msg_id::kCommissionReport, c,
                             detail::commission_report_fields<detail::Writer>);
}

std::string encode_exec_details_end(int sv, int req_id) {
  return detail::version_and_req_id(sv, msg_id::kExecutionDataEnd, req_id);
}

}  // namespace intentq::gw
