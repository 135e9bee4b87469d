// The request specs (gateway/request_specs.hpp): the list is consistent with itself and with the
// codec, so everything derived from it (request table, session, simulator, metrics) agrees.
#include "gateway/request_specs.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway/messages.hpp"
#include "gateway/requests.hpp"

namespace intentq::gw {
namespace {

TEST(GatewayRequestSpecs, OneSpecPerKindInKindOrder) {
  auto specs = request_specs();
  ASSERT_EQ(specs.size(), 10u);
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(specs[i].kind), i) << specs[i].name;
    EXPECT_EQ(&spec(specs[i].kind), &specs[i]);
    EXPECT_EQ(to_string(specs[i].kind), specs[i].name);
  }
}

TEST(GatewayRequestSpecs, MessagesAreUniqueAndFoundById) {
  std::set<int> ids;
  for (const auto& s : request_specs()) {
    EXPECT_TRUE(ids.insert(s.message_id).second) << s.message;
    EXPECT_EQ(spec_for_message(s.message_id), &s);
    auto found = spec_message(s.message_id);
    EXPECT_EQ(found.spec, &s);
    EXPECT_FALSE(found.cancel);
    // A cancel message, its name and its encoder come together.
    EXPECT_EQ(s.cancel_id != 0, !s.cancel_message.empty()) << s.name;
    EXPECT_EQ(s.cancel_id != 0, s.encode_cancel != nullptr) << s.name;
    if (s.cancel_id != 0) {
      EXPECT_TRUE(ids.insert(s.cancel_id).second) << s.cancel_message;
      auto c = spec_message(s.cancel_id);
      EXPECT_EQ(c.spec, &s);
      EXPECT_TRUE(c.cancel);
    }
    // Only subscriptions with a cancel message can be cancelled after their end.
    if (s.cancel_after_end) EXPECT_NE(s.encode_cancel, nullptr) << s.name;
  }
  EXPECT_EQ(spec_for_message(msg_id::kStartApi), nullptr);
}

TEST(GatewayRequestSpecs, EveryAnswerMessageBelongsToOneSpecOrOneGroup) {
  for (const auto& s : request_specs()) {
    if (s.ending != Ending::kNone) EXPECT_NE(s.end_id, 0) << s.name;
    auto end = spec_for_answer(s.end_id);
    ASSERT_TRUE(end.spec) << s.name;
    EXPECT_TRUE(end.end);
    // A message shared by several specs must be shared by a whole sharing group.
    if (end.spec != &s)
      EXPECT_TRUE(s.sharing == Sharing::kOneGroup && end.spec->sharing == s.sharing);
    for (int row : s.row_ids) {
      if (row == 0) continue;
      auto found = spec_for_answer(row);
      ASSERT_TRUE(found.spec) << s.name;
      EXPECT_FALSE(found.end);
      if (found.spec != &s) EXPECT_EQ(found.spec->sharing, Sharing::kOneGroup) << s.name;
    }
  }
  EXPECT_EQ(spec_for_answer(kAnswerId<PositionMsg>).spec, &spec(RequestKind::kPositions));
  EXPECT_EQ(spec_for_answer(kAnswerId<CurrentTime>).spec, &spec(RequestKind::kCurrentTime));
  EXPECT_FALSE(spec_for_answer(msg_id::kCommissionReport).spec);  // joined by exec_id
  EXPECT_FALSE(spec_for_answer(0).spec);
}

TEST(GatewayRequestSpecs, CancelEncodersAreTheCodecs) {
  EXPECT_EQ(spec(RequestKind::kPositions).encode_cancel(200, -1), encode_cancel_positions(200));
  EXPECT_EQ(spec(RequestKind::kAccountSummary).encode_cancel(176, 7),
            encode_cancel_account_summary(176, 7));
}

TEST(GatewayRequestSpecs, TypedRequestsEncodeTheirSpecsMessage) {
  // The first field of every outgoing payload is its message id.
  auto id_of = [](const std::string& payload) {
    return std::stoi(payload.substr(0, payload.find('\0')));
  };
  EXPECT_EQ(id_of(req::Positions{}.encode(200, -1)), spec(req::Positions::kind).message_id);
  EXPECT_EQ(id_of(req::AccountSummary{"All", "NetLiquidation"}.encode(200, 3)),
            spec(req::AccountSummary::kind).message_id);
  EXPECT_EQ(id_of(req::Executions{}.encode(200, 3)), spec(req::Executions::kind).message_id);
  EXPECT_EQ(id_of(req::AllOpenOrders{}.encode(200, -1)), spec(req::AllOpenOrders::kind).message_id);
  EXPECT_EQ(id_of(req::OpenOrders{}.encode(200, -1)), spec(req::OpenOrders::kind).message_id);
  EXPECT_EQ(id_of(req::ContractDetails{}.encode(200, 3)),
            spec(req::ContractDetails::kind).message_id);
  EXPECT_EQ(id_of(req::CurrentTime{}.encode(200, -1)), spec(req::CurrentTime::kind).message_id);
  EXPECT_EQ(id_of(req::HistoricalData{}.encode(200, 3)),
            spec(req::HistoricalData::kind).message_id);
  EXPECT_EQ(id_of(req::HeadTimestamp{}.encode(200, 3)), spec(req::HeadTimestamp::kind).message_id);
  EXPECT_EQ(id_of(req::MarketDataSnapshot{}.encode(200, 3)),
            spec(req::MarketDataSnapshot::kind).message_id);
}

TEST(GatewayRequestSpecs, FamiliesAndCosts) {
  // The worker's metrics labels and the simulator's latency keys.
  auto families = request_families();
  EXPECT_EQ(families,
            (std::vector<std::string_view>{
                "positions", "account_summary", "executions", "open_orders", "contract_details",
                "current_time", "historical_data", "head_timestamp", "market_data_snapshot"}));
  // docs/gateway.md "Message cost per job": subscriptions cost their cancel too.
  EXPECT_EQ(spec(RequestKind::kPositions).cost, 2);
  EXPECT_EQ(spec(RequestKind::kAccountSummary).cost, 2);
  EXPECT_EQ(spec(RequestKind::kExecutions).cost, 1);
  // IB's historical rules count historical data and head timestamps; everything else is general.
  for (const auto& s : request_specs()) {
    bool historical =
        s.kind == RequestKind::kHistoricalData || s.kind == RequestKind::kHeadTimestamp;
    EXPECT_EQ(s.pacing, historical ? PacingClass::kHistorical : PacingClass::kGeneral) << s.name;
  }
}

}  // namespace
}  // namespace intentq::gw
