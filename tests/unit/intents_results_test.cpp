// Result mapping: snake_case keys, numbers as numbers, unset IB values omitted, merges (order +
// status, execution + commission) and the account filter.
#include "worker/intents/results.hpp"

#include <gtest/gtest.h>

namespace intentq::intents {
namespace {

using json = nlohmann::json;

gw::Contract stock(int64_t con_id, std::string symbol) {
  gw::Contract c;
  c.con_id = con_id;
  c.symbol = std::move(symbol);
  c.sec_type = "STK";
  c.exchange = "SMART";
  c.primary_exchange = "NASDAQ";
  c.currency = "USD";
  c.local_symbol = c.symbol;
  c.trading_class = "NMS";
  return c;
}

// Each member of `want` is in `got` with the same value (`got` may hold more).
void expect_members(const json& got, const json& want) {
  for (const auto& [key, value] : want.items()) {
    ASSERT_TRUE(got.contains(key)) << key << " missing from " << got.dump();
    EXPECT_EQ(got.at(key), value) << key;
  }
}

// None of `keys` is in `got`: what IB left unset is omitted, not sent as null or a sentinel.
void expect_absent(const json& got, std::initializer_list<const char*> keys) {
  for (const char* key : keys) EXPECT_FALSE(got.contains(key)) << key;
}

TEST(IntentsResults, ContractOmitsWhatIbLeftUnset) {
  auto j = contract_json(stock(265598, "AAPL"));
  EXPECT_EQ(j.at("con_id"), 265598);
  EXPECT_EQ(j.at("symbol"), "AAPL");
  EXPECT_EQ(j.at("sec_type"), "STK");
  EXPECT_EQ(j.at("primary_exchange"), "NASDAQ");
  expect_absent(j, {"strike", "right", "multiplier", "last_trade_date"});

  gw::Contract zero_strike = stock(1, "X");
  zero_strike.strike = 0.0;
  zero_strike.right = "?";
  auto z = contract_json(zero_strike);
  EXPECT_FALSE(z.contains("strike"));
  EXPECT_FALSE(z.contains("right"));

  gw::Contract option = stock(2, "AAPL");
  option.sec_type = "OPT";
  option.strike = 200.0;
  option.right = "C";
  option.multiplier = "100";
  option.last_trade_date = "20261218";
  auto o = contract_json(option);
  EXPECT_EQ(o.at("strike"), 200.0);
  EXPECT_TRUE(o.at("strike").is_number());
  EXPECT_EQ(o.at("right"), "C");
  EXPECT_EQ(o.at("multiplier"), "100");
  EXPECT_EQ(o.at("last_trade_date"), "20261218");

  EXPECT_FALSE(contract_json(gw::Contract{}).contains("con_id"));
}

TEST(IntentsResults, PositionNumbersAndUnsetAvgCost) {
  gw::Position p{"DU111", stock(265598, "AAPL"), 150, 182.5};
  auto j = position_json(p);
  EXPECT_EQ(j.at("account"), "DU111");
  EXPECT_EQ(j.at("position"), 150.0);
  EXPECT_TRUE(j.at("position").is_number());
  EXPECT_EQ(j.at("avg_cost"), 182.5);
  EXPECT_EQ(j.at("contract").at("symbol"), "AAPL");

  p.avg_cost.reset();
  p.position = 0;  // a flat position is a value, not "unset"
  auto k = position_json(p);
  EXPECT_FALSE(k.contains("avg_cost"));
  EXPECT_EQ(k.at("position"), 0.0);
}

TEST(IntentsResults, OpenOrderMergesLatestStatus) {
  gw::OpenOrderWithStatus o;
  o.open_order.contract = stock(265598, "AAPL");
  o.open_order.order.order_id = 12;
  o.open_order.order.client_id = 3;
  o.open_order.order.perm_id = 99001;
  o.open_order.order.action = "BUY";
  o.open_order.order.total_quantity = 100;
  o.open_order.order.order_type = "LMT";
  o.open_order.order.lmt_price = 170.25;
  o.open_order.order.tif = "DAY";
  o.open_order.order.account = "DU111";
  o.open_order.state.status = "PreSubmitted";

  auto without = open_order_json(o);
  expect_members(without, {{"status", "PreSubmitted"}, {"lmt_price", 170.25}});
  expect_absent(without, {"filled", "aux_price", "parent_id", "commission"});

  gw::OrderStatus s;
  s.order_id = 12;
  s.status = "Submitted";
  s.filled = 40;
  s.remaining = 60;
  s.avg_fill_price = 170.1;
  s.perm_id = 99001;
  o.status = s;
  auto with = open_order_json(o);
  expect_members(with, {{"order_id", 12},
                        {"client_id", 3},
                        {"perm_id", 99001},
                        {"account", "DU111"},
                        {"action", "BUY"},
                        {"total_quantity", 100.0},
                        {"status", "Submitted"},
                        {"filled", 40.0},
                        {"remaining", 60.0},
                        {"avg_fill_price", 170.1},
                        {"outside_rth", false}});
  expect_absent(with, {"last_fill_price", "mkt_cap_price"});
  EXPECT_EQ(with.at("contract").at("con_id"), 265598);
}

TEST(IntentsResults, FillJoinsCommissionReport) {
  gw::Fill f;
  f.execution.exec_id = "0000e0d5.6571b1a1.01.01";
  f.execution.order_id = 7;
  f.execution.perm_id = 123456;
  f.execution.client_id = 1;
  f.execution.account = "DU222";
  f.execution.contract = stock(265598, "AAPL");
  f.execution.time = "20260105 09:31:02";
  f.execution.exchange = "ISLAND";
  f.execution.side = "BOT";
  f.execution.shares = 50;
  f.execution.price = 181.5;
  f.execution.cum_qty = 50;
  f.execution.avg_price = 181.5;
  f.execution.last_liquidity = 2;

  auto bare = fill_json(f);
  expect_members(bare, {{"exec_id", "0000e0d5.6571b1a1.01.01"},
                        {"side", "BOT"},
                        {"shares", 50.0},
                        {"price", 181.5},
                        {"last_liquidity", 2}});
  expect_absent(bare, {"commission", "ev_multiplier", "order_ref"});

  gw::CommissionReport c;
  c.exec_id = f.execution.exec_id;
  c.commission = 1.0;
  c.currency = "USD";
  // realized_pnl unset (IB sends 1.7976931348623157E308 for an opening fill)
  f.commission = c;
  auto joined = fill_json(f);
  expect_members(joined, {{"commission", 1.0}, {"commission_currency", "USD"}});
  expect_absent(joined, {"realized_pnl", "yield", "yield_redemption_date"});
}

TEST(IntentsResults, AccountSummaryValuesBecomeNumbersWhenNumeric) {
  EXPECT_EQ(account_value("246447.83"), json(246447.83));
  EXPECT_TRUE(account_value("246447.83")->is_number());
  EXPECT_EQ(account_value("-12.5"), json(-12.5));
  EXPECT_EQ(account_value("INDIVIDUAL"), json("INDIVIDUAL"));
  EXPECT_EQ(account_value("12abc"), json("12abc"));
  EXPECT_EQ(account_value("nan"), json("nan"));
  EXPECT_FALSE(account_value(""));

  auto row = account_value_json({"DU111", "NetLiquidation", "100.5", "USD"});
  EXPECT_EQ(
      row,
      (json{
          {"account", "DU111"}, {"tag", "NetLiquidation"}, {"value", 100.5}, {"currency", "USD"}}));
  auto text = account_value_json({"DU111", "AccountType", "INDIVIDUAL", ""});
  EXPECT_EQ(text, (json{{"account", "DU111"}, {"tag", "AccountType"}, {"value", "INDIVIDUAL"}}));
}

TEST(IntentsResults, ContractDetailsOmitUnset) {
  gw::ContractDetails d;
  d.contract = stock(265598, "AAPL");
  d.market_name = "NMS";
  d.min_tick = 0.01;
  d.long_name = "APPLE INC";
  d.sec_id_list = {{"ISIN", "US0378331005"}};
  auto j = contract_details_json(d);
  EXPECT_EQ(j.at("contract").at("con_id"), 265598);
  EXPECT_EQ(j.at("min_tick"), 0.01);
  EXPECT_EQ(j.at("long_name"), "APPLE INC");
  EXPECT_EQ(j.at("sec_id_list"), (json{{"ISIN", "US0378331005"}}));
  expect_absent(j,
                {"under_con_id", "ev_multiplier", "min_size", "industry", "ineligibility_reasons"});
}

TEST(IntentsResults, ListsFilterByAccount) {
  std::vector<gw::Position> positions{{"DU111", stock(1, "A"), 1, {}},
                                      {"DU222", stock(2, "B"), 2, {}}};
  EXPECT_EQ(account_rows(positions, std::nullopt).size(), 2u);
  auto only = account_rows(positions, std::string("DU222"));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].at("contract").at("symbol"), "B");

  std::vector<gw::AccountValue> rows{{"DU111", "NetLiquidation", "1", "USD"},
                                     {"DU222", "NetLiquidation", "2", "USD"}};
  auto r = account_rows(rows, std::string("DU111"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].at("value"), 1.0);

  EXPECT_EQ(account_rows(std::vector<std::string>{"DU111", "DU222"}, std::nullopt),
            (json{"DU111", "DU222"}));
  EXPECT_EQ(account_rows(std::vector<std::string>{"DU111", "DU222"}, std::string("DU222")),
            (json{"DU222"}));
  EXPECT_TRUE(account_rows(std::vector<gw::Fill>{}, std::nullopt).is_array());
  EXPECT_TRUE(account_rows(std::vector<gw::OpenOrderWithStatus>{}, std::nullopt).is_array());
}

}  // namespace
}  // namespace intentq::intents
