// Every typed message round-trips (encode -> decode gives equal values) across the server-version
// range, and field counts move exactly at the documented gates.
#include "gateway/messages.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/gateway_test_util.hpp"

namespace intentq::gw {
namespace {

// The versions where some layout changes, plus the ends of the range.
const std::vector<int> kVersions = {164, 173, 176, 177, 178, 179, 181, 182, 183, 185,
                                    186, 189, 193, 194, 195, 197, 198, 199, 200};

TEST(ServerVersion, RoundTripsAndRejectsRedirect) {
  std::string p = encode_server_version(200, "20260405 23:49:26 Central European Standard Time");
  EXPECT_EQ(pipes(p), "200|20260405 23:49:26 Central European Standard Time|");
  ServerVersion v = decode_server_version(p);
  EXPECT_EQ(v.version, 200);
  EXPECT_EQ(v.connection_time, "20260405 23:49:26 Central European Standard Time");
  EXPECT_THROW(decode_server_version(nul("-1|host:4001|")), CodecError);
  EXPECT_THROW(decode_server_version(nul("200|")), CodecError);
  EXPECT_THROW(decode_server_version(nul("abc|x|")), CodecError);
}

TEST(Messages, SimpleServerMessagesRoundTrip) {
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    EXPECT_EQ(server_as<ManagedAccounts>(sv, encode_managed_accounts(sv, {"DU1", "DU2"})).accounts,
              (std::vector<std::string>{"DU1", "DU2"}));
    EXPECT_EQ(server_as<NextValidId>(sv, encode_next_valid_id(sv, 123456789012)).order_id,
              123456789012);
    EXPECT_EQ(server_as<CurrentTime>(sv, encode_current_time(sv, 1781163646)).epoch_seconds,
              1781163646);
    EXPECT_EQ(server_as<AccountSummaryEnd>(sv, encode_account_summary_end(sv, 77)).req_id, 77);
    EXPECT_EQ(server_as<ExecDetailsEnd>(sv, encode_exec_details_end(sv, 78)).req_id, 78);
    EXPECT_EQ(server_as<ContractDataEnd>(sv, encode_contract_data_end(sv, 79)).req_id, 79);
    server_as<PositionEnd>(sv, encode_position_end(sv));
    server_as<OpenOrderEnd>(sv, encode_open_order_end(sv));
  }
}

TEST(Messages, ManagedAccountsSkipsEmptyItems) {
  EXPECT_EQ(server_as<ManagedAccounts>(200, nul("15|1|DU1,,DU2,|")).accounts,
            (std::vector<std::string>{"DU1", "DU2"}));
  EXPECT_TRUE(server_as<ManagedAccounts>(200, nul("15|1||")).accounts.empty());
}

TEST(Messages, ErrorLayoutChangesAt194) {
  ErrorMessage e;
  e.id = 41;
  e.code = 202;
  e.message = "Order Canceled - reason:";
  e.advanced_order_reject_json = "{\"k\":1}";
  e.error_time_ms = 1775425766350;
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    std::string p = encode_error(sv, e);
    ErrorMessage expected = e;
    if (sv < 194) expected.error_time_ms.reset();
    if (sv < 166) expected.advanced_order_reject_json.clear();
    EXPECT_EQ(server_as<ErrorMessage>(sv, p), expected);
    EXPECT_EQ(field_count(p), sv < 166 ? 5u : 6u);
    if (sv < 166) {
      EXPECT_EQ(pipes(p), "4|2|41|202|Order Canceled - reason:|");
    } else if (sv < 194) {
      EXPECT_EQ(pipes(p), "4|2|41|202|Order Canceled - reason:|{\"k\":1}|");
    } else {
      EXPECT_EQ(pipes(p), "4|41|202|Order Canceled - reason:|{\"k\":1}|1775425766350|");
    }
  }
  // An unset error time is an empty field, and comes back unset.
  ErrorMessage notice{-1, 2104, "farm OK", "", std::nullopt};
  EXPECT_EQ(pipes(encode_error(200, notice)), "4|-1|2104|farm OK|||");
  EXPECT_EQ(server_as<ErrorMessage>(200, encode_error(200, notice)), notice);
}

TEST(Messages, ErrorTextCarriesUnicodeEscapes) {
  // A non-English gateway sends escapes (sv >= 153); the model holds UTF-8.
  ErrorMessage e = server_as<ErrorMessage>(200, nul("4|7|200|Aucune d\\u00e9finition||1|"));
  EXPECT_EQ(e.message, "Aucune d\u00e9finition");
  EXPECT_EQ(pipes(encode_error(200, e)), "4|7|200|Aucune d\\u00e9finition||1|");
}

