// Order messages: reqOpenOrders/reqAllOpenOrders, openOrder, orderStatus, openOrderEnd.
//
// openOrder follows the official EOrderDecoder step by step (sv >= 145: no message version, so
// every "version >= N" check of the official decoder is true). open_order_fields() below is the
// single description of the layout; encode and decode both run it.
#include "gateway/messages_orders.hpp"

#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

// Fields that follow the type of each order condition (connector "a"/"o" first).
int condition_field_count(int type) {
  switch (type) {
    case 1:
      return 6;  // price: conj, isMore, conId, exchange, price, triggerMethod
    case 3:
      return 3;  // time: conj, isMore, time
    case 4:
      return 3;  // margin: conj, isMore, percent
    case 5:
      return 4;  // execution: conj, secType, exchange, symbol
    case 6:
      return 5;  // volume: conj, isMore, conId, exchange, volume
    case 7:
      return 5;  // percent change: conj, isMore, conId, exchange, changePercent
    default:
      throw CodecError("unknown order condition type " + std::to_string(type));
  }
}

template <class V>
void open_order_fields(V& v, OpenOrder& oo, OpenOrderExtras& x) {
  Order& o = oo.order;
  Contract& c = oo.contract;
  OrderState& st = oo.state;
  const int sv = v.sv();

  v.i64(o.order_id);
  short_contract(v, c, Fmt::kShort, "?");
  v.str(o.action);
  v.decimal(o.total_quantity);
  v.str(o.order_type);
  v.opt_dbl(o.lmt_price, Unset::kEmpty, Fmt::kJava);
  v.opt_dbl(o.aux_price, Unset::kEmpty, Fmt::kJava);
  v.strs(o.tif, o.oca_group, o.account, o.open_close);
  v.i32(o.origin);
  v.str(o.order_ref);
  v.i32(o.client_id);
  v.i64(o.perm_id);
  v.boolean(o.outside_rth);
  v.boolean(o.hidden);
  v.dbl(x.discretionary_amt);
  v.str(o.good_after_time);
  v.str(x.shares_allocation);  // deprecated
  v.strs(x.fa_group, x.fa_method, x.fa_percentage);
  if (sv < kMinSvFaProfileDesupport) v.str(x.fa_profile);
  v.strs(o.model_code, o.good_till_date, x.rule80a);
  v.opt_dbl(x.percent_offset);
  v.str(x.settling_firm);
  v.i32(x.short_sale_slot);
  v.str(x.designated_location);
  v.i32(x.exempt_code);
  v.i32(x.auction_strategy);
  v.opt_dbl(x.starting_price);
  v.opt_dbl(x.stock_ref_price);
  v.opt_dbl(x.delta);
  v.opt_dbl(x.stock_range_lower);
  v.opt_dbl(x.stock_range_upper);
  v.opt_i32(x.display_size, Unset::kMaxInt);
  v.boolean(x.block_order);
  v.boolean(x.sweep_to_fill);
  v.boolean(x.all_or_none);
  v.opt_i32(x.min_qty);
  v.i32(x.oca_type);
  v.boolean(x.etrade_only);
  v.boolean(x.firm_quote_only);
  v.opt_dbl(x.nbbo_price_cap);
  v.i64(o.parent_id);
  v.i32(x.trigger_method);

  // Volatility order params, with the delta-neutral detail when a delta-neutral type is named.
  v.opt_dbl(x.volatility);
  v.i32(x.volatility_type);
  v.str(x.delta_neutral_order_type);
  v.opt_dbl(x.delta_neutral_aux_price);
  if (!x.delta_neutral_order_type.empty()) {
    v.i64(x.delta_neutral_con_id);
    v.strs(x.delta_neutral_settling_firm, x.delta_neutral_clearing_account,
           x.delta_neutral_clearing_intent, x.delta_neutral_open_close);
    v.boolean(x.delta_neutral_short_sale);
    v.i32(x.delta_neutral_short_sale_slot);
    v.str(x.delta_neutral_designated_location);
  }
  v.boolean(x.continuous_update);
  v.i32(x.reference_price_type);

  v.opt_dbl(x.trail_stop_price_first);
  v.opt_dbl(o.trailing_percent);
  v.opt_dbl(x.basis_points);
  v.opt_i32(x.basis_points_type);

  // Combo legs, their per-leg prices, and smart-combo routing params.
  v.str(x.combo_legs_descrip);
  size_t legs = v.count(x.combo_legs.size());
  resize_for(v, x.combo_legs, legs);
  for (ComboLegWire& l : x.combo_legs) {
    v.i64(l.con_id);
    v.i32(l.ratio);
    v.strs(l.action, l.exchange);
    v.i32(l.open_close);
    v.i32(l.short_sale_slot);
    v.str(l.designated_location);
    v.i32(l.exempt_code);
  }
  size_t prices = v.count(x.order_combo_leg_prices.size());
  resize_for(v, x.order_combo_leg_prices, prices);
  for (auto& p : x.order_combo_leg_prices) v.opt_dbl(p);
  tag_values(v, x.smart_combo_routing_params);

  // Scale order params; the detail only when a positive price increment is set.
  v.opt_i32(x.scale_init_level_size, Unset::kMaxInt);
  v.opt_i32(x.scale_subs_level_size, Unset::kMaxInt);
  v.opt_dbl(x.scale_price_increment);
  if (x.scale_price_increment && *x.scale_price_increment > 0) {
    v.opt_dbl(x.scale_price_adjust_value);
    v.opt_i32(x.scale_price_adjust_interval);
    v.opt_dbl(x.scale_profit_offset);
    v.boolean(x.scale_auto_reset);
    v.opt_i32(x.scale_init_position);
    v.opt_i32(x.scale_init_fill_qty);
    v.boolean(x.scale_random_percent);
  }

  v.str(x.hedge_type);
  if (!x.hedge_type.empty()) v.str(x.hedge_param);
  v.boolean(x.opt_out_smart_routing);
  v.strs(x.clearing_account, x.clearing_intent);
  v.boolean(x.not_held);

  v.boolean(x.has_delta_neutral_contract);
  if (x.has_delta_neutral_contract) {
    v.i64(x.dn_contract_con_id);
    v.dbl(x.dn_contract_delta);
    v.dbl(x.dn_contract_price);
  }

  v.str(o.algo_strategy);
  if (!o.algo_strategy.empty()) tag_values(v, o.algo_params);
  v.boolean(x.solicited);

  // What-if info, order state and commission.
  v.boolean(o.what_if);
  v.str(st.status);
  for (std::string& m : x.margins) v.str(m);
  v.opt_dbl(st.commission, Unset::kEmpty, Fmt::kJava);
  v.opt_dbl(st.min_commission, Unset::kEmpty, Fmt::kJava);
  v.opt_dbl(st.max_commission, Unset::kEmpty, Fmt::kJava);
  v.str(st.commission_currency);
  if (sv >= kMinSvFullOrderPreviewFields) {
    v.str(x.margin_currency);
    for (auto& m : x.margins_outside_rth) v.opt_dbl(m, Unset::kMaxDbl);
    v.opt_decimal(x.suggested_size, Unset::kMinLong);
    v.str(x.reject_reason);
    size_t n = v.count(x.allocations.size());
    resize_for(v, x.allocations, n);
    for (OrderAllocationWire& a : x.allocations) {
      v.str(a.account);
      v.opt_decimal(a.position);
      v.opt_decimal(a.position_desired);
      v.opt_decimal(a.position_after);
      v.opt_decimal(a.desired_alloc_qty);
      v.opt_decimal(a.allowed_alloc_qty);
      v.boolean(a.is_monetary);
    }
  }
  v.str(st.warning_text);

  v.boolean(x.randomize_size);
  v.boolean(x.randomize_price);
  if (o.order_type == "PEG BENCH") {
    v.i32(x.reference_contract_id);
    v.boolean(x.is_pegged_change_amount_decrease);
    v.dbl(x.pegged_change_amount);
    v.dbl(x.reference_change_amount);
    v.str(x.reference_exchange_id);
  }

  size_t conds = v.count(x.conditions.size());
  resize_for(v, x.conditions, conds);
  if (conds > 0) {
    for (OrderConditionWire& cond : x.conditions) {
      v.i32(cond.type);
      size_t n = static_cast<size_t>(condition_field_count(cond.type));
      if constexpr (V::kDecoding) cond.fields.resize(n);
      if (cond.fields.size() != n)
        throw CodecError("order condition type " + std::to_string(cond.type) + " needs " +
                         std::to_string(n) + " fields");
      for (std::string& f : cond.fields) v.str(f);
    }
    v.boolean(x.conditions_ignore_rth);
    v.boolean(x.conditions_cancel_order);
  }

  // Adjusted (attached stop) order params. The official decoder stores the third field in
  // trailStopPrice, overwriting the earlier slot; we keep the earlier one when this one is unset.
  v.str(x.adjusted_order_type);
  v.opt_dbl(x.trigger_price, Unset::kMaxDbl);
  v.opt_dbl(o.trail_stop_price, Unset::kMaxDbl, Fmt::kJava);
  if constexpr (V::kDecoding) {
    if (!o.trail_stop_price) o.trail_stop_price = x.trail_stop_price_first;
  }
  v.opt_dbl(x.lmt_price_offset, Unset::kMaxDbl);
  v.opt_dbl(x.adjusted_stop_price, Unset::kMaxDbl);
  v.opt_dbl(x.adjusted_stop_limit_price, Unset::kMaxDbl);
  v.opt_dbl(x.adjusted_trailing_amount, Unset::kMaxDbl);
  v.i32(x.adjustable_trailing_unit);

  v.strs(x.soft_dollar_tier_name, x.soft_dollar_tier_value, x.soft_dollar_tier_display_name);
  v.opt_dbl(o.cash_qty, Unset::kMaxDbl);
  v.boolean(x.dont_use_auto_price_for_hedge);
  v.boolean(x.is_oms_container);
  v.boolean(x.discretionary_up_to_limit_price);
  v.opt_i32(x.use_price_mgmt_algo);
  v.opt_i32(x.duration);
  v.opt_i32(x.post_to_ats);
  v.boolean(x.auto_cancel_parent);
  if (sv >= kMinSvPegBestPegMidOffsets) {
    v.opt_i32(x.min_trade_qty);
    v.opt_i32(x.min_compete_size);
    v.opt_dbl(x.compete_against_best_offset);
    v.opt_dbl(x.mid_offset_at_whole);
    v.opt_dbl(x.mid_offset_at_half);
  }
  if (sv >= kMinSvCustomerAccount) v.str(x.customer_account);
  if (sv >= kMinSvProfessionalCustomer) v.boolean(x.professional_customer);
  if (sv >= kMinSvBondAccruedInterest) v.str(x.bond_accrued_interest);
  if (sv >= kMinSvIncludeOvernight) v.boolean(x.include_overnight);
  if (sv >= kMinSvCmeTaggingFieldsInOpenOrder) {
    v.str(x.ext_operator);
    v.opt_i32(x.manual_order_indicator, Unset::kMaxInt);
  }
  if (sv >= kMinSvSubmitter) v.str(x.submitter);
  if (sv >= kMinSvImbalanceOnly) v.boolean(x.imbalance_only);
}

