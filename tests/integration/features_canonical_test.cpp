// Issue 16, items 1 and 2, through real processes (intentq-broker, intentq-worker, intentq-gwsim):
// a request whose params the broker and the worker once read differently (a key given twice, the
// last one nil; an integral float where the worker wants an integer) must never change what an
// honest request for the same thing receives, neither by coalescing (both in flight) nor by
// answer reuse (max_age_ms). The broker now refuses such a request with the worker's own message
// before any sharing. Against the broker and worker from before the fix every case fails: the
// honest request got the crafted job's answer (both accounts, MSFT fills, 13 tags, ES for AAPL)
// or its BAD_REQUEST, with source_id naming the crafted job.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/intents_cluster.hpp"
#include "tests/support/msgpack_json.hpp"
#include "tests/support/raw_msgpack.hpp"

namespace intentq::intents_test {
namespace {

using nlohmann::json;
using test::RawMsgpack;

// A request envelope whose params are `params` exactly as given (bytes JSON cannot express).
std::string envelope(const std::string& id, const std::string& params, uint64_t max_age_ms = 0) {
  RawMsgpack m;
  m.map(max_age_ms ? 4 : 3).str("id").str(id).str("deadline_ms").integer(20000);
  if (max_age_ms) m.str("max_age_ms").integer(static_cast<int64_t>(max_age_ms));
  return m.str("params").raw(params).bytes();
}

using test::mp;

struct Case {
  std::string name;
  std::string service;
  json honest;             // what an honest client asks
  std::string crafted;     // params with the honest one's old sharing key but another meaning
  std::string refused_as;  // the broker's (and worker's) BAD_REQUEST message for `crafted`
  // Text of the scenario that the honest answer must not hold (another account's rows, another
  // symbol's fills, a tag it did not ask for) and text it must hold.
  std::string foreign;
  std::string own;
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.name;
}

std::string given_twice(const std::string& key) {
  return "param '" + key + "' is given more than once";
}

std::vector<Case> cases() {
  // {"<key>": <honest value>, ..., "<key>": nil}: the old broker keyed on the first non-nil value,
  // the worker read the last key and took nil for absent.
  auto then_nil = [](const json& honest, const std::string& key) {
    RawMsgpack m;
    m.map(static_cast<uint32_t>(honest.size() + 1));
    for (const auto& [k, v] : honest.items()) m.str(k).raw(mp(v));
    return m.str(key).nil().bytes();
  };
  const json account = {{"account", "DU7000002"}};
  const json aapl_fills = {{"symbol", "AAPL"}};
  const json one_tag = {{"tags", "NetLiquidation"}};
  const json aapl = {{"con_id", 265598}};
  const json aapl_named_es = {{"con_id", 265598}, {"symbol", "ES"}, {"sec_type", "FUT"}};
  return {
      {"positions", "positions", account, then_nil(account, "account"), given_twice("account"),
       "DU7000001", "DU7000002"},
      {"summary", "summary", account, then_nil(account, "account"), given_twice("account"),
       "DU7000001", "DU7000002"},
      {"executions", "executions", aapl_fills, then_nil(aapl_fills, "symbol"),
       given_twice("symbol"), "MSFT", "AAPL"},
      {"account_summary", "account_summary", one_tag, then_nil(one_tag, "tags"),
       given_twice("tags"), "TotalCashValue", "NetLiquidation"},
      {"contract_details_nil", "contract_details", aapl, then_nil(aapl, "con_id"),
       given_twice("con_id"), "ESZ6", "AAPL"},
      // A con_id with another contract's symbol: IB looks up the con_id (AAPL); with the con_id
      // gone (nil) the worker once asked for the symbol (ES) under the honest request's key.
      {"contract_details_symbol", "contract_details", aapl_named_es,
       then_nil(aapl_named_es, "con_id"), given_twice("con_id"), "ESZ6", "AAPL"},
      // Item 2: 265598.0 had the key of 265598, and the worker refuses a float con_id.
      {"contract_details_float", "contract_details", aapl,
       RawMsgpack().map(1).str("con_id").float64(265598.0).bytes(),
       "param 'con_id' must be an integer", "ESZ6", "AAPL"},
  };
}

class CraftedParams : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    // 300 ms per answer: the honest request arrives while the crafted one would be in flight.
    sim = std::make_unique<Sim>(std::vector<std::string>{"--latency-ms", "300"});
    broker = std::make_unique<Broker>(std::vector<std::string>{"--startup-grace-ms", "0"});
    worker = start_gateway_worker(*broker, sim->address(), 43);
    e2e::wait_for_service(broker->endpoints.frontend, GetParam().service);
    ASSERT_FALSE(broker_stats(*broker)["gateway_workers"].empty())
        << "no worker announced a gateway";
  }

