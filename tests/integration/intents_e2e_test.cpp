// Every intent end to end: client -> intentq-broker -> intentq-worker -> intentq-gwsim, with the
// results compared against the scenario file the simulator serves.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

using json = nlohmann::json;

// The result entry whose `key` equals `value` (fails the test if there is none).
const json& find_by(const json& list, const std::string& key, const json& value) {
  for (const auto& item : list)
    if (item.contains(key) && item.at(key) == value) return item;
  ADD_FAILURE() << "no entry with " << key << " = " << value << " in " << list.dump();
  static const json none = json::object();
  return none;
}

// The scenario's account value text as the result should carry it: a number when numeric.
json expected_value(const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return text;
}

void expect_positions(const json& got, const json& scenario_positions) {
  ASSERT_EQ(got.size(), scenario_positions.size()) << got.dump();
  for (const auto& want : scenario_positions) {
    json match;
    for (const auto& p : got)
      if (p.at("account") == want.at("account") &&
          p.at("contract").at("con_id") == want.at("contract").at("con_id"))
        match = p;
    ASSERT_FALSE(match.is_null()) << "missing position " << want.dump();
    EXPECT_DOUBLE_EQ(match.at("position").get<double>(), want.at("position").get<double>());
    EXPECT_DOUBLE_EQ(match.at("avg_cost").get<double>(), want.at("avg_cost").get<double>());
    for (const char* key : {"symbol", "sec_type", "currency", "local_symbol", "trading_class"})
      EXPECT_EQ(match.at("contract").at(key), want.at("contract").at(key)) << key;
    if (want.at("contract").contains("multiplier")) {
      EXPECT_EQ(match.at("contract").at("multiplier"), want.at("contract").at("multiplier"));
    }
    EXPECT_FALSE(match.at("contract").contains("strike"))
        << "unset strike leaked: " << match.dump();
  }
}

void expect_fills(const json& got, const json& scenario_executions) {
  ASSERT_EQ(got.size(), scenario_executions.size()) << got.dump();
  for (const auto& entry : scenario_executions) {
    const auto& want = entry.at("execution");
    const auto& fill = find_by(got, "exec_id", want.at("exec_id"));
    for (const char* key : {"account", "side", "time", "exchange"})
      EXPECT_EQ(fill.at(key), want.at(key)) << key;
    EXPECT_DOUBLE_EQ(fill.at("shares").get<double>(), want.at("shares").get<double>());
    EXPECT_DOUBLE_EQ(fill.at("price").get<double>(), want.at("price").get<double>());
    EXPECT_EQ(fill.at("perm_id"), want.at("perm_id"));
    EXPECT_EQ(fill.at("contract").at("con_id"), want.at("contract").at("con_id"));
    const auto& commission = entry.at("commission");
    EXPECT_DOUBLE_EQ(fill.at("commission").get<double>(),
                     commission.at("commission").get<double>());
    EXPECT_EQ(fill.at("commission_currency"), commission.at("currency"));
    if (commission.contains("realized_pnl"))
      EXPECT_DOUBLE_EQ(fill.at("realized_pnl").get<double>(),
                       commission.at("realized_pnl").get<double>());
    else
      EXPECT_FALSE(fill.contains("realized_pnl")) << "unset realized_pnl leaked: " << fill.dump();
  }
}

void expect_open_orders(const json& got, const json& scenario_orders) {
  ASSERT_EQ(got.size(), scenario_orders.size()) << got.dump();
  for (const auto& want : scenario_orders) {
    const auto& order = want.at("order");
    const auto& o = find_by(got, "order_id", order.at("order_id"));
    for (const char* key : {"client_id", "perm_id", "action", "order_type", "tif", "account"})
      EXPECT_EQ(o.at(key), order.at(key)) << key;
    EXPECT_DOUBLE_EQ(o.at("total_quantity").get<double>(),
                     order.at("total_quantity").get<double>());
    for (const char* key : {"lmt_price", "aux_price"}) {
      if (order.contains(key))
        EXPECT_DOUBLE_EQ(o.at(key).get<double>(), order.at(key).get<double>()) << key;
      else
        EXPECT_FALSE(o.contains(key)) << "unset " << key << " leaked: " << o.dump();
    }
    EXPECT_EQ(o.at("contract").at("con_id"), want.at("contract").at("con_id"));
    // Merged with the latest orderStatus, which overrides the openOrder's state.
    std::string status = want.at("state").at("status");
    if (want.contains("order_status") && want.at("order_status").contains("status"))
      status = want.at("order_status").at("status");
    EXPECT_EQ(o.at("status"), status);
    if (want.contains("order_status")) {
      const auto& s = want.at("order_status");
      for (const char* key : {"filled", "remaining", "avg_fill_price", "last_fill_price"})
        if (s.contains(key)) {
          EXPECT_DOUBLE_EQ(o.at(key).get<double>(), s.at(key).get<double>()) << key;
        }
    }
  }
}

