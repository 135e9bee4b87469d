// The request filters of the simulator: account summary (group, tags, $LEDGER), executions,
// open orders by clientId, contract matching.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/selection.hpp"

namespace intentq::sim {
namespace {

const Scenario& scenario() {
  static const Scenario s = parse_scenario(R"({
    "accounts": ["DU2", "DU1"],
    "groups": {"Main": ["DU1"]},
    "account_values": [
      {"account": "DU1", "tag": "TotalCashValue", "value": "10", "currency": "USD"},
      {"account": "DU1", "tag": "NetLiquidation", "value": "11", "currency": "USD"},
      {"account": "DU2", "tag": "NetLiquidation", "value": "21", "currency": "USD"},
      {"account": "DU1", "tag": "CashBalance", "value": "12", "currency": "BASE"},
      {"account": "DU1", "tag": "CashBalance", "value": "13", "currency": "EUR"},
      {"account": "DU2", "tag": "CashBalance", "value": "22", "currency": "BASE"}
    ],
    "open_orders": [
      {"contract": {"symbol": "A"}, "order": {"order_id": 1, "client_id": 1, "action": "BUY",
        "total_quantity": 1, "order_type": "MKT"}, "state": {"status": "Submitted"}},
      {"contract": {"symbol": "B"}, "order": {"order_id": 2, "client_id": 2, "action": "BUY",
        "total_quantity": 1, "order_type": "MKT"}, "state": {"status": "Submitted"}},
      {"contract": {"symbol": "C"}, "order": {"order_id": 3, "client_id": 1, "action": "SELL",
        "total_quantity": 1, "order_type": "MKT"}, "state": {"status": "PreSubmitted"}}
    ],
    "executions": [
      {"execution": {"order_id": 1, "exec_id": "e1", "time": "20261125 09:30:00 US/Eastern",
        "account": "DU1", "exchange": "ISLAND", "side": "BOT", "shares": 1, "price": 1, "client_id": 1,
        "contract": {"symbol": "AAPL", "sec_type": "STK"}}},
      {"execution": {"order_id": 2, "exec_id": "e2", "time": "20261126  15:00:00",
        "account": "DU2", "exchange": "CME", "side": "SLD", "shares": 1, "price": 1, "client_id": 2,
        "contract": {"symbol": "ES", "sec_type": "FUT"}}},
      {"execution": {"order_id": 3, "exec_id": "e3", "time": "20261127 10:15:30 US/Eastern",
        "account": "DU1", "exchange": "CBOE", "side": "SLD", "shares": 1, "price": 1, "client_id": 1,
        "contract": {"symbol": "AAPL", "sec_type": "OPT"}}}
    ],
    "contracts": [
      {"contract": {"con_id": 265598, "symbol": "AAPL", "sec_type": "STK", "exchange": "SMART",
        "primary_exchange": "NASDAQ", "currency": "USD"}, "valid_exchanges": "SMART,ISLAND,ARCA"},
      {"contract": {"con_id": 812345678, "symbol": "AAPL", "sec_type": "OPT", "last_trade_date": "20261218",
        "strike": 250, "right": "C", "multiplier": "100", "exchange": "SMART", "currency": "USD"}},
      {"contract": {"con_id": 812345679, "symbol": "AAPL", "sec_type": "OPT", "last_trade_date": "20261218",
        "strike": 250, "right": "P", "multiplier": "100", "exchange": "SMART", "currency": "USD"}},
      {"contract": {"con_id": 637533641, "symbol": "ES", "sec_type": "FUT", "last_trade_date": "20261218",
        "multiplier": "50", "exchange": "CME", "currency": "USD"}}
    ]
  })");
  return s;
}

// "account:tag:currency" of each row, in order.
std::vector<std::string> keys(const AccountSummarySelection& sel) {
  std::vector<std::string> out;
  for (const auto& v : sel.rows) out.push_back(v.account + ":" + v.tag + ":" + v.currency);
  return out;
}

using Keys = std::vector<std::string>;

TEST(SimSelection, AccountSummaryAllOrdersByAccountThenTag) {
  auto sel = select_account_summary(scenario(), "All", "TotalCashValue,NetLiquidation");
  ASSERT_FALSE(sel.error);
  // Scenario account order (DU2 first), then tag order, as a gateway sorts them.
  EXPECT_EQ(keys(sel),
            (Keys{"DU2:NetLiquidation:USD", "DU1:NetLiquidation:USD", "DU1:TotalCashValue:USD"}));
  EXPECT_EQ(keys(select_account_summary(scenario(), "all", " NetLiquidation ")),
            (Keys{"DU2:NetLiquidation:USD", "DU1:NetLiquidation:USD"}));
}

TEST(SimSelection, AccountSummaryGroupAndSingleAccount) {
  EXPECT_EQ(keys(select_account_summary(scenario(), "Main", "NetLiquidation")),
            (Keys{"DU1:NetLiquidation:USD"}));
  EXPECT_EQ(keys(select_account_summary(scenario(), "DU2", "NetLiquidation")),
            (Keys{"DU2:NetLiquidation:USD"}));
  auto bad = select_account_summary(scenario(), "Nope", "NetLiquidation");
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->code, 321);
  EXPECT_NE(bad.error->message.find("Nope"), std::string::npos);
  auto empty = select_account_summary(scenario(), "All", " , ");
  ASSERT_TRUE(empty.error);
  EXPECT_EQ(empty.error->code, 321);
}