  // The next reply on `client` as JSON (fails the test after 20 s).
  static json next(JobClient& client) {
    auto reply = client.receive_raw(20s);
    if (!reply || reply->size() != 2) {
      ADD_FAILURE() << "no reply within 20 s";
      return json::object();
    }
    return json::from_msgpack((*reply)[1]);
  }

  // Reads with value(): on an unfixed broker the reply is an ok answer without "error".
  void expect_refused(const json& r) {
    const auto error = r.value("error", json::object());
    EXPECT_EQ(r.value("status", ""), "error") << r.dump();
    EXPECT_EQ(error.value("code", ""), "BAD_REQUEST") << r.dump();
    EXPECT_EQ(error.value("message", ""), GetParam().refused_as) << r.dump();
    EXPECT_EQ(r.value("worker", ""), "broker") << "refused before any worker saw it: " << r.dump();
  }

  std::unique_ptr<Sim> sim;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Process> worker;
};

TEST_P(CraftedParams, NeverChangeWhatAnHonestRequestReceives) {
  const Case& c = GetParam();
  // What the honest request receives with nobody else around.
  const auto reference = run(*broker, c.service, c.honest);
  ASSERT_TRUE(reference.ok) << describe(reference);
  // The reference is what the honest client asked for, and only that: the attack's old outcome
  // (every account, every symbol, every tag) would differ from it.
  const auto text = reference.result.dump();
  EXPECT_NE(text.find(c.own), std::string::npos) << text;
  EXPECT_EQ(text.find(c.foreign), std::string::npos) << text;

  // Coalescing: the crafted request first, the honest one while it would be in flight.
  JobClient client(broker->endpoints.frontend);
  client.request(c.service, {envelope("crafted-1", c.crafted)});
  client.request(c.service, {envelope("honest-1", mp(c.honest))});
  std::map<std::string, json> got;
  for (int i = 0; i < 2; ++i) {
    auto r = next(client);
    got[r.value("id", "?")] = r;
  }
  ASSERT_EQ(got.count("crafted-1"), 1u);
  ASSERT_EQ(got.count("honest-1"), 1u);
  expect_refused(got["crafted-1"]);
  const auto& honest = got["honest-1"];
  ASSERT_EQ(honest["status"], "ok")
      << "the crafted request failed the honest one: " << honest.dump();
  EXPECT_NE(honest.value("source_id", ""), "crafted-1") << honest.dump();
  EXPECT_EQ(honest["result"], reference.result) << "coalescing changed the honest answer";

  // Reuse: the crafted request answered last, then the honest one accepts a stored answer.
  client.request(c.service, {envelope("crafted-2", c.crafted)});
  expect_refused(next(client));
  client.request(c.service, {envelope("honest-2", mp(c.honest), 60000)});
  const auto reused = next(client);
  ASSERT_EQ(reused["status"], "ok") << reused.dump();
  EXPECT_NE(reused.value("source_id", ""), "crafted-2") << reused.dump();
  EXPECT_EQ(reused["result"], reference.result) << "a stored answer changed the honest answer";
}

INSTANTIATE_TEST_SUITE_P(Issue16, CraftedParams, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace intentq::intents_test
