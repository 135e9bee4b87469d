// Params validation of the gateway intents: every mistake is BAD_REQUEST naming the field.
#include "worker/intents/params.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace intentq::intents {
namespace {

using json = nlohmann::json;

JobContext job(std::string intent, json params) {
  JobContext j;
  j.intent = std::move(intent);
  j.params = std::move(params);
  return j;
}

// Runs `f`, expects a BAD_REQUEST JobFailure whose message contains every `needle`.
template <typename F>
void expect_bad_request(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "no JobFailure thrown";
  } catch (const JobFailure& e) {
    EXPECT_EQ(e.code, ErrorCode::kBadRequest) << e.what();
    for (const auto& n : needles)
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "message '" << e.what() << "' lacks '" << n << "'";
  }
}

TEST(IntentsParams, AccountParamsAcceptEmptyAndNullParams) {
  EXPECT_FALSE(parse_account_params(job("positions", json::object())).account);
  EXPECT_FALSE(parse_account_params(job("positions", nullptr)).account);
  EXPECT_EQ(parse_account_params(job("positions", {{"account", " DU111 "}})).account, "DU111");
}

TEST(IntentsParams, ExecutionFilterFromParams) {
  auto p = parse_executions_params(job("executions", {{"account", "DU222"},
                                                      {"symbol", "AAPL"},
                                                      {"sec_type", "stk"},
                                                      {"exchange", "SMART"},
                                                      {"side", "bot"},
                                                      {"time", "20260105 09:30:00"},
                                                      {"client_id", 7},
                                                      {"last_n_days", 3}}));
  EXPECT_EQ(p.account, "DU222");
  EXPECT_EQ(p.filter.account, "DU222");
  EXPECT_EQ(p.filter.symbol, "AAPL");
  EXPECT_EQ(p.filter.sec_type, "STK");
  EXPECT_EQ(p.filter.exchange, "SMART");
  EXPECT_EQ(p.filter.side, "BUY");
  EXPECT_EQ(p.filter.time, "20260105 09:30:00");
  EXPECT_EQ(p.filter.client_id, 7);
  EXPECT_EQ(p.filter.last_n_days, 3);

  auto empty = parse_executions_params(job("executions", json::object()));
  EXPECT_EQ(empty.filter, gw::ExecutionFilter{});
  EXPECT_EQ(parse_executions_params(job("executions", {{"side", "SELL"}})).filter.side, "SELL");
  EXPECT_EQ(
      parse_executions_params(job("executions", {{"time", "20260105-09:30:00 UTC"}})).filter.time,
      "20260105-09:30:00 UTC");
}

TEST(IntentsParams, AccountSummaryDefaultsAndTagForms) {
  auto d = parse_account_summary_params(job("account_summary", json::object()));
  EXPECT_EQ(d.group, "All");
  std::string expected;
  for (const auto& t : kDefaultAccountTags) expected += (expected.empty() ? "" : ",") + t;
  EXPECT_EQ(d.tags, expected);
  EXPECT_NE(d.tags.find("NetLiquidation"), std::string::npos);
  EXPECT_FALSE(d.account);

  auto as_string = parse_account_summary_params(
      job("account_summary", {{"tags", "NetLiquidation, BuyingPower"}, {"group", "Traders"}}));
  EXPECT_EQ(as_string.tags, "NetLiquidation,BuyingPower");
  EXPECT_EQ(as_string.group, "Traders");

  auto as_list = parse_account_summary_params(
      job("account_summary", {{"tags", json::array({"TotalCashValue", "$LEDGER:USD"})}}));
  EXPECT_EQ(as_list.tags, "TotalCashValue,$LEDGER:USD");
  EXPECT_EQ(parse_account_summary_params(job("account_summary", {{"tags", "$LEDGER:ALL"}})).tags,
            "$LEDGER:ALL");
}

TEST(IntentsParams, SummaryTakesAccountTagsAndGroupOnly) {
  auto p = parse_account_summary_params(
      job("summary", {{"account", "DU1"}, {"tags", "NetLiquidation"}}));
  EXPECT_EQ(p.account, "DU1");
  EXPECT_EQ(p.tags, "NetLiquidation");
  EXPECT_EQ(p.group, "All");
}

TEST(IntentsParams, ContractByIdOrBySymbol) {
  auto by_id = parse_contract_params(job("contract_details", {{"con_id", 265598}}));
  EXPECT_EQ(by_id.con_id, 265598);
  EXPECT_TRUE(by_id.symbol.empty());

  auto by_symbol = parse_contract_params(job("contract_details", {{"symbol", "ES"},
                                                                  {"sec_type", "fut"},
                                                                  {"exchange", "CME"},
                                                                  {"currency", "USD"},
                                                                  {"last_trade_date", "202612"},
                                                                  {"multiplier", "50"},
                                                                  {"include_expired", true}}));
  EXPECT_EQ(by_symbol.con_id, 0);
  EXPECT_EQ(by_symbol.symbol, "ES");
  EXPECT_EQ(by_symbol.sec_type, "FUT");
  EXPECT_EQ(by_symbol.exchange, "CME");
  EXPECT_EQ(by_symbol.currency, "USD");
  EXPECT_EQ(by_symbol.last_trade_date, "202612");
  EXPECT_EQ(by_symbol.multiplier, "50");
  EXPECT_TRUE(by_symbol.include_expired);

  auto option = parse_contract_params(
      job("contract_details",
          {{"symbol", "AAPL"}, {"sec_type", "OPT"}, {"strike", 200}, {"right", "call"}}));
  EXPECT_EQ(option.strike, 200.0);
  EXPECT_EQ(option.right, "C");
}