TEST(SimSelection, AccountSummaryLedger) {
  EXPECT_EQ(keys(select_account_summary(scenario(), "All", "$LEDGER")),
            (Keys{"DU2:CashBalance:BASE", "DU1:CashBalance:BASE"}));
  EXPECT_EQ(keys(select_account_summary(scenario(), "Main", "$LEDGER:EUR")),
            (Keys{"DU1:CashBalance:EUR"}));
  EXPECT_EQ(keys(select_account_summary(scenario(), "Main", "$LEDGER:ALL")),
            (Keys{"DU1:CashBalance:BASE", "DU1:CashBalance:EUR"}));
  // A plain tag and a ledger selection combine without duplicates.
  EXPECT_EQ(keys(select_account_summary(scenario(), "Main", "NetLiquidation,$LEDGER")),
            (Keys{"DU1:CashBalance:BASE", "DU1:NetLiquidation:USD"}));
}

std::vector<std::string> exec_ids(const gw::ExecutionFilter& f, int today = 20261127) {
  std::vector<std::string> out;
  for (const auto* e : select_executions(scenario(), f, today)) out.push_back(e->execution.exec_id);
  return out;
}

TEST(SimSelection, ExecutionFilterEachCriterion) {
  gw::ExecutionFilter f;
  EXPECT_EQ(exec_ids(f), (Keys{"e1", "e2", "e3"}));
  f = {};
  f.client_id = 2;
  EXPECT_EQ(exec_ids(f), (Keys{"e2"}));
  f = {};
  f.account = "du1";
  EXPECT_EQ(exec_ids(f), (Keys{"e1", "e3"}));
  f = {};
  f.symbol = "AAPL";
  f.sec_type = "OPT";
  EXPECT_EQ(exec_ids(f), (Keys{"e3"}));
  f = {};
  f.exchange = "CME";
  EXPECT_EQ(exec_ids(f), (Keys{"e2"}));
  f = {};
  f.side = "BUY";
  EXPECT_EQ(exec_ids(f), (Keys{"e1"}));
  f.side = "SELL";
  EXPECT_EQ(exec_ids(f), (Keys{"e2", "e3"}));
  f.side = "SLD";
  EXPECT_EQ(exec_ids(f), (Keys{"e2", "e3"}));
}

TEST(SimSelection, ExecutionFilterTime) {
  gw::ExecutionFilter f;
  f.time = "20261126 15:00:00";  // inclusive
  EXPECT_EQ(exec_ids(f), (Keys{"e2", "e3"}));
  f.time = "20261126-15:00:01";  // IB's UTC form
  EXPECT_EQ(exec_ids(f), (Keys{"e3"}));
  f.time = "20261128";
  EXPECT_TRUE(exec_ids(f).empty());
}

