// openOrder, the most version-sensitive message: decoded sequentially like the official
// EOrderDecoder, with every conditional group, and encoded from the same field sequence.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/messages_orders.hpp"
#include "tests/unit/gateway_test_util.hpp"

namespace intentq::gw {
namespace {

// Live IB Gateway capture at sv 200 (ibkr-go, 2026-04-14, sanitized): a bracket take-profit
// child, LMT SELL 1 AAPL, parentId 210, PreSubmitted, submitter "papertrader". 156 fields.
const std::string kLiveSv200 =
    "5|211|265598|AAPL|STK||0|?||SMART|USD|AAPL|NMS|SELL|1|LMT|2000.0|0.0|DAY|1571710075|DU9000"
    "001||0|ibkrgo-sanitized-20260414T183644Z-001|1|900211|0|0|0||900211.0/DU9000001/100|||||||"
    "||0||-1|0||||||2147483647|0|0|0||3|0|0||210|0||0|None||0||||?|0|0||0|0||||||0|0|0|21474836"
    "47|2147483647|||0||IB|0|0||0|0|PreSubmitted|1.7976931348623157E308|1.7976931348623157E308|"
    "1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E30"
    "8|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308||||||1.797693134862"
    "3157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348"
    "623157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|1.79769313"
    "48623157E308|-9223372036854775808||0||0|0|0|None|1.7976931348623157E308|2001.0|1.797693134"
    "8623157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|0||||0|1|"
    "0|0|0|||0|||||||0||0||2147483647|papertrader|0|";

// Fields (incl. the msg id) of a plain order, i.e. with no optional group but the "None"
// delta-neutral block every gateway sends, at server version sv.
size_t plain_field_count(int sv) {
  return 130 + 5 * (sv >= 170) + (sv < 177) + (sv >= 183) + (sv >= 184) + (sv >= 185) +
         (sv >= 189) + 2 * (sv >= 193) + 13 * (sv >= 195) + (sv >= 198) + (sv >= 199);
}

OpenOrder option_lmt_order() {
  OpenOrder o;
  o.contract = aapl_call();
  o.order.order_id = 7;
  o.order.client_id = 3;
  o.order.perm_id = 1518189976;
  o.order.action = "SELL";
  o.order.total_quantity = 1;
  o.order.order_type = "LMT";
  o.order.lmt_price = 1.2;
  o.order.aux_price = 0.0;
  o.order.tif = "GTC";
  o.order.account = "DU9000001";
  o.order.order_ref = "ref";
  o.order.outside_rth = true;
  o.order.good_till_date = "20261231 16:00:00 US/Eastern";
  o.order.model_code = "mc";
  o.order.trail_stop_price = 1.0;
  o.order.trailing_percent = 2.5;
  o.order.cash_qty = 1000;
  o.state.status = "PreSubmitted";
  o.state.commission = 1.05;
  o.state.min_commission = 1.0;
  o.state.max_commission = 2.0;
  o.state.commission_currency = "USD";
  o.state.warning_text = "check margin";
  return o;
}

TEST(OpenOrder, LiveSv200FrameDecodes) {
  OpenOrder o = recorded_order(
      200, kLiveSv200, 156,
      "#211 SELL 1 AAPL LMT 2000 PreSubmitted (client 1, perm 900211, parent 210, cash 0)");
  EXPECT_EQ(o.order.oca_group, "1571710075");
  EXPECT_EQ(o.order.order_ref, "ibkrgo-sanitized-20260414T183644Z-001");
  EXPECT_EQ(o.order.trail_stop_price, 2001.0);
  OpenOrderFull full = decode_open_order_full(200, nul(kLiveSv200));
  EXPECT_EQ(full.extras.submitter, "papertrader");
  EXPECT_FALSE(full.extras.imbalance_only);
  EXPECT_FALSE(full.extras.manual_order_indicator);  // 2147483647
  EXPECT_FALSE(full.extras.suggested_size);          // -9223372036854775808
  EXPECT_TRUE(full.extras.allocations.empty());
}

TEST(OpenOrder, LiveSv200FrameEncodesByteExactly) {
  // The model-only encoder: default extras mirror this gateway except the free-text fields.
  expect_order_frame_reencodes(200, kLiveSv200,
                               {{"900211.0/DU9000001/100", ""}, {"papertrader", ""}});
}

TEST(OpenOrder, SingleLegLmtOptionAt200Has156Fields) {
  OpenOrder o = option_lmt_order();
  std::string p = encode_open_order(200, o);
  EXPECT_EQ(field_count(p), 156u);
  // The status sits where the official decoder reads it, right after whatIf.
  FieldReader r(p);
  r.skip(93);
  EXPECT_EQ(r.str(), "PreSubmitted");
  // The last 17 fields are usePriceMgmtAlgo ... imbalanceOnly.
  OpenOrderExtras x;
  x.use_price_mgmt_algo = 1;
  x.duration = 60;
  x.post_to_ats = 1;
  x.auto_cancel_parent = true;
  x.min_trade_qty = 5;
  x.min_compete_size = 100;
  x.compete_against_best_offset = 0.02;
  x.mid_offset_at_whole = 0.5;
  x.mid_offset_at_half = 0.25;
  x.customer_account = "cust";
  x.professional_customer = true;
  x.bond_accrued_interest = "1.5";
  x.include_overnight = true;
  x.ext_operator = "op";
  x.manual_order_indicator = 1;
  x.submitter = "me";
  x.imbalance_only = true;
  std::string q = pipes(encode_open_order_full(200, o, x));
  const std::string tail = "|1|60|1|1|5|100|0.02|0.5|0.25|cust|1|1.5|1|op|1|me|1|";
  ASSERT_GE(q.size(), tail.size());
  EXPECT_EQ(q.substr(q.size() - tail.size()), tail);
  EXPECT_EQ(decode_open_order_full(200, nul(q)).extras, x);
}

TEST(OpenOrder, FieldCountFollowsEveryGate) {
  const OpenOrder o = option_lmt_order();
  for (int sv = kOldestLayoutVersion; sv <= kMaxServerVersion; ++sv) {
    SCOPED_TRACE(sv);
    std::string p = encode_open_order(sv, o);
    EXPECT_EQ(field_count(p), plain_field_count(sv));
    EXPECT_EQ(server_as<OpenOrder>(sv, p), o);
  }
  EXPECT_EQ(plain_field_count(176), 136u);  // = the recorded sv-173 frame's count
  EXPECT_EQ(plain_field_count(200), 156u);
}

// Extras with every conditional group present.
OpenOrderExtras all_groups() {
  OpenOrderExtras x;
  x.fa_group = "g";
  x.fa_profile = "prof";
  x.delta_neutral_order_type = "LMT";
  x.delta_neutral_aux_price = 1.5;
  x.delta_neutral_con_id = 12345;
  x.delta_neutral_settling_firm = "sf";
  x.delta_neutral_clearing_account = "ca";
  x.delta_neutral_clearing_intent = "Away";
  x.delta_neutral_open_close = "O";
  x.delta_neutral_short_sale = true;
  x.delta_neutral_short_sale_slot = 2;
  x.delta_neutral_designated_location = "loc";
  x.combo_legs_descrip = "two legs";
  x.combo_legs = {ComboLegWire{111, 1, "BUY", "SMART", 0, 0, "", -1},
                  ComboLegWire{222, 2, "SELL", "CBOE", 1, 2, "X", 0}};
  x.order_combo_leg_prices = {1.25, std::nullopt};
  x.smart_combo_routing_params = {{"NonGuaranteed", "1"}};
  x.scale_init_level_size = 100;
  x.scale_subs_level_size = 50;
  x.scale_price_increment = 0.05;
  x.scale_price_adjust_value = 0.01;
  x.scale_price_adjust_interval = 30;
  x.scale_profit_offset = 0.1;
  x.scale_auto_reset = true;
  x.scale_init_position = 10;
  x.scale_init_fill_qty = 5;
  x.scale_random_percent = true;
  x.hedge_type = "D";
  x.hedge_param = "0.5";
  x.has_delta_neutral_contract = true;
  x.dn_contract_con_id = 333;
  x.dn_contract_delta = 0.45;
  x.dn_contract_price = 12.5;
  x.margin_currency = "USD";
  x.margins_outside_rth[0] = 1000;
  x.suggested_size = 3;
  x.reject_reason = "none";
  x.allocations = {OrderAllocationWire{"DU1", 1, 2, 3, 4, 5, false},
                   OrderAllocationWire{"DU2", std::nullopt, 0, 0, 0, 0, true}};
  x.reference_contract_id = 265598;
  x.is_pegged_change_amount_decrease = true;
  x.pegged_change_amount = 0.5;
  x.reference_change_amount = 0.25;
  x.reference_exchange_id = "NASDAQ";
  x.conditions = {
      OrderConditionWire{1, {"a", "1", "265598", "SMART", "200.5", "0"}},
      OrderConditionWire{3, {"o", "1", "20261231 16:00:00 US/Eastern"}},
      OrderConditionWire{4, {"a", "0", "30"}},
      OrderConditionWire{5, {"a", "STK", "SMART", "AAPL"}},
      OrderConditionWire{6, {"a", "1", "265598", "SMART", "10000"}},
      OrderConditionWire{7, {"o", "0", "265598", "SMART", "2.5"}},
  };
  x.conditions_ignore_rth = true;
  x.conditions_cancel_order = true;
  x.customer_account = "cust";
  x.submitter = "me";
  x.imbalance_only = true;
  return x;
}

// What survives a round trip at sv: the fields the layout carries at that version.
OpenOrderExtras gated(int sv, OpenOrderExtras x) {
  if (sv >= 177) x.fa_profile.clear();
  if (sv < 183) x.customer_account.clear();
  if (sv < 195) {
    x.margin_currency.clear();
    x.margins_outside_rth = {};
    x.suggested_size.reset();
    x.reject_reason.clear();
    x.allocations.clear();
  }
  if (sv < 198) x.submitter.clear();
  if (sv < 199) x.imbalance_only = false;
  return x;
}

size_t group_fields(int sv) {
  size_t n = 0;
  n += 2 * 8 + 2;  // two combo legs, two leg prices
  n += 2;          // one smart-combo param
  n += 7;          // scale detail
  n += 1;          // hedge param
  n += 3;          // delta-neutral contract
  n += 2 * 2;      // algo: count is part of the group too, see below
  n += 5;          // PEG BENCH
  n += 6 + (1 + 6) + (1 + 3) + (1 + 3) + (1 + 4) + (1 + 5) + (1 + 5) + 2 - 6;  // conditions
  if (sv >= 195) n += 2 * 7;                                                   // allocations
  return n;
}

TEST(OpenOrder, EveryConditionalGroupRoundTrips) {
  OpenOrder o = option_lmt_order();
  o.order.order_type = "PEG BENCH";
  o.order.algo_strategy = "Adaptive";
  o.order.algo_params = {{"adaptivePriority", "Normal"}, {"x", "y"}};
  const OpenOrderExtras x = all_groups();
  for (int sv : {164, 173, 176, 177, 178, 183, 193, 194, 195, 198, 199, 200}) {
    SCOPED_TRACE(sv);
    std::string p = encode_open_order_full(sv, o, x);
    // +1 for the algo params count, which a plain order (empty strategy) does not send.
    EXPECT_EQ(field_count(p), plain_field_count(sv) + group_fields(sv) + 1);
    OpenOrderFull back = decode_open_order_full(sv, p);
    EXPECT_EQ(back.open_order, o);
    EXPECT_EQ(back.extras, gated(sv, x));
    // The model-only path reads the same frame to the same model.
    EXPECT_EQ(server_as<OpenOrder>(sv, p), o);
  }
}

TEST(OpenOrder, TruncatedAtEveryFieldThrows) {
  OpenOrder o = option_lmt_order();
  o.order.algo_strategy = "Adaptive";
  o.order.algo_params = {{"adaptivePriority", "Normal"}};
  for (int sv : {176, 200}) {
    const std::string p = encode_open_order_full(sv, o, all_groups());
    size_t end = 0;
    for (size_t k = 0; k + 1 < field_count(p); ++k) {
      end = p.find('\0', end) + 1;  // keep k+1 complete fields
      EXPECT_THROW(decode_server_message(sv, std::string_view(p).substr(0, end)), CodecError)
          << "sv " << sv << ", " << (k + 1) << " fields";
    }
  }
}

TEST(OpenOrder, BadGroupCountsAndConditionTypesThrow) {
  OpenOrder o = option_lmt_order();
  OpenOrderExtras x;
  x.conditions = {OrderConditionWire{4, {"a", "0", "30"}}};
  std::string p = pipes(encode_open_order_full(200, o, x));
  // Condition type 4 (margin) -> 2 (no such type).
  std::string bad_type = p;
  bad_type.replace(bad_type.find("|1|4|a|0|30|"), 12, "|1|2|a|0|30|");
  EXPECT_THROW(decode_server_message(200, nul(bad_type)), CodecError);
  // A huge or negative combo-leg count must not allocate or loop: it is a CodecError.
  std::string plain = pipes(encode_open_order(200, o));
  const std::string legs = "|||0|0|0|";  // comboLegsDescrip "", 0 legs, 0 prices, 0 smart
  size_t at = plain.find(legs);
  ASSERT_NE(at, std::string::npos);
  for (const char* count : {"999999999", "-1", "x"}) {
    std::string bad = plain;
    bad.replace(at, legs.size(), std::string("|||") + count + "|0|0|");
    EXPECT_THROW(decode_server_message(200, nul(bad)), CodecError) << count;
  }
  // An encoder given a condition with the wrong number of fields refuses it.
  OpenOrderExtras wrong;
  wrong.conditions = {OrderConditionWire{1, {"a"}}};
  EXPECT_THROW(encode_open_order_full(200, o, wrong), CodecError);
}

}  // namespace
}  // namespace intentq::gw