// The scenario's account values restricted to `tags`, as (account, tag, currency) -> value.
std::map<std::string, json> expected_rows(const json& scenario, const std::set<std::string>& tags,
                                          const std::string& account = "") {
  std::map<std::string, json> out;
  for (const auto& v : scenario.at("account_values")) {
    if (!tags.count(v.at("tag"))) continue;
    if (!account.empty() && v.at("account") != account) continue;
    std::string key = v.at("account").get<std::string>() + "/" + v.at("tag").get<std::string>() +
                      "/" + v.at("currency").get<std::string>();
    out[key] = expected_value(v.at("value"));
  }
  return out;
}

std::map<std::string, json> got_rows(const json& rows) {
  std::map<std::string, json> out;
  for (const auto& r : rows) {
    std::string key = r.at("account").get<std::string>() + "/" + r.at("tag").get<std::string>() +
                      "/" + r.value("currency", std::string());
    EXPECT_FALSE(out.count(key)) << "duplicate row " << key;
    out[key] = r.at("value");
  }
  return out;
}

const std::set<std::string> kDefaultTags{
    "AccountType",    "NetLiquidation",      "TotalCashValue",     "SettledCash",
    "BuyingPower",    "EquityWithLoanValue", "GrossPositionValue", "InitMarginReq",
    "MaintMarginReq", "AvailableFunds",      "ExcessLiquidity",    "Cushion",
    "Leverage"};

class IntentsE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario = load_scenario();
    worker = start_gateway_worker(broker, sim.address(), 7);
    e2e::wait_for_service(broker.endpoints.frontend, "summary");
  }
  json scenario;
  Sim sim;
  Broker broker;
  std::unique_ptr<Process> worker;
};

TEST_F(IntentsE2e, SummaryReturnsTheScenario) {
  auto reply = run(broker, "summary");
  ASSERT_TRUE(reply.ok) << describe(reply);
  const auto& r = reply.result;
  EXPECT_EQ(r.at("accounts"), scenario.at("accounts"));
  expect_positions(r.at("positions"), scenario.at("positions"));
  expect_open_orders(r.at("open_orders"), scenario.at("open_orders"));
  expect_fills(r.at("fills"), scenario.at("executions"));
  EXPECT_EQ(got_rows(r.at("account_summary")), expected_rows(scenario, kDefaultTags));
  for (const char* key :
       {"connect", "positions", "open_orders", "executions", "account_summary", "fetch", "run"})
    EXPECT_TRUE(reply.timings_ms.contains(key)) << key << " missing in " << reply.timings_ms.dump();
}

TEST_F(IntentsE2e, SummaryFiltersToOneAccount) {
  auto reply = run(broker, "summary", {{"account", "DU7000002"}});
  ASSERT_TRUE(reply.ok) << describe(reply);
  const auto& r = reply.result;
  EXPECT_EQ(r.at("accounts"), json::array({"DU7000002"}));
  json positions = json::array(), orders = json::array(), executions = json::array();
  for (const auto& p : scenario.at("positions"))
    if (p.at("account") == "DU7000002") positions.push_back(p);
  for (const auto& o : scenario.at("open_orders"))
    if (o.at("order").at("account") == "DU7000002") orders.push_back(o);
  for (const auto& e : scenario.at("executions"))
    if (e.at("execution").at("account") == "DU7000002") executions.push_back(e);
  expect_positions(r.at("positions"), positions);
  expect_open_orders(r.at("open_orders"), orders);
  expect_fills(r.at("fills"), executions);
  EXPECT_EQ(got_rows(r.at("account_summary")), expected_rows(scenario, kDefaultTags, "DU7000002"));
}

