// docs/extending.md "Adding an intent", proved through real processes: `position_count`, an intent
// defined in one file (tests/intents/position_count.cpp) plus one catalog line compiled into
// intentq-worker-test, is registered with the broker and listed by mmi.service, validated by the
// worker with its schema, taken through the broker's params checks, and served end to end against
// intentq-gwsim (tests/data/intents_scenario.json: DU7000001 holds 300 and -25, DU7000002 3).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/intents_cluster.hpp"
#include "tests/support/raw_msgpack.hpp"

namespace intentq::intents_test {
namespace {

using nlohmann::json;

class ExtendingIntent : public ::testing::Test {
 protected:
  void SetUp() override {
    sim = std::make_unique<Sim>();
    broker = std::make_unique<Broker>(std::vector<std::string>{"--startup-grace-ms", "0"});
    worker = e2e::start_worker(broker->endpoints.backend, 1000, 3, "warn",
                               {"--gateway", sim->address(), "--client-id", "51"},
                               "intentq-worker-test");
  }

  // Runs position_count and expects a BAD_REQUEST with `message` from `who`.
  void expect_refused(const json& params, const std::string& message, const std::string& who) {
    auto r = run(*broker, "position_count", params);
    ASSERT_FALSE(r.ok) << params.dump();
    ASSERT_TRUE(r.error) << params.dump();
    EXPECT_EQ(r.error->code, ErrorCode::kBadRequest) << params.dump() << ": " << describe(r);
    EXPECT_EQ(r.error->message, message) << params.dump();
    if (who == "broker")
      EXPECT_EQ(r.worker, "broker") << params.dump();
    else
      EXPECT_NE(r.worker, "broker") << "the worker's schema refuses it: " << params.dump();
  }

  std::unique_ptr<Sim> sim;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Process> worker;
};

TEST_F(ExtendingIntent, OneFileIntentIsListedValidatedAndServedEndToEnd) {
  // Registered: mmi.service answers 200 once the test worker's READY named it (throws otherwise).
  e2e::wait_for_service(broker->endpoints.frontend, "position_count");

  // Served against the simulator, the fetch timed under its request's name.
  auto all = run(*broker, "position_count");
  ASSERT_TRUE(all.ok) << describe(all);
  EXPECT_EQ(all.result, (json{{"count", 3}, {"by_account", {{"DU7000001", 2}, {"DU7000002", 1}}}}));
  EXPECT_TRUE(all.timings_ms.contains("positions")) << all.timings_ms.dump();
  EXPECT_NE(all.worker, "broker");

  // Its params, read through its own schema: trimmed account, a number filter.
  auto one = run(*broker, "position_count", {{"account", " DU7000002 "}});
  ASSERT_TRUE(one.ok) << describe(one);
  EXPECT_EQ(one.result, (json{{"count", 1}, {"by_account", {{"DU7000002", 1}}}}));
  auto large = run(*broker, "position_count", {{"min_size", 25}});
  ASSERT_TRUE(large.ok) << describe(large);
  EXPECT_EQ(large.result, (json{{"count", 2}, {"by_account", {{"DU7000001", 2}}}}));

  // Validated by the worker, with the schema's messages.
  expect_refused({{"min_size", "big"}}, "param 'min_size' must be a number", "worker");
  expect_refused({{"min_size", -1}}, "param 'min_size' must be positive", "worker");
  expect_refused({{"acount", "DU7000001"}},
                 "param 'acount' is not known to intent 'position_count' (known: account, "
                 "min_size)",
                 "worker");

  // The broker's checks for a service without a shared schema (docs/protocol.md §6.9): a key
  // given twice never reaches a worker, and an account no worker holds is answered at once.
  JobClient client(broker->endpoints.frontend);
  auto twice = test::RawMsgpack()
                   .map(3)
                   .str("id")
                   .str("twice-1")
                   .str("deadline_ms")
                   .integer(20000)
                   .str("params")
                   .map(2)
                   .str("account")
                   .str("DU7000001")
                   .str("account")
                   .str("DU7000002")
                   .bytes();
  client.request("position_count", {twice});
  auto raw = client.receive_raw(20s);
  ASSERT_TRUE(raw && raw->size() == 2) << "no reply to the key given twice within 20 s";
  const auto refused = json::from_msgpack((*raw)[1]);
  EXPECT_EQ(refused["error"]["code"], "BAD_REQUEST") << refused.dump();
  EXPECT_EQ(refused["error"]["message"],
            "invalid request envelope: field 'params.account' is given more than once");
  EXPECT_EQ(refused["worker"], "broker") << refused.dump();
  auto unknown = run(*broker, "position_count", {{"account", "DU9999999"}});
  ASSERT_FALSE(unknown.ok);
  EXPECT_EQ(unknown.error->code, ErrorCode::kUnknownAccount) << describe(unknown);
}

TEST_F(ExtendingIntent, OnlyTheTestWorkerListsTheTestIntent) {
  // The product worker's catalog has no test line: a broker with only intentq-worker never
  // learns position_count.
  Broker product(std::vector<std::string>{"--startup-grace-ms", "0"});
  auto product_worker = start_gateway_worker(product, sim->address(), 52);
  e2e::wait_for_service(product.endpoints.frontend, "positions");
  auto r = run(product, "position_count");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error->code, ErrorCode::kUnknownIntent) << describe(r);
}

}  // namespace
}  // namespace intentq::intents_test