TEST(SimSelection, ExecutionFilterDays) {
  gw::ExecutionFilter f;
  f.last_n_days = 1;  // today only
  EXPECT_EQ(exec_ids(f, 20261127), (Keys{"e3"}));
  f.last_n_days = 2;
  EXPECT_EQ(exec_ids(f, 20261127), (Keys{"e2", "e3"}));
  f.last_n_days = 3;  // crosses nothing special, but check month boundaries below
  EXPECT_EQ(exec_ids(f, 20261127), (Keys{"e1", "e2", "e3"}));
  f.last_n_days = 7;
  EXPECT_EQ(exec_ids(f, 20261201), (Keys{"e1", "e2", "e3"}));
  f.last_n_days = 5;
  EXPECT_EQ(exec_ids(f, 20261201), (Keys{"e3"}));
  f = {};
  f.specific_dates = {20261125, 20261127};
  EXPECT_EQ(exec_ids(f), (Keys{"e1", "e3"}));
}

TEST(SimSelection, OpenOrdersByClient) {
  auto ids = [](std::optional<int> client) {
    std::vector<int64_t> out;
    for (const auto* o : select_open_orders(scenario(), client)) {
      out.push_back(o->open_order.order.order_id);
    }
    return out;
  };
  EXPECT_EQ(ids(std::nullopt), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ids(1), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(ids(2), (std::vector<int64_t>{2}));
  EXPECT_TRUE(ids(9).empty());
}

std::vector<int64_t> con_ids(const gw::Contract& q) {
  std::vector<int64_t> out;
  for (const auto* d : select_contracts(scenario(), q)) out.push_back(d->contract.con_id);
  return out;
}

TEST(SimSelection, ContractMatching) {
  gw::Contract q;
  q.con_id = 637533641;
  q.symbol = "IGNORED";  // conId alone decides
  EXPECT_EQ(con_ids(q), (std::vector<int64_t>{637533641}));
  q = {};
  q.symbol = "aapl";
  EXPECT_EQ(con_ids(q), (std::vector<int64_t>{265598, 812345678, 812345679}));
  q.sec_type = "STK";
  q.currency = "USD";
  q.exchange = "ISLAND";  // one of the valid exchanges
  EXPECT_EQ(con_ids(q), (std::vector<int64_t>{265598}));
  q.exchange = "CME";
  EXPECT_TRUE(con_ids(q).empty());
  q = {};
  q.symbol = "AAPL";
  q.sec_type = "OPT";
  q.last_trade_date = "202612";  // contract month prefix
  q.strike = 250;
  q.right = "CALL";
  EXPECT_EQ(con_ids(q), (std::vector<int64_t>{812345678}));
  q.right = "P";
  EXPECT_EQ(con_ids(q), (std::vector<int64_t>{812345679}));
  q.strike = 255;
  EXPECT_TRUE(con_ids(q).empty());
  q = {};
  q.symbol = "ES";
  q.sec_type = "FUT";
  q.multiplier = "50";
  EXPECT_EQ(con_ids(q), (std::vector<int64_t>{637533641}));
  q.last_trade_date = "20270319";
  EXPECT_TRUE(con_ids(q).empty());
  q = {};
  q.sec_type = "STK";  // no symbol, no conId: nothing
  EXPECT_TRUE(con_ids(q).empty());
  q.con_id = 42;  // unknown conId
  EXPECT_TRUE(con_ids(q).empty());
}

TEST(SimSelection, UtcDate) {
  using namespace std::chrono;
  sys_days d = year{2026} / November / 27;
  EXPECT_EQ(utc_date(d + hours(23) + minutes(59)), 20261127);
  EXPECT_EQ(utc_date(d + hours(24)), 20261128);
}

}  // namespace
}  // namespace intentq::sim
