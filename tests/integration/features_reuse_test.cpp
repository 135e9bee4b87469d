// Answer reuse and account routing through real processes (issues 10 and 11): intentq-broker, a
// real intentq-worker and intentq-gwsim. The worker must announce its gateway and the intents'
// costs in READY (@gateway, @cost); with a worker that does not, the broker treats summary as a
// plain service and these tests are skipped (the message says so).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "tests/support/intents_cluster.hpp"
#include "tests/support/msgpack_json.hpp"

namespace intentq::intents_test {
namespace {

using nlohmann::json;

using test::mp;

json stats(const Broker& broker) {
  return broker_stats(broker);
}

// Subscribes to every result before the test submits anything.
struct Subscriber {
  explicit Subscriber(const std::string& endpoint)
      : socket(e2e::subscriber(context, endpoint, "result.")) {}
  // Envelopes published within `for_how_long` (stops early once `want` arrived).
  std::vector<json> collect(size_t want, std::chrono::milliseconds for_how_long) {
    std::vector<json> got;
    const auto end = Clock::now() + for_how_long;
    while (got.size() < want && Clock::now() < end) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 100ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> parts;
      (void)zmq::recv_multipart(socket, std::back_inserter(parts));
      if (parts.size() == 2) got.push_back(json::from_msgpack(parts[1].to_string()));
    }
    return got;
  }
  zmq::context_t context{1};
  zmq::socket_t socket;
};

class ReuseProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    // 300 ms per answer: every request below arrives while the first fetch is in flight.
    sim = std::make_unique<Sim>(std::vector<std::string>{"--latency-ms", "300"});
    broker = std::make_unique<Broker>(std::vector<std::string>{"--startup-grace-ms", "0"});
    worker = start_gateway_worker(*broker, sim->address(), 41);
    e2e::wait_for_service(broker->endpoints.frontend, "summary");
    ASSERT_FALSE(stats(*broker)["gateway_workers"].empty()) << "no worker announced a gateway";
    // PUB drops what it publishes before a subscription has propagated: submit echo jobs until
    // the subscriber has seen one (bounded), then start from a quiet subscriber.
    sub = std::make_unique<Subscriber>(broker->endpoints.publish);
    bool joined = false;
    for (int i = 0; i < 50 && !joined; ++i) {
      ASSERT_TRUE(run(*broker, "echo").ok);
      joined = !sub->collect(1, 100ms).empty();
    }
    ASSERT_TRUE(joined) << "the subscriber never received a published result";
    while (!sub->collect(1, 200ms).empty()) {
    }
  }
  uint64_t counter(const std::string& name) { return stats(*broker)["counters"][name]; }

  std::unique_ptr<Sim> sim;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Process> worker;
  std::unique_ptr<Subscriber> sub;
};

