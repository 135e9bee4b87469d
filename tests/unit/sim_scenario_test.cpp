// Scenario loading: the built-in default, the example files, defaults, and clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/scenario.hpp"

namespace intentq::sim {
namespace {

// The message of the ScenarioError thrown while parsing `json`, or "" when it parses.
std::string error_of(const std::string& json) {
  try {
    parse_scenario(json);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(SimScenario, DefaultScenarioHasEveryKindOfData) {
  Scenario s = default_scenario();
  EXPECT_EQ(s.accounts.size(), 2u);
  bool stock = false, future = false, option = false;
  for (const auto& p : s.positions) {
    stock |= p.contract.sec_type == "STK";
    future |= p.contract.sec_type == "FUT";
    option |= p.contract.sec_type == "OPT";
  }
  EXPECT_TRUE(stock && future && option);
  EXPECT_FALSE(s.account_values.empty());
  EXPECT_GE(s.open_orders.size(), 2u);
  ASSERT_FALSE(s.executions.empty());
  for (const auto& e : s.executions) {
    ASSERT_TRUE(e.commission.has_value()) << e.execution.exec_id;
    EXPECT_EQ(e.commission->exec_id, e.execution.exec_id);
  }
  EXPECT_GE(s.contracts.size(), 4u);
  EXPECT_TRUE(s.faults.empty());
}

TEST(SimScenario, ExampleFilesParse) {
  namespace fs = std::filesystem;
  const fs::path root = INTENTQ_SOURCE_DIR;
  std::vector<fs::path> files = {root / "tests/conformance/scenario.json"};
  for (const auto& entry : fs::directory_iterator(root / "sim/scenarios")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  ASSERT_GE(files.size(), 3u);
  for (const auto& f : files) {
    EXPECT_NO_THROW(load_scenario(f.string())) << f;
  }
  Scenario slow = load_scenario((root / "sim/scenarios/slow-gateway.json").string());
  EXPECT_EQ(slow.latency_ms, 50);
  EXPECT_EQ(slow.request_latency_ms.at("executions"), 400);
  Scenario flaky = load_scenario((root / "sim/scenarios/flaky-gateway.json").string());
  EXPECT_TRUE(flaky.faults.count(Fault::kCloseMidAnswer));
}

TEST(SimScenario, BadJsonIsAClearError) {
  std::string e = error_of(R"({"accounts": ["DU1"], )");
  EXPECT_NE(e.find("not valid JSON"), std::string::npos) << e;
  EXPECT_NE(error_of("[]").find("expected an object"), std::string::npos);
}

TEST(SimScenario, WrongTypeNamesThePath) {
  std::string e = error_of(R"({"accounts": ["DU1"], "positions": [
      {"account": "DU1", "position": 1, "contract": {"symbol": "AAPL", "sec_type": "STK"}},
      {"account": "DU1", "position": 1, "contract": {"con_id": "265598", "symbol": "AAPL"}}]})");
  EXPECT_NE(e.find("positions[1].contract.con_id"), std::string::npos) << e;
  EXPECT_NE(e.find("expected an integer, got string"), std::string::npos) << e;
}

TEST(SimScenario, UnknownKeyIsRejected) {
  // A misspelt key would otherwise silently fall back to a default.
  std::string e = error_of(R"({"accounts": ["DU1"], "positions": [
      {"account": "DU1", "position": 1, "avg_cots": 3, "contract": {"symbol": "AAPL"}}]})");
  EXPECT_NE(e.find("positions[0].avg_cots: unknown key"), std::string::npos) << e;
  EXPECT_NE(error_of(R"({"accounts": ["DU1"], "positons": []})").find("positons: unknown key"),
            std::string::npos);
}

TEST(SimScenario, MissingAndInconsistentData) {
  EXPECT_NE(error_of("{}").find("accounts: at least one account"), std::string::npos);
  std::string e = error_of(R"({"accounts": ["DU1"], "account_values": [
      {"account": "DU2", "tag": "NetLiquidation", "value": "1"}]})");
  EXPECT_NE(e.find("account_values[0].account"), std::string::npos) << e;
  EXPECT_NE(e.find("not in \"accounts\""), std::string::npos) << e;
  e = error_of(
      R"({"accounts": ["DU1"], "positions": [{"account": "DU1", "contract": {"symbol": "X"}}]})");
  EXPECT_NE(e.find("positions[0].position: missing"), std::string::npos) << e;
  e = error_of(R"({"accounts": ["DU1"], "executions": [{"execution": {"order_id": 1,
      "contract": {"symbol": "X"}, "exec_id": "e", "time": "20260101 10:00:00", "account": "DU1",
      "side": "BUY", "shares": 1, "price": 1}}]})");
  EXPECT_NE(e.find("executions[0].execution.side"), std::string::npos) << e;
}