TEST(Messages, PositionRoundTrips) {
  Position p;
  p.account = "DU9000001";
  p.contract = aapl_call();
  p.position = -3.5;
  p.avg_cost = 412.25;
  Position no_cost = p;
  no_cost.avg_cost.reset();
  no_cost.contract.strike.reset();
  no_cost.contract.right.clear();
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    std::string enc = encode_position(sv, p);
    EXPECT_EQ(field_count(enc), 16u);
    EXPECT_EQ(server_as<PositionMsg>(sv, enc).position, p);
    EXPECT_EQ(server_as<PositionMsg>(sv, encode_position(sv, no_cost)).position, no_cost);
  }
}

TEST(Messages, AccountSummaryRoundTrips) {
  AccountValue v{"DU9000001", "AccountType", "INDIVIDUAL", ""};
  for (int sv : kVersions) {
    AccountSummaryMsg m = server_as<AccountSummaryMsg>(sv, encode_account_summary(sv, 9000, v));
    EXPECT_EQ(m.req_id, 9000);
    EXPECT_EQ(m.value, v);
  }
}

Execution sample_execution() {
  Execution e;
  e.order_id = 5;
  e.contract = aapl_call();
  e.exec_id = "0000e0d5.67fe667b.01.01";
  e.time = "20260413 15:27:04 US/Eastern";
  e.account = "DU9000001";
  e.exchange = "CBOE";
  e.side = "SLD";
  e.shares = 2;
  e.price = 3.45;
  e.perm_id = 600745656;
  e.client_id = 7;
  e.liquidation = 0;
  e.cum_qty = 2;
  e.avg_price = 3.45;
  e.order_ref = "ref-1";
  e.ev_rule = "aapl";
  e.ev_multiplier = 0.5;
  e.model_code = "m1";
  e.last_liquidity = 2;
  e.pending_price_revision = true;
  e.submitter = "trader1";
  return e;
}

TEST(Messages, ExecDetailsGatesAt178And198) {
  const Execution e = sample_execution();
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    std::string p = encode_exec_details(sv, -1, e);
    size_t expected_fields = 31 + (sv >= 178 ? 1 : 0) + (sv >= 198 ? 1 : 0);
    EXPECT_EQ(field_count(p), expected_fields);
    Execution expected = e;
    if (sv < 178) expected.pending_price_revision = false;
    if (sv < 198) expected.submitter.clear();
    ExecDetailsMsg m = server_as<ExecDetailsMsg>(sv, p);
    EXPECT_EQ(m.req_id, -1);
    EXPECT_EQ(m.execution, expected);
  }
}

TEST(Messages, CommissionReportRoundTripsWithSentinels) {
  CommissionReport c{
      "0000e0d5.67fe667b.01.01", 1.02, "USD", std::nullopt, std::nullopt, std::nullopt};
  for (int sv : kVersions) {
    std::string p = encode_commission_report(sv, c);
    // Unset realizedPNL / yield go out as the literal DBL_MAX, as a real gateway sends them.
    EXPECT_EQ(pipes(p),
              "59|1|0000e0d5.67fe667b.01.01|1.02|USD|1.7976931348623157E308|"
              "1.7976931348623157E308||");
    EXPECT_EQ(server_as<CommissionReport>(sv, p), c);
  }
  CommissionReport full{"x", 0.0, "EUR", -12.5, 4.25, 20301231};
  EXPECT_EQ(server_as<CommissionReport>(200, encode_commission_report(200, full)), full);
}

TEST(Messages, OrderStatusRoundTrips) {
  OrderStatus s;
  s.order_id = 5;
  s.status = "Filled";
  s.filled = 100;
  s.remaining = 0;
  s.avg_fill_price = 201.94;
  s.perm_id = 600745656;
  s.parent_id = 4;
  s.last_fill_price = 201.95;
  s.client_id = 100;
  s.why_held = "locate";
  s.mkt_cap_price = 0.5;
  OrderStatus unset = s;
  unset.avg_fill_price.reset();
  unset.last_fill_price.reset();
  unset.mkt_cap_price.reset();
  for (int sv : kVersions) {
    EXPECT_EQ(field_count(encode_order_status(sv, s)), 12u);
    EXPECT_EQ(server_as<OrderStatus>(sv, encode_order_status(sv, s)), s);
    EXPECT_EQ(server_as<OrderStatus>(sv, encode_order_status(sv, unset)), unset);
  }
}