TEST_F(ReuseProcesses, FiftyConcurrentIdenticalSummariesAreOneFetch) {
  const auto dispatched_before = counter("dispatched");
  JobClient client(broker->endpoints.frontend);
  for (int i = 0; i < 50; ++i)
    client.request("summary", {mp({{"id", "same-" + std::to_string(i)},
                                   {"deadline_ms", 20000},
                                   {"params", {{"account", "DU7000001"}}}})});
  std::set<std::string> ids;
  std::string source;
  for (int i = 0; i < 50; ++i) {
    auto reply = client.receive_raw(20s);
    ASSERT_TRUE(reply) << "only " << i << " of 50 replies";
    const auto r = json::from_msgpack((*reply)[1]);
    ASSERT_EQ(r["status"], "ok") << r.dump();
    ids.insert(r["id"]);
    if (r.contains("source_id")) source = r["source_id"];
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(source, "same-0");
  const auto st = stats(*broker);
  EXPECT_EQ(st["counters"]["dispatched"].get<uint64_t>() - dispatched_before, 1u)
      << "one job ran for the 50 requests";
  EXPECT_EQ(st["counters"]["coalesced"], 49);
  // Each request's result was published once, under its own id.
  const auto published = sub->collect(50, 10s);
  std::multiset<std::string> published_ids;
  for (const auto& p : published) published_ids.insert(p["id"]);
  EXPECT_EQ(published_ids.size(), 50u);
  EXPECT_EQ(std::set<std::string>(published_ids.begin(), published_ids.end()), ids);
  EXPECT_TRUE(sub->collect(1, 500ms).empty()) << "nothing published twice";
}

TEST_F(ReuseProcesses, DifferentAccountsNeverShareAndAnAttachedRequestTimesOutAlone) {
  const auto dispatched_before = counter("dispatched");
  JobClient client(broker->endpoints.frontend);
  client.request("summary", {mp({{"id", "acct-1"}, {"params", {{"account", "DU7000001"}}}})});
  client.request(
      "summary",
      {mp({{"id", "acct-1-short"}, {"deadline_ms", 50}, {"params", {{"account", "DU7000001"}}}})});
  client.request("summary", {mp({{"id", "acct-2"}, {"params", {{"account", "DU7000002"}}}})});
  std::map<std::string, json> got;
  for (int i = 0; i < 3; ++i) {
    auto reply = client.receive_raw(20s);
    ASSERT_TRUE(reply) << "only " << i << " of 3 replies";
    const auto r = json::from_msgpack((*reply)[1]);
    got[r["id"]] = r;
    if (i == 0) {
      EXPECT_EQ(r["id"], "acct-1-short") << "the short deadline is answered first";
    }
  }
  EXPECT_EQ(got["acct-1-short"]["error"]["code"], "TIMEOUT");
  EXPECT_EQ(got["acct-1"]["status"], "ok") << got["acct-1"].dump();
  EXPECT_EQ(got["acct-2"]["status"], "ok") << got["acct-2"].dump();
  EXPECT_FALSE(got["acct-2"].contains("source_id"));
  EXPECT_EQ(got["acct-2"]["result"]["accounts"], json({"DU7000002"}));
  EXPECT_EQ(counter("dispatched") - dispatched_before, 2u);  // one per account
}

TEST_F(ReuseProcesses, FreshAnswersAreReusedAndErrorsAreNot) {
  const json params = {{"account", "DU7000001"}};
  auto first = run(*broker, "summary", params);
  ASSERT_TRUE(first.ok) << describe(first);
  JobClient client(broker->endpoints.frontend);
  client.request("summary",
                 {mp({{"id", "fresh-enough"}, {"max_age_ms", 60000}, {"params", params}})});
  auto reply = client.receive_raw(10s);
  ASSERT_TRUE(reply);
  auto r = json::from_msgpack((*reply)[1]);
  EXPECT_EQ(r["cached"], true) << r.dump();
  EXPECT_EQ(r["source_id"], first.id);
  EXPECT_LE(r["age_ms"].get<uint64_t>(), 60000u);
  EXPECT_EQ(counter("reuse_hits"), 1u);

  // contract_details for con_id 1 is an IB error (200): not kept for reuse.
  const json bad = {{"con_id", 1}};
  auto error = run(*broker, "contract_details", bad);
  ASSERT_FALSE(error.ok);
  const auto dispatched_before = counter("dispatched");
  client.request("contract_details",
                 {mp({{"id", "err-again"}, {"max_age_ms", 60000}, {"params", bad}})});
  reply = client.receive_raw(10s);
  ASSERT_TRUE(reply);
  r = json::from_msgpack((*reply)[1]);
  EXPECT_EQ(r["status"], "error");
  EXPECT_FALSE(r.contains("cached"));
  EXPECT_EQ(counter("dispatched") - dispatched_before, 1u) << "the error was fetched again";
}

// `intentq submit --max-age-ms` and the Python example's --max-age-ms put max_age_ms in the
// envelope: the second identical request is answered from the first one's result.
TEST_F(ReuseProcesses, CliAndPythonClientCarryMaxAgeMs) {
  const std::string account = "DU7000002";
  auto first = run(*broker, "positions", {{"account", account}});
  ASSERT_TRUE(first.ok) << describe(first);
  const auto dispatched_before = counter("dispatched");

  auto cli =
      e2e::run_cli({"submit", "positions", "--param", "account=" + account, "--max-age-ms", "60000",
                    "--id", "cli-fresh", "--compact", "--broker", broker->endpoints.frontend});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  auto r = e2e::first_json_line(cli.output);
  ASSERT_TRUE(r) << cli.output;
  EXPECT_EQ((*r)["id"], "cli-fresh");
  EXPECT_EQ((*r)["cached"], true) << r->dump();
  EXPECT_EQ((*r)["source_id"], first.id);
  EXPECT_EQ((*r)["result"], first.result);

  Process py({"/usr/bin/python3",
              std::string(INTENTQ_SOURCE_DIR) + "/examples/python/intentq_client.py", "--broker",
              broker->endpoints.frontend, "submit", "positions", "--param", "account=" + account,
              "--max-age-ms", "60000", "--id", "py-fresh"});
  auto status = py.wait_exit(30s);
  ASSERT_TRUE(status) << py.output_text();
  ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << py.output_text();
  r = e2e::first_json_line(py.output_text());
  ASSERT_TRUE(r) << py.output_text();
  EXPECT_EQ((*r)["id"], "py-fresh");
  EXPECT_EQ((*r)["cached"], true) << r->dump();
  EXPECT_LE((*r)["age_ms"].get<uint64_t>(), 60000u);
  EXPECT_EQ(counter("dispatched"), dispatched_before) << "nothing was fetched again";

  // Without --max-age-ms the same request is fetched fresh.
  cli = e2e::run_cli({"submit", "positions", "--param", "account=" + account, "--compact",
                      "--broker", broker->endpoints.frontend});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  r = e2e::first_json_line(cli.output);
  ASSERT_TRUE(r) << cli.output;
  EXPECT_FALSE(r->contains("cached")) << r->dump();
  EXPECT_EQ(counter("dispatched"), dispatched_before + 1);
}

}  // namespace
}  // namespace intentq::intents_test