TEST(SimScenario, OrderStatusDefaultsFollowTheOrder) {
  Scenario s = parse_scenario(R"({"accounts": ["DU1"], "open_orders": [
      {"contract": {"symbol": "AAPL", "sec_type": "STK"},
       "order": {"order_id": 5, "client_id": 3, "perm_id": 77, "action": "BUY", "total_quantity": 100,
                 "order_type": "LMT", "lmt_price": 10.5},
       "state": {"status": "Submitted"},
       "order_status": {"filled": 40}}]})");
  ASSERT_EQ(s.open_orders.size(), 1u);
  const auto& st = s.open_orders[0].status;
  EXPECT_EQ(st.order_id, 5);
  EXPECT_EQ(st.client_id, 3);
  EXPECT_EQ(st.perm_id, 77);
  EXPECT_EQ(st.status, "Submitted");
  EXPECT_DOUBLE_EQ(st.filled, 40);
  EXPECT_DOUBLE_EQ(st.remaining, 60);
  EXPECT_EQ(s.open_orders[0].open_order.order.lmt_price, 10.5);
  EXPECT_FALSE(s.open_orders[0].open_order.order.aux_price.has_value());
}

TEST(SimScenario, ExecutionDefaults) {
  Scenario s = parse_scenario(R"({"accounts": ["DU1"], "executions": [{"execution": {"order_id": 1,
      "contract": {"symbol": "X"}, "exec_id": "e1", "time": "20260101 10:00:00", "account": "DU1",
      "side": "SLD", "shares": 3, "price": 2.5}, "commission": {"commission": 1.25, "currency": "USD"}}]})");
  const auto& e = s.executions.at(0);
  EXPECT_DOUBLE_EQ(e.execution.cum_qty, 3);
  EXPECT_DOUBLE_EQ(e.execution.avg_price, 2.5);
  ASSERT_TRUE(e.commission);
  EXPECT_EQ(e.commission->exec_id, "e1");
  EXPECT_FALSE(e.commission->realized_pnl.has_value());
}

TEST(SimScenario, LatencyAndFaults) {
  Scenario a = parse_scenario(
      R"({"accounts": ["DU1"], "latency_ms": 25, "faults": ["garbage", "silence"]})");
  EXPECT_EQ(a.latency_ms, 25);
  EXPECT_TRUE(a.request_latency_ms.empty());
  EXPECT_EQ(a.faults, (std::set<Fault>{Fault::kGarbage, Fault::kSilence}));
  Scenario b = parse_scenario(
      R"({"accounts": ["DU1"], "latency_ms": {"default": 5, "positions": 100, "current_time": 0}})");
  EXPECT_EQ(b.latency_ms, 5);
  EXPECT_EQ(b.request_latency_ms.at("positions"), 100);
  EXPECT_EQ(b.request_latency_ms.at("current_time"), 0);
  EXPECT_NE(error_of(R"({"accounts": ["DU1"], "latency_ms": {"postions": 1}})")
                .find("latency_ms.postions: unknown request kind"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"accounts": ["DU1"], "latency_ms": -1})").find("must not be negative"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"accounts": ["DU1"], "faults": ["explode"]})").find("unknown fault"),
            std::string::npos);
}

TEST(SimScenario, FaultNamesRoundTrip) {
  for (Fault f : {Fault::kRefuse, Fault::kCloseAfterHandshake, Fault::kCloseMidAnswer,
                  Fault::kGarbage, Fault::kSilence}) {
    EXPECT_EQ(fault_from_string(to_string(f)), f);
  }
  EXPECT_FALSE(fault_from_string("pacing"));
}

TEST(SimScenario, UnreadableFileNamesThePath) {
  try {
    load_scenario("no/such/scenario.json");
    FAIL() << "expected ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/scenario.json"), std::string::npos);
  }
  auto path = std::filesystem::temp_directory_path() / "intentq_sim_bad_scenario.json";
  std::ofstream(path) << R"({"accounts": 5})";
  try {
    load_scenario(path.string());
    FAIL() << "expected ScenarioError";
  } catch (const ScenarioError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("accounts: expected an array"), std::string::npos) << msg;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace intentq::sim
