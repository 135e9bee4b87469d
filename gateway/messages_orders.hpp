// The full openOrder field set, for tests and for a simulator that wants to send the optional
// groups. OpenOrder (types.hpp) keeps what intentq reports; OpenOrderExtras holds every other
// field openOrder carries, with defaults that mirror what a real IB Gateway sends for a plain
// order at sv 200 (e.g. deltaNeutralOrderType "None", exemptCode -1, ocaType 3, what-if margins as
// DBL_MAX), checked against a live sv-200 capture.
// encode_open_order/decode_server_message use these defaults and drop the extras.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/types.hpp"

namespace intentq::gw {

struct ComboLegWire {
  int64_t con_id = 0;
  int ratio = 0;
  std::string action;
  std::string exchange;
  int open_close = 0;
  int short_sale_slot = 0;
  std::string designated_location;
  int exempt_code = -1;
  bool operator==(const ComboLegWire&) const = default;
};

// One order condition as it appears on the wire: its type and the type's fields as text.
// Types (official OrderConditionType): 1 price, 3 time, 4 margin, 5 execution, 6 volume,
// 7 percent change. Field counts per type are fixed (see messages_orders.cpp).
struct OrderConditionWire {
  int type = 0;
  std::vector<std::string> fields;
  bool operator==(const OrderConditionWire&) const = default;
};

struct OrderAllocationWire {  // sv >= 195 full-preview block
  std::string account;
  std::optional<double> position, position_desired, position_after, desired_alloc_qty,
      allowed_alloc_qty;
  bool is_monetary = false;
  bool operator==(const OrderAllocationWire&) const = default;
};

struct OpenOrderExtras {
  double discretionary_amt = 0;
  std::string shares_allocation;
  std::string fa_group, fa_method, fa_percentage, fa_profile;  // fa_profile only sv < 177
  std::string rule80a;
  std::optional<double> percent_offset;
  std::string settling_firm;
  int short_sale_slot = 0;
  std::string designated_location;
  int exempt_code = -1;
  int auction_strategy = 0;
  std::optional<double> starting_price, stock_ref_price, delta, stock_range_lower,
      stock_range_upper;
  std::optional<int> display_size;
  bool block_order = false, sweep_to_fill = false, all_or_none = false;
  std::optional<int> min_qty;
  int oca_type = 3;
  bool etrade_only = false, firm_quote_only = false;
  std::optional<double> nbbo_price_cap;
  int trigger_method = 0;
  std::optional<double> volatility;
  int volatility_type = 0;
  // Real gateways send "None" here, which the official decoders treat as a delta-neutral order
  // type and so read the 8 delta-neutral fields that follow.
  std::string delta_neutral_order_type = "None";
  std::optional<double> delta_neutral_aux_price;
  int64_t delta_neutral_con_id = 0;
  std::string delta_neutral_settling_firm, delta_neutral_clearing_account,
      delta_neutral_clearing_intent;
  std::string delta_neutral_open_close = "?";
  bool delta_neutral_short_sale = false;
  int delta_neutral_short_sale_slot = 0;
  std::string delta_neutral_designated_location;
  bool continuous_update = false;
  int reference_price_type = 0;
  // The first trailStopPrice slot. The official decoder overwrites it with the second slot (in
  // the adjusted-order block), which is what Order::trail_stop_price holds.
  std::optional<double> trail_stop_price_first;
  std::optional<double> basis_points;
  std::optional<int> basis_points_type;
  std::string combo_legs_descrip;
  std::vector<ComboLegWire> combo_legs;
  std::vector<std::optional<double>> order_combo_leg_prices;
  std::vector<std::pair<std::string, std::string>> smart_combo_routing_params;
  std::optional<int> scale_init_level_size, scale_subs_level_size;
  std::optional<double> scale_price_increment;
  std::optional<double> scale_price_adjust_value;
  std::optional<int> scale_price_adjust_interval;
  std::optional<double> scale_profit_offset;
  bool scale_auto_reset = false;
  std::optional<int> scale_init_position, scale_init_fill_qty;
  bool scale_random_percent = false;
  std::string hedge_type, hedge_param;
  bool opt_out_smart_routing = false;
  std::string clearing_account;
  std::string clearing_intent = "IB";
  bool not_held = false;
  bool has_delta_neutral_contract = false;
  int64_t dn_contract_con_id = 0;
  double dn_contract_delta = 0, dn_contract_price = 0;
  bool solicited = false;
  // What-if margins as text: initBefore, maintBefore, ewlBefore, initChange, maintChange,
  // ewlChange, initAfter, maintAfter, ewlAfter. The gateway fills unknown ones with DBL_MAX.
  std::array<std::string, 9> margins{
      "1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308",
      "1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308",
      "1.7976931348623157E308", "1.7976931348623157E308", "1.7976931348623157E308"};
  // sv >= 195 full order preview.
  std::string margin_currency;
  std::array<std::optional<double>, 9> margins_outside_rth{};
  std::optional<double> suggested_size;
  std::string reject_reason;
  std::vector<OrderAllocationWire> allocations;
  bool randomize_size = false, randomize_price = false;
  // PEG BENCH only.
  int reference_contract_id = 0;
  bool is_pegged_change_amount_decrease = false;
  double pegged_change_amount = 0, reference_change_amount = 0;
  std::string reference_exchange_id;
  std::vector<OrderConditionWire> conditions;
  bool conditions_ignore_rth = false, conditions_cancel_order = false;
  std::string adjusted_order_type = "None";
  std::optional<double> trigger_price, lmt_price_offset, adjusted_stop_price,
      adjusted_stop_limit_price, adjusted_trailing_amount;
  int adjustable_trailing_unit = 0;
  std::string soft_dollar_tier_name, soft_dollar_tier_value, soft_dollar_tier_display_name;
  bool dont_use_auto_price_for_hedge = true;
  bool is_oms_container = false;
  bool discretionary_up_to_limit_price = false;
  std::optional<int> use_price_mgmt_algo = 0;
  std::optional<int> duration, post_to_ats;
  bool auto_cancel_parent = false;
  std::optional<int> min_trade_qty;
  std::optional<int> min_compete_size;  // an sv-173 recording had 100 / 0.02 here, sv 200 empty
  std::optional<double> compete_against_best_offset;
  std::optional<double> mid_offset_at_whole, mid_offset_at_half;
  std::string customer_account;               // sv >= 183
  bool professional_customer = false;         // sv >= 184
  std::string bond_accrued_interest;          // sv >= 185
  bool include_overnight = false;             // sv >= 189
  std::string ext_operator;                   // sv >= 193
  std::optional<int> manual_order_indicator;  // unset goes out as 2147483647, as captured
  std::string submitter;                      // sv >= 198
  bool imbalance_only = false;                // sv >= 199
  bool operator==(const OpenOrderExtras&) const = default;
};

struct OpenOrderFull {
  OpenOrder open_order;
  OpenOrderExtras extras;
  bool operator==(const OpenOrderFull&) const = default;
};

// The openOrder payload with every field taken from `o` and `x`.
std::string encode_open_order_full(int sv, const OpenOrder& o, const OpenOrderExtras& x);
// Decodes an openOrder payload (msg id included) keeping every field. Throws CodecError.
OpenOrderFull decode_open_order_full(int sv, std::string_view payload);

}  // namespace intentq::gw