TEST_F(IntentsE2e, SingleFetchIntentsReturnTheScenario) {
  auto positions = run(broker, "positions");
  ASSERT_TRUE(positions.ok) << describe(positions);
  expect_positions(positions.result.at("positions"), scenario.at("positions"));
  EXPECT_TRUE(positions.timings_ms.contains("positions"));

  auto orders = run(broker, "open_orders");
  ASSERT_TRUE(orders.ok) << describe(orders);
  expect_open_orders(orders.result.at("open_orders"), scenario.at("open_orders"));

  auto fills = run(broker, "executions");
  ASSERT_TRUE(fills.ok) << describe(fills);
  expect_fills(fills.result.at("fills"), scenario.at("executions"));

  auto msft = run(broker, "executions", {{"symbol", "MSFT"}, {"side", "SELL"}});
  ASSERT_TRUE(msft.ok) << describe(msft);
  ASSERT_EQ(msft.result.at("fills").size(), 1u) << msft.result.dump();
  EXPECT_EQ(msft.result.at("fills")[0].at("exec_id"), "0000e0d5.70000002.01.01");

  auto rows =
      run(broker, "account_summary", {{"tags", json::array({"NetLiquidation", "TotalCashValue"})}});
  ASSERT_TRUE(rows.ok) << describe(rows);
  EXPECT_EQ(got_rows(rows.result.at("account_summary")),
            expected_rows(scenario, {"NetLiquidation", "TotalCashValue"}));

  auto time = run(broker, "current_time");
  ASSERT_TRUE(time.ok) << describe(time);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_LE(std::llabs(time.result.at("time").get<int64_t>() - now), 60) << time.result.dump();
  EXPECT_EQ(time.result.at("server_version"), 200);
}

TEST_F(IntentsE2e, ContractDetailsByIdAndBySymbol) {
  const auto& aapl = scenario.at("contracts")[0];
  auto by_id = run(broker, "contract_details", {{"con_id", 265598}});
  ASSERT_TRUE(by_id.ok) << describe(by_id);
  ASSERT_EQ(by_id.result.at("contracts").size(), 1u);
  const auto& c = by_id.result.at("contracts")[0];
  for (const char* key : {"long_name", "market_name", "industry", "time_zone_id", "stock_type"})
    EXPECT_EQ(c.at(key), aapl.at(key)) << key;
  EXPECT_DOUBLE_EQ(c.at("min_tick").get<double>(), aapl.at("min_tick").get<double>());
  EXPECT_EQ(c.at("sec_id_list"), (json{{"ISIN", "US0378331005"}}));
  EXPECT_EQ(c.at("contract").at("primary_exchange"), "NASDAQ");
  EXPECT_FALSE(c.contains("under_con_id"));

  auto by_symbol = run(broker, "contract_details", {{"symbol", "ES"}, {"sec_type", "FUT"}});
  ASSERT_TRUE(by_symbol.ok) << describe(by_symbol);
  ASSERT_EQ(by_symbol.result.at("contracts").size(), 1u);
  EXPECT_EQ(by_symbol.result.at("contracts")[0].at("under_con_id"), 11004968);
  EXPECT_EQ(by_symbol.result.at("contracts")[0].at("contract").at("con_id"), 637533641);

  auto missing = run(broker, "contract_details", {{"con_id", 999}});
  ASSERT_FALSE(missing.ok);
  EXPECT_EQ(missing.error->code, ErrorCode::kGatewayError) << describe(missing);
  EXPECT_EQ(missing.error->gateway_code, 200);
  EXPECT_TRUE(missing.error->gateway_message.has_value());
}