ContractDetails sample_details() {
  ContractDetails d;
  d.contract = aapl_stock();
  d.contract.con_id = 265598;
  d.contract.local_symbol = "AAPL";
  d.contract.trading_class = "NMS";
  d.market_name = "NMS";
  d.min_tick = 0.01;
  d.order_types = "ACTIVETIM,AD,ADJUST,LMT,MKT";
  d.valid_exchanges = "SMART,AMEX,NYSE";
  d.price_magnifier = 1;
  d.under_con_id = 0;
  d.long_name = "APPLE INC";
  d.contract_month = "";
  d.industry = "Technology";
  d.category = "Computers";
  d.subcategory = "Computers";
  d.time_zone_id = "US/Eastern";
  d.trading_hours = "20260406:0400-20260406:2000;20260407:CLOSED";
  d.liquid_hours = "20260406:0930-20260406:1600";
  d.ev_multiplier = std::nullopt;
  d.sec_id_list = {{"ISIN", "US0378331005"}, {"FIGI", "BBG000B9XRY4"}};
  d.agg_group = 1;
  d.under_symbol = "AAPL";
  d.under_sec_type = "STK";
  d.market_rule_ids = "26,26,26";
  d.real_expiration_date = "";
  d.last_trade_date = "";
  d.stock_type = "COMMON";
  d.min_size = 0.0001;
  d.size_increment = 0.0001;
  d.suggested_size_increment = 100;
  d.ineligibility_reasons = {{"1", "not eligible"}};
  return d;
}

TEST(Messages, ContractDataGates) {
  ContractDetails d = sample_details();
  d.last_trade_date = "20260619";
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    std::string p = encode_contract_data(sv, 9000, d);
    size_t expected = 40 + 4 /* two secIds */ + (sv >= 182 ? 1 : 0) + (sv >= 186 ? 1 + 2 : 0);
    EXPECT_EQ(field_count(p), expected);
    ContractDetails want = d;
    if (sv < 182) want.last_trade_date.clear();
    if (sv < 186) want.ineligibility_reasons.clear();
    ContractDataMsg m = server_as<ContractDataMsg>(sv, p);
    EXPECT_EQ(m.req_id, 9000);
    EXPECT_EQ(m.details, want);
  }
}

TEST(Messages, ContractDataFundFieldsFrom179) {
  ContractDetails d = sample_details();
  d.contract.sec_type = "FUND";
  d.ineligibility_reasons.clear();
  size_t at178 = field_count(encode_contract_data(178, 1, d));
  size_t at179 = field_count(encode_contract_data(179, 1, d));
  EXPECT_EQ(at179, at178 + 17);
  for (int sv : {178, 179, 186, 200}) {
    EXPECT_EQ(server_as<ContractDataMsg>(sv, encode_contract_data(sv, 1, d)).details.contract,
              d.contract);
  }
  // A STK contract has no fund block even at 200.
  ContractDetails stk = sample_details();
  stk.ineligibility_reasons.clear();
  EXPECT_EQ(field_count(encode_contract_data(200, 1, stk)), 40u + 4 + 1 + 1);
}

// ---- Client -> server ----

TEST(Requests, SimpleRequestsRoundTrip) {
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    StartApi s = client_as<StartApi>(sv, encode_start_api(sv, 42, "cap"));
    EXPECT_EQ(s.client_id, 42);
    EXPECT_EQ(s.optional_capabilities, "cap");
    client_as<ReqPositions>(sv, encode_req_positions(sv));
    client_as<CancelPositions>(sv, encode_cancel_positions(sv));
    client_as<ReqAllOpenOrders>(sv, encode_req_all_open_orders(sv));
    client_as<ReqOpenOrders>(sv, encode_req_open_orders(sv));
    client_as<ReqCurrentTime>(sv, encode_req_current_time(sv));
    ReqAccountSummary a =
        client_as<ReqAccountSummary>(sv, encode_req_account_summary(sv, 9, "All", "$LEDGER"));
    EXPECT_EQ(a, (ReqAccountSummary{9, "All", "$LEDGER"}));
    EXPECT_EQ(client_as<CancelAccountSummary>(sv, encode_cancel_account_summary(sv, 9)).req_id, 9);
  }
  EXPECT_EQ(pipes(encode_req_positions(200)), "61|1|");
  EXPECT_EQ(pipes(encode_cancel_positions(200)), "64|1|");
  EXPECT_EQ(pipes(encode_req_all_open_orders(200)), "16|1|");
  EXPECT_EQ(pipes(encode_req_open_orders(200)), "5|1|");
  EXPECT_EQ(pipes(encode_cancel_account_summary(200, 9000)), "63|1|9000|");
}

