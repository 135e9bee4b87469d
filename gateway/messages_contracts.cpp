// Contract messages: reqContractDetails, contractData, contractDataEnd.
#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

constexpr int kFundFieldStrings1 = 7;  // fundName .. fundManagementFee
constexpr int kFundFieldBools = 3;     // fundClosed, ...ForNewInvestors, ...ForNewMoney
constexpr int kFundFieldStrings2 = 7;  // fundNotifyAmount .. fundAssetType

template <class V>
void req_contract_details_fields(V& v, ReqContractDetails& m) {
  Contract& c = m.contract;
  v.version(8);
  v.i32(m.req_id);
  request_contract(v, c, Fmt::kShort);
  v.boolean(c.include_expired);
  v.strs(c.sec_id_type, c.sec_id);
  if (v.sv() >= kMinSvBondIssuerId) v.str(c.issuer_id);
}

template <class V>
void contract_data_fields(V& v, ContractDataMsg& m) {
  ContractDetails& d = m.details;
  Contract& c = d.contract;
  v.i32(m.req_id);
  v.strs(c.symbol, c.sec_type, c.last_trade_date);
  if (v.sv() >= kMinSvLastTradeDate) v.str(d.last_trade_date);
  strike(v, c.strike, Fmt::kShort);  // a live sv-200 capture prints "0" here
  right(v, c.right, "");
  v.strs(c.exchange, c.currency, c.local_symbol, d.market_name, c.trading_class);
  v.i64(c.con_id);
  v.opt_dbl(d.min_tick);
  v.strs(c.multiplier, d.order_types, d.valid_exchanges);
  v.i32(d.price_magnifier);
  v.i64(d.under_con_id);
  v.text(d.long_name);  // non-ASCII arrives as \uXXXX (sv >= 153)
  v.strs(c.primary_exchange, d.contract_month, d.industry, d.category, d.subcategory,
         d.time_zone_id, d.trading_hours, d.liquid_hours, d.ev_rule);
  v.opt_dbl(d.ev_multiplier);
  tag_values(v, d.sec_id_list);
  v.i32(d.agg_group);
  v.strs(d.under_symbol, d.under_sec_type, d.market_rule_ids, d.real_expiration_date, d.stock_type);
  v.opt_decimal(d.min_size);
  v.opt_decimal(d.size_increment);
  v.opt_decimal(d.suggested_size_increment);
  if (v.sv() >= kMinSvFundDataFields && c.sec_type == "FUND") {
    // Fund details are read past (the model does not keep them) and written empty.
    std::string s;
    bool b = false;
    for (int i = 0; i < kFundFieldStrings1; ++i) v.str(s);
    for (int i = 0; i < kFundFieldBools; ++i) v.boolean(b);
    for (int i = 0; i < kFundFieldStrings2; ++i) v.str(s);
  }
  if (v.sv() >= kMinSvIneligibilityReasons) tag_values(v, d.ineligibility_reasons);
}

}  // namespace

ReqContractDetails decode_req_contract_details(int sv, FieldReader& r) {
  return decode_with<ReqContractDetails>(sv, r, req_contract_details_fields<Reader>);
}

ContractDataMsg decode_contract_data(int sv, FieldReader& r) {
  return decode_with<ContractDataMsg>(sv, r, contract_data_fields<Reader>);
}

}  // namespace detail

std::string encode_req_contract_details(int sv, int req_id, const Contract& contract) {
  return detail::encode_with(sv, msg_id::kReqContractData, ReqContractDetails{req_id, contract},
                             detail::req_contract_details_fields<detail::Writer>);
}

std::string encode_contract_data(int sv, int req_id, const ContractDetails& d) {
  return detail::encode_with(sv, msg_id::kContractData, ContractDataMsg{req_id, d},
                             detail::contract_data_fields<detail::Writer>);
}

std::string encode_contract_data_end(int sv, int req_id) {
  return detail::version_and_req_id(sv, msg_id::kContractDataEnd, req_id);
}

}  // namespace intentq::gw
