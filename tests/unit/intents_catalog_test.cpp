// The product catalog (worker/intents/catalog.cpp): what READY announces. Each gateway intent has
// its params schema entry (so the broker canonicalises what the worker reads), and the message
// costs derived from its requests are the ones docs/gateway.md lists.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "common/params_schema.hpp"
#include "worker/intent.hpp"

namespace intentq {
namespace {

TEST(IntentsCatalog, ListsEveryIntentOnceWithItsDocumentedCost) {
  const std::map<std::string, int> documented{
      {"echo", -1},        {"echo_once", -1},      {"summary", 6},         {"positions", 2},
      {"open_orders", 1},  {"executions", 1},      {"account_summary", 2}, {"contract_details", 1},
      {"current_time", 1}, {"historical_bars", 1}, {"head_timestamp", 2},  {"quote", 2}};
  std::map<std::string, int> costs;
  for (const auto& intent : intent_catalog()) {
    EXPECT_TRUE(costs.emplace(intent.name, intent.gateway_cost).second) << "twice: " << intent.name;
    EXPECT_EQ(intent.retryable, intent.name != "echo_once") << intent.name;
    EXPECT_TRUE(intent.run) << intent.name;
  }
  EXPECT_EQ(costs, documented);
}

TEST(IntentsCatalog, HistoricalClassIntentsAreTheOnesWhoseRequestsIbPacesAsHistorical) {
  std::set<std::string> historical;
  for (const auto& intent : intent_catalog())
    if (intent.historical) historical.insert(intent.name);
  EXPECT_EQ(historical, (std::set<std::string>{"historical_bars", "head_timestamp"}));
}

TEST(IntentsCatalog, EveryGatewayIntentHasASharedParamsSchema) {
  for (const auto& intent : intent_catalog()) {
    if (!intent.uses_gateway()) continue;
    EXPECT_NE(params::find_intent(intent.name), nullptr)
        << intent.name << " needs its entry in common/params_schema.cpp";
  }
}

}  // namespace
}  // namespace intentq