TEST(Requests, ReqExecutionsGainsDaysAt200) {
  ExecutionFilter f;
  f.client_id = 3;
  f.account = "DU9000001";
  f.time = "20260413 00:00:00";
  f.symbol = "AAPL";
  f.sec_type = "STK";
  f.exchange = "SMART";
  f.side = "BUY";
  f.last_n_days = 3;
  f.specific_dates = {20260410, 20260413};
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    std::string p = encode_req_executions(sv, 17, f);
    EXPECT_EQ(field_count(p), sv >= 200 ? 10u + 2 + 2 : 10u);
    ReqExecutions r = client_as<ReqExecutions>(sv, p);
    ExecutionFilter want = f;
    if (sv < 200) {
      want.last_n_days.reset();
      want.specific_dates.clear();
    }
    EXPECT_EQ(r.req_id, 17);
    EXPECT_EQ(r.filter, want);
  }
}

TEST(Requests, ReqContractDetailsGainsIssuerIdAt176) {
  Contract c = aapl_call();
  c.primary_exchange = "CBOE";
  c.include_expired = true;
  c.sec_id_type = "ISIN";
  c.sec_id = "US0378331005";
  c.issuer_id = "e1234";
  EXPECT_EQ(field_count(encode_req_contract_details(175, 1, c)), 18u);
  for (int sv : kVersions) {
    if (sv < 176) continue;
    std::string p = encode_req_contract_details(sv, 1, c);
    EXPECT_EQ(field_count(p), 19u);
    ReqContractDetails r = client_as<ReqContractDetails>(sv, p);
    EXPECT_EQ(r.req_id, 1);
    EXPECT_EQ(r.contract, c);
  }
}

TEST(Dispatch, UnknownIdsAreSkippableNotFatal) {
  // tickOptionComputation (21), realTimeBars (50), a made-up id: all decode to UnknownMessage.
  EXPECT_EQ(server_as<UnknownMessage>(200, nul("21|1001|13|1|0.2|")).id, 21);
  EXPECT_EQ(server_as<UnknownMessage>(200, nul("50|3|1001|")).id, 50);
  EXPECT_EQ(server_as<UnknownMessage>(200, nul("9999|")).id, 9999);
  EXPECT_EQ(client_as<UnknownRequest>(200, nul("3|13|0|TSLA|")).id, 3);
}

TEST(Dispatch, TrailingExtraFieldsAreTolerated) {
  EXPECT_EQ(server_as<NextValidId>(200, nul("9|1|5|extra|more|")).order_id, 5);
  EXPECT_EQ(
      server_as<OrderStatus>(200, nul("3|13|Filled|100|0|196.52|1376327563|0|196.52|100||0||"))
          .avg_fill_price,
      196.52);
}

TEST(Dispatch, MalformedPayloadsThrowCodecError) {
  const std::vector<std::string> bad = {
      "",                                                         // no id at all
      "abc|",                                                     // non-numeric id
      "9|1|",                                                     // nextValidId without the id
      "9|1|x1|",                                                  // non-numeric order id
      "61|3|DU1|265598|AAPL|",                                    // truncated position
      "61|3|DU1|265598|AAPL|STK||zz|||NASDAQ|USD|AAPL|NMS|1|1|",  // bad strike
      "10|9000|AAPL|STK||",                                       // truncated contractData
      "4|2|-1|",                                                  // truncated error
      "4|-1|2104|x||notatime|",  // sv >= 194 error time not a number
      "63|1|9000|DU1|NetLiq",    // last field without its terminator
      "11|-1|5|",                // truncated execDetails
      "5|5|265598|AAPL|STK||0|?||SMART|USD|AAPL|NMS|BUY|100|MKT|",  // truncated openOrder
  };
  for (const auto& b : bad) {
    EXPECT_THROW(decode_server_message(200, nul(b)), CodecError) << b;
  }
  EXPECT_THROW(decode_client_message(200, nul("62|1|x|All|tags|")), CodecError);
  EXPECT_THROW(decode_client_message(200, nul("7|3|1|0|||||||5|99|1|")), CodecError);  // count
  EXPECT_THROW(decode_client_message(200, nul("71|2|")), CodecError);
  // Versions outside what the codec knows are refused, not guessed.
  EXPECT_THROW(decode_server_message(201, nul("9|1|1|")), CodecError);
  EXPECT_THROW(decode_server_message(100, nul("9|1|1|")), CodecError);
  EXPECT_THROW(encode_req_positions(201), CodecError);
}

}  // namespace
}  // namespace intentq::gw