TEST_F(IntentsE2e, BadParamsAreRejectedNamingTheField) {
  auto unknown = run(broker, "positions", {{"acount", "DU7000001"}});
  ASSERT_FALSE(unknown.ok);
  EXPECT_EQ(unknown.error->code, ErrorCode::kBadRequest);
  EXPECT_NE(unknown.error->message.find("acount"), std::string::npos) << unknown.error->message;

  auto type = run(broker, "executions", {{"client_id", "one"}});
  ASSERT_FALSE(type.ok);
  EXPECT_EQ(type.error->code, ErrorCode::kBadRequest);
  EXPECT_NE(type.error->message.find("client_id"), std::string::npos);

  // An account no worker's gateway manages: the broker routes by account and answers at once.
  auto account = run(broker, "summary", {{"account", "DU0000000"}});
  ASSERT_FALSE(account.ok);
  EXPECT_EQ(account.error->code, ErrorCode::kUnknownAccount) << describe(account);
  EXPECT_NE(account.error->message.find("DU0000000"), std::string::npos) << account.error->message;

  // The worker is still fine.
  auto ok = run(broker, "current_time");
  EXPECT_TRUE(ok.ok) << describe(ok);
}

TEST(IntentsTiming, SummaryFetchesOverlap) {
  // Every answer of the simulator waits 100 ms: sequential fetches would cost >= 400 ms.
  Sim sim({"--latency-ms", "100"});
  GatewayCluster cluster(sim.address(), 3, "summary");
  auto& [broker, worker] = cluster;
  for (int i = 0; i < 3; ++i) {
    auto reply = run(broker, "summary");
    ASSERT_TRUE(reply.ok) << describe(reply);
    const auto& t = reply.timings_ms;
    uint64_t slowest = 0, sum = 0;
    for (const char* key : {"positions", "open_orders", "executions", "account_summary"}) {
      ASSERT_TRUE(t.contains(key)) << t.dump();
      slowest = std::max<uint64_t>(slowest, t.at(key).get<uint64_t>());
      sum += t.at(key).get<uint64_t>();
    }
    uint64_t fetch = t.at("fetch").get<uint64_t>();
    std::printf("summary timings_ms: %s\n", t.dump().c_str());
    EXPECT_GE(slowest, 100u) << t.dump();
    EXPECT_LT(fetch, 2 * slowest) << "fetches did not overlap: " << t.dump();
    EXPECT_LT(fetch, sum) << t.dump();
  }
}

TEST(IntentsLoad, EightWorkersServe200ConcurrentSummaries) {
  // Against the simulator's combined budget (as IB): the broker coalesces the identical requests
  // and admits what it sends against the gateway's budget, so nothing is refused for pacing.
  Sim sim;
  Broker broker;
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 8; ++i)
    workers.push_back(start_gateway_worker(broker, sim.address(), 11 + i));
  e2e::wait_for_service(broker.endpoints.frontend, "summary");
  const auto scenario = load_scenario();

  JobClient client(broker.endpoints.frontend);
  const int kJobs = 200;
  auto start = Clock::now();
  for (int i = 0; i < kJobs; ++i) {
    auto r = make_request("load-" + std::to_string(i), nlohmann::json::object(), 90000);
    client.send("summary", r);
  }
  std::set<std::string> ids, workers_seen;
  int ok = 0;
  int fetched = 0;  // replies without source_id: fetched for their own id
  while (static_cast<int>(ids.size()) < kJobs) {
    auto reply = client.receive(60s);
    ASSERT_TRUE(reply) << "only " << ids.size() << " of " << kJobs << " replies";
    const auto& r = reply->second;
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate reply " << r.id;
    if (r.ok) {
      ++ok;
      EXPECT_EQ(r.result.at("positions").size(), scenario.at("positions").size());
      workers_seen.insert(r.worker);
      fetched += !r.source_id.has_value();
    } else {
      ADD_FAILURE() << r.id << ": " << describe(r);
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  std::printf("%d summary jobs on 8 workers: %d ok in %lld ms (%zu workers used)\n", kJobs, ok,
              static_cast<long long>(ms), workers_seen.size());
  EXPECT_EQ(ok, kJobs);
  // Identical summaries in flight at once are coalesced by the broker (docs/protocol.md §6.8):
  // every request gets its own reply, but far fewer fetches run than requests.
  EXPECT_GE(fetched, 1);
  EXPECT_LT(fetched, kJobs) << "identical concurrent summaries should share fetches";
}

}  // namespace
}  // namespace intentq::intents_test