// One params object the intent's parser must refuse: BAD_REQUEST, naming what is wrong.
struct Refused {
  const char* name;  // the case's test name
  const char* intent;
  json params;
  std::vector<std::string> needles;  // what the message must contain
};

// Runs the parser that reads `j.intent`'s params, as the catalog pairs them.
void parse(const JobContext& j) {
  if (j.intent == "positions") {
    parse_account_params(j);
  } else if (j.intent == "executions") {
    parse_executions_params(j);
  } else if (j.intent == "contract_details") {
    parse_contract_params(j);
  } else if (j.intent == "account_summary" || j.intent == "summary") {
    parse_account_summary_params(j);
  } else {
    parse_no_params(j);
  }
}

const std::string kNulSymbol("AA\0PL", 5);

const Refused kRefused[] = {
    // A nil value is refused (issue 16): the broker refuses it too, before any sharing.
    {"NullAccount", "positions", {{"account", nullptr}}, {"account", "nil"}},
    // An unknown key is named with the known ones.
    {"UnknownKey", "positions", {{"acount", "DU1"}}, {"'acount'", "positions", "account"}},
    {"KeyOfAnIntentWithoutParams", "current_time", {{"x", 1}}, {"'x'", "current_time", "none"}},
    {"SummaryKeyOnly", "summary", {{"symbol", "AAPL"}}, {"'symbol'", "summary"}},
    // A wrong type names the field.
    {"AccountNotAString", "positions", {{"account", 5}}, {"'account'", "string"}},
    {"ParamsNotAMap", "positions", json::array({1, 2}), {"params must be a map"}},
    {"ClientIdAString", "executions", {{"client_id", "7"}}, {"'client_id'", "integer"}},
    {"ClientIdAFraction", "executions", {{"client_id", 1.5}}, {"'client_id'", "integer"}},
    {"ClientIdNegative", "executions", {{"client_id", -1}}, {"'client_id'", "between"}},
    {"ConIdAString", "contract_details", {{"con_id", "265598"}}, {"'con_id'"}},
    {"IncludeExpiredANumber",
     "contract_details",
     {{"con_id", 1}, {"include_expired", 1}},
     {"'include_expired'", "boolean"}},
    {"TagsANumber", "account_summary", {{"tags", 3}}, {"'tags'", "list of strings"}},
    {"TagsWithANumber", "account_summary", {{"tags", json::array({"A", 1})}}, {"'tags'"}},
    {"AccountBlank", "positions", {{"account", "  "}}, {"'account'", "empty"}},
    // Bad values of the execution filter.
    {"SideUnknown", "executions", {{"side", "LONG"}}, {"'side'", "BUY"}},
    {"TimeInWords", "executions", {{"time", "yesterday"}}, {"'time'", "yyyymmdd"}},
    {"TimeWithoutLeadingZero", "executions", {{"time", "20260105 9:30"}}, {"'time'"}},
    {"SecTypeUnknown", "executions", {{"sec_type", "SHARES"}}, {"'sec_type'", "SHARES"}},
    {"LastNDaysZero", "executions", {{"last_n_days", 0}}, {"'last_n_days'"}},
    // Unknown and empty account-summary tags.
    {"TagUnknown", "account_summary", {{"tags", "NetLiq"}}, {"'tags'", "NetLiq"}},
    {"TagsEmptyList", "account_summary", {{"tags", json::array()}}, {"'tags'", "at least one"}},
    {"TagEmpty", "account_summary", {{"tags", "NetLiquidation,,Cushion"}}, {"'tags'", "empty"}},
    {"GroupEmpty", "account_summary", {{"group", ""}}, {"'group'"}},
    // A contract needs an identity.
    {"ContractWithoutIdentity",
     "contract_details",
     json::object(),
     {"con_id", "symbol", "sec_type"}},
    {"SymbolWithoutSecType", "contract_details", {{"symbol", "AAPL"}}, {"sec_type"}},
    {"ConIdZero", "contract_details", {{"con_id", 0}}, {"'con_id'"}},
    {"RightUnknown", "contract_details", {{"con_id", 1}, {"right", "X"}}, {"'right'"}},
    {"StrikeNegative", "contract_details", {{"con_id", 1}, {"strike", -5}}, {"'strike'"}},
    // Issue 7 defect 9: a NUL byte would split a TWS field; it is the client's mistake, not
    // INTERNAL.
    {"NulInSymbol",
     "contract_details",
     {{"symbol", kNulSymbol}, {"sec_type", "STK"}},
     {"symbol", "NUL"}},
    {"NulInTags", "account_summary", {{"tags", {"NetLiquidation", kNulSymbol}}}, {"tags", "NUL"}},
};

void PrintTo(const Refused& r, std::ostream* os) {
  *os << r.intent << " " << r.params.dump();
}

class IntentsParamsRefused : public ::testing::TestWithParam<Refused> {};

TEST_P(IntentsParamsRefused, IsABadRequestNamingTheField) {
  const Refused& r = GetParam();
  expect_bad_request([&] { parse(job(r.intent, r.params)); }, r.needles);
}

INSTANTIATE_TEST_SUITE_P(Params, IntentsParamsRefused, ::testing::ValuesIn(kRefused),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IntentsParams, AccountMustBeManaged) {
  std::vector<std::string> managed{"DU111", "DU222"};
  EXPECT_NO_THROW(check_account(std::nullopt, managed));
  EXPECT_NO_THROW(check_account(std::string("DU222"), managed));
  expect_bad_request([&] { check_account(std::string("DU999"), managed); },
                     {"'account'", "DU999", "DU111, DU222"});
}

}  // namespace
}  // namespace intentq::intents
