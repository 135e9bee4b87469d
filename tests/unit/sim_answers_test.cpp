// The frames the simulator answers with, decoded again with the codec: right messages, right
// order, right values, and the error layout of the negotiated server version.
#include <gtest/gtest.h>

#include <chrono>
#include <variant>

#include "gateway/messages.hpp"
#include "sim/answers.hpp"
#include "sim/scenario.hpp"

namespace intentq::sim {
namespace {

std::vector<gw::ServerMessage> decode_all(int sv, const std::vector<std::string>& payloads) {
  std::vector<gw::ServerMessage> out;
  for (const auto& p : payloads) out.push_back(gw::decode_server_message(sv, p));
  return out;
}

const auto kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + std::chrono::hours(20);

TEST(SimAnswers, StartupBurst) {
  const Scenario s = default_scenario();
  for (int sv : {176, 193, 194, 200}) {
    auto msgs = decode_all(sv, build_startup(s, sv, 1001));
    ASSERT_EQ(msgs.size(), 5u) << sv;
    EXPECT_EQ(std::get<gw::ManagedAccounts>(msgs[0]).accounts, s.accounts);
    EXPECT_EQ(std::get<gw::NextValidId>(msgs[1]).order_id, 1001);
    std::vector<int> codes;
    for (size_t i = 2; i < msgs.size(); ++i) {
      const auto& e = std::get<gw::ErrorMessage>(msgs[i]);
      EXPECT_EQ(e.id, -1);
      EXPECT_EQ(e.error_time_ms.has_value(), sv >= 194) << sv;
      codes.push_back(e.code);
    }
    EXPECT_EQ(codes, (std::vector<int>{2104, 2106, 2158}));
  }
}

TEST(SimAnswers, PositionsThenEnd) {
  const Scenario s = default_scenario();
  auto msgs = decode_all(200, build_answer(s, 200, 1, gw::ReqPositions{}, kNow));
  ASSERT_EQ(msgs.size(), s.positions.size() + 1);
  for (size_t i = 0; i < s.positions.size(); ++i) {
    const auto& p = std::get<gw::PositionMsg>(msgs[i]).position;
    EXPECT_EQ(p.account, s.positions[i].account);
    EXPECT_EQ(p.contract.con_id, s.positions[i].contract.con_id);
    EXPECT_DOUBLE_EQ(p.position, s.positions[i].position);
    EXPECT_EQ(p.avg_cost, s.positions[i].avg_cost);
  }
  EXPECT_TRUE(std::holds_alternative<gw::PositionEnd>(msgs.back()));
}

TEST(SimAnswers, AccountSummaryAndItsErrors) {
  const Scenario s = default_scenario();
  auto msgs = decode_all(
      200, build_answer(s, 200, 1, gw::ReqAccountSummary{7, "All", "NetLiquidation"}, kNow));
  ASSERT_EQ(msgs.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& m = std::get<gw::AccountSummaryMsg>(msgs[i]);
    EXPECT_EQ(m.req_id, 7);
    EXPECT_EQ(m.value.tag, "NetLiquidation");
    EXPECT_EQ(m.value.account, s.accounts[i]);
  }
  EXPECT_EQ(std::get<gw::AccountSummaryEnd>(msgs[2]).req_id, 7);

  msgs = decode_all(193, build_answer(s, 193, 1, gw::ReqAccountSummary{8, "NoGroup", "X"}, kNow));
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(std::get<gw::ErrorMessage>(msgs[0]).id, 8);
  EXPECT_EQ(std::get<gw::ErrorMessage>(msgs[0]).code, 321);
}

TEST(SimAnswers, ExecutionsEachFollowedByItsCommission) {
  const Scenario s = default_scenario();
  gw::ReqExecutions req{9, {}};
  req.filter.account = "DU1000001";
  auto msgs = decode_all(200, build_answer(s, 200, 1, req, kNow));
  size_t fills = 0;
  for (const auto& e : s.executions) fills += e.execution.account == "DU1000001";
  ASSERT_GT(fills, 0u);
  ASSERT_EQ(msgs.size(), 2 * fills + 1);
  for (size_t i = 0; i < fills; ++i) {
    const auto& ex = std::get<gw::ExecDetailsMsg>(msgs[2 * i]);
    const auto& cr = std::get<gw::CommissionReport>(msgs[2 * i + 1]);
    EXPECT_EQ(ex.req_id, 9);
    EXPECT_EQ(ex.execution.account, "DU1000001");
    EXPECT_EQ(cr.exec_id, ex.execution.exec_id);
  }
  EXPECT_EQ(std::get<gw::ExecDetailsEnd>(msgs.back()).req_id, 9);
}

TEST(SimAnswers, OpenOrdersAllVersusOwn) {
  const Scenario s = default_scenario();
  auto all = decode_all(200, build_answer(s, 200, 1, gw::ReqAllOpenOrders{}, kNow));
  ASSERT_EQ(all.size(), 2 * s.open_orders.size() + 1);
  for (size_t i = 0; i < s.open_orders.size(); ++i) {
    const auto& o = std::get<gw::OpenOrder>(all[2 * i]);
    const auto& st = std::get<gw::OrderStatus>(all[2 * i + 1]);
    EXPECT_EQ(o.order.order_id, s.open_orders[i].open_order.order.order_id);
    EXPECT_EQ(o.state.status, s.open_orders[i].open_order.state.status);
    EXPECT_EQ(st.perm_id, o.order.perm_id);
  }
  EXPECT_TRUE(std::holds_alternative<gw::OpenOrderEnd>(all.back()));

  auto own = decode_all(200, build_answer(s, 200, 2, gw::ReqOpenOrders{}, kNow));
  size_t mine = 0;
  for (const auto& o : s.open_orders) mine += o.open_order.order.client_id == 2;
  ASSERT_EQ(own.size(), 2 * mine + 1);
  for (size_t i = 0; i < mine; ++i)
    EXPECT_EQ(std::get<gw::OpenOrder>(own[2 * i]).order.client_id, 2);
}

TEST(SimAnswers, ContractDetailsOrError200) {
  const Scenario s = default_scenario();
  gw::ReqContractDetails req{11, {}};
  req.contract.symbol = "MSFT";
  req.contract.sec_type = "STK";
  auto msgs = decode_all(200, build_answer(s, 200, 1, req, kNow));
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(std::get<gw::ContractDataMsg>(msgs[0]).details.contract.con_id, 272093);
  EXPECT_EQ(std::get<gw::ContractDataEnd>(msgs[1]).req_id, 11);

  req.contract.symbol = "NOSUCH";
  msgs = decode_all(200, build_answer(s, 200, 1, req, kNow));
  ASSERT_EQ(msgs.size(), 1u);
  const auto& e = std::get<gw::ErrorMessage>(msgs[0]);
  EXPECT_EQ(e.id, 11);
  EXPECT_EQ(e.code, 200);
  EXPECT_EQ(e.message, "No security definition has been found for the request");
}

TEST(SimAnswers, CurrentTimeIsTheGivenClock) {
  auto msgs = decode_all(200, build_answer(default_scenario(), 200, 1, gw::ReqCurrentTime{}, kNow));
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(std::get<gw::CurrentTime>(msgs[0]).epoch_seconds,
            std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch()).count());
}

TEST(SimAnswers, RequestKindsAndIds) {
  ASSERT_TRUE(request_spec(gw::ReqPositions{}));
  EXPECT_EQ(request_spec(gw::ReqPositions{})->kind, gw::RequestKind::kPositions);
  // Both open-orders requests share one latency family.
  EXPECT_EQ(request_spec(gw::ReqOpenOrders{})->family, "open_orders");
  EXPECT_EQ(request_spec(gw::ReqAllOpenOrders{})->family, "open_orders");
  EXPECT_FALSE(request_spec(gw::CancelPositions{}));
  EXPECT_FALSE(request_spec(gw::StartApi{}));
  EXPECT_FALSE(request_spec(gw::UnknownRequest{99}));
  EXPECT_EQ(request_id(gw::ReqExecutions{42, {}}), 42);
  EXPECT_EQ(request_id(gw::ReqCurrentTime{}), -1);
  EXPECT_TRUE(build_answer(default_scenario(), 200, 1, gw::CancelPositions{}, kNow).empty());
}

}  // namespace
}  // namespace intentq::sim