template <class V>
void order_status_fields(V& v, OrderStatus& s) {
  v.i64(s.order_id);
  v.str(s.status);
  v.decimal(s.filled);
  v.decimal(s.remaining);
  v.opt_dbl(s.avg_fill_price);
  v.i64(s.perm_id);
  v.i64(s.parent_id);
  v.opt_dbl(s.last_fill_price);
  v.i32(s.client_id);
  v.str(s.why_held);
  v.opt_dbl(s.mkt_cap_price);
}

OpenOrderFull decode_full(int sv, FieldReader& r) {
  Reader rd(sv, r);
  OpenOrderFull m;
  open_order_fields(rd, m.open_order, m.extras);
  return m;
}

}  // namespace

OpenOrder decode_open_order(int sv, FieldReader& r) {
  return decode_full(sv, r).open_order;
}

OrderStatus decode_order_status(int sv, FieldReader& r) {
  return decode_with<OrderStatus>(sv, r, order_status_fields<Reader>);
}

}  // namespace detail

std::string encode_open_order_full(int sv, const OpenOrder& o, const OpenOrderExtras& x) {
  detail::check_server_version(sv);
  detail::Writer w(sv, msg_id::kOpenOrder);
  OpenOrder oc = o;
  OpenOrderExtras xc = x;
  detail::open_order_fields(w, oc, xc);
  return w.payload();
}

OpenOrderFull decode_open_order_full(int sv, std::string_view payload) {
  detail::check_server_version(sv);
  FieldReader r(payload);
  int id = r.i32();
  if (id != msg_id::kOpenOrder)
    throw CodecError("not an openOrder message: id " + std::to_string(id));
  return detail::decode_full(sv, r);
}

std::string encode_open_order(int sv, const OpenOrder& o) {
  return encode_open_order_full(sv, o, OpenOrderExtras{});
}

std::string encode_order_status(int sv, const OrderStatus& s) {
  return detail::encode_with(sv, msg_id::kOrderStatus, s,
                             detail::order_status_fields<detail::Writer>);
}

std::string encode_open_order_end(int sv) {
  return detail::version_only(sv, msg_id::kOpenOrderEnd);
}
std::string encode_req_all_open_orders(int sv) {
  return detail::version_only(sv, msg_id::kReqAllOpenOrders);
}
std::string encode_req_open_orders(int sv) {
  return detail::version_only(sv, msg_id::kReqOpenOrders);
}

}  // namespace intentq::gw
