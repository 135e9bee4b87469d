// The shared params schema (common/params_schema): one definition of every gateway intent's
// params for the broker and the worker. The worker-facing behaviour (messages, typed requests) is
// tested in intents_params_test; this tests the schema's own contract: keys given twice, nil,
// defaults, aliases, the canonical form and its round trip.
#include "common/params_schema.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/msgpack_json.hpp"
#include "tests/support/raw_msgpack.hpp"

namespace intentq::params {
namespace {

using nlohmann::json;
using test::RawMsgpack;

using test::mp;

Parsed parse_as(std::string_view intent, const std::string& bytes) {
  const auto* schema = find_intent(intent);
  if (!schema) throw std::logic_error("no schema for " + std::string(intent));
  return parse(*schema, bytes, intent);
}

std::string error_of(std::string_view intent, const std::string& bytes) {
  try {
    parse_as(intent, bytes);
  } catch (const ParamsError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ParamsSchema, EveryGatewayIntentHasOneAndEchoHasNone) {
  for (const char* intent : {"positions", "open_orders", "executions", "account_summary", "summary",
                             "contract_details", "current_time"})
    EXPECT_NE(find_intent(intent), nullptr) << intent;
  EXPECT_EQ(find_intent("echo"), nullptr);
}

TEST(ParamsSchema, AKeyGivenTwiceIsAnErrorWhateverItsValues) {
  EXPECT_EQ(error_of("positions",
                     RawMsgpack().map(2).str("account").str("DU1").str("account").nil().bytes()),
            "param 'account' is given more than once");
  EXPECT_EQ(
      error_of("positions", RawMsgpack().map(2).str("account").nil().str("account").nil().bytes()),
      "param 'account' is given more than once");
  EXPECT_EQ(
      error_of("positions", RawMsgpack().map(2).str("x").integer(1).str("x").integer(1).bytes()),
      "param 'x' is given more than once");
}

TEST(ParamsSchema, NilIsRefusedAndAbsentParamsAreAnEmptyMap) {
  EXPECT_EQ(error_of("positions", mp({{"account", nullptr}})),
            "param 'account' must not be nil (leave the param out to use its default)");
  EXPECT_EQ(error_of("summary", mp({{"group", nullptr}, {"account", "DU1"}})),
            "param 'group' must not be nil (leave the param out to use its default)");
  EXPECT_EQ(parse_as("positions", "").canonical(), mp(json::object()));
  EXPECT_EQ(parse_as("positions", mp(nullptr)).canonical(), mp(json::object()));
  EXPECT_EQ(error_of("positions", mp(json::array())), "params must be a map");
  // An unknown key is refused even when nil: the worker always did.
  EXPECT_EQ(error_of("positions", mp({{"acount", nullptr}})),
            "param 'acount' is not known to intent 'positions' (known: account)");
}

TEST(ParamsSchema, ValuesAreNormalisedAndDefaultsLeftOut) {
  const auto p = parse_as("executions", mp({{"account", " DU1 "},
                                            {"side", "sld"},
                                            {"sec_type", "stk"},
                                            {"client_id", 0},
                                            {"symbol", ""}}));
  EXPECT_EQ(p.string("account"), "DU1");
  EXPECT_EQ(p.string("side"), "SELL");
  EXPECT_EQ(p.string("sec_type"), "STK");
  EXPECT_EQ(p.integer("client_id"), 0);  // the default, still readable
  EXPECT_EQ(p.string("symbol"), "");
  EXPECT_EQ(p.canonical(), mp({{"account", "DU1"}, {"sec_type", "STK"}, {"side", "SELL"}}));
  const auto s = parse_as("summary", mp({{"group", " All "}, {"tags", kDefaultAccountTags}}));
  EXPECT_EQ(s.canonical(), mp(json::object()));
  EXPECT_EQ(s.string("group"), "All");
  EXPECT_EQ(s.string_list("tags"), kDefaultAccountTags);
}

TEST(ParamsSchema, IntegerAndNumberForms) {
  // An integer param: any integer encoding, never a float.
  const auto wide = RawMsgpack().map(1).str("con_id").uint64_wide(265598).bytes();
  EXPECT_EQ(parse_as("contract_details", wide).canonical(), mp({{"con_id", 265598}}));
  EXPECT_EQ(error_of("contract_details", RawMsgpack().map(1).str("con_id").float32(5).bytes()),
            "param 'con_id' must be an integer");
  EXPECT_EQ(
      error_of("executions", RawMsgpack().map(1).str("client_id").uint64_wide(UINT64_MAX).bytes()),
      "param 'client_id' must be at most 2147483647");
  // A number param: integers and floats alike, canonical as a float64.
  const auto a = parse_as("contract_details", mp({{"con_id", 1}, {"strike", 150}}));
  const auto b =
      parse_as("contract_details",
               RawMsgpack().map(2).str("strike").float32(150).str("con_id").integer(1).bytes());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.canonical(), b.canonical());
  EXPECT_EQ(error_of("contract_details", mp({{"con_id", 1}, {"strike", "150"}})),
            "param 'strike' must be a number");
  // NaN would make two equal requests unequal (and is no price): refused, as are infinities.
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL})
    EXPECT_EQ(
        error_of("contract_details",
                 RawMsgpack().map(2).str("con_id").integer(1).str("strike").float64(bad).bytes()),
        "param 'strike' must be a finite number");
}

TEST(ParamsSchema, TheCanonicalFormParsesBackToTheSameParams) {
  const std::vector<std::pair<std::string, json>> samples{
      {"positions", {{"account", " DU1"}}},
      {"executions", {{"time", "20260105 09:30:00"}, {"side", "bot"}, {"last_n_days", 3}}},
      {"account_summary", {{"tags", "NetLiquidation, $LEDGER:USD"}, {"group", "G"}}},
      {"summary", {{"tags", json::array({"Cushion", "AccountType"})}}},
      {"contract_details",
       {{"symbol", " aapl "}, {"sec_type", "opt"}, {"right", "call"}, {"strike", 1.5}}},
      {"current_time", json::object()},
  };
  for (const auto& [intent, params] : samples) {
    SCOPED_TRACE(intent);
    const auto first = parse_as(intent, mp(params));
    const auto again = parse_as(intent, first.canonical());
    EXPECT_EQ(first, again);
    EXPECT_EQ(first.canonical(), again.canonical());
  }
}

TEST(ParamsSchema, UnicodeStringsAreKeptAsTheyAre) {
  // Only ASCII whitespace is trimmed and only ASCII is upper-cased, as the worker always did.
  const auto p = parse_as("contract_details", mp({{"symbol", "\u00e4pfel"}, {"sec_type", "STK"}}));
  EXPECT_EQ(p.string("symbol"), "\u00e4pfel");
  EXPECT_NE(p.canonical(),
            parse_as("contract_details", mp({{"symbol", "\u00c4PFEL"}, {"sec_type", "STK"}}))
                .canonical());
}

}  // namespace
}  // namespace intentq::params
