// A persistent gateway session after a hostile answer (issue 16): a slow frame, an endless stream
// or an error flood from the gateway costs at most the job it hit and one reconnect; the next
// job is served on the new connection at once. Real broker, worker and intentq-gwsim, whose
// faults hit only its first connection (--fault-connections 1), so that the honest gateway the
// worker meets after one reconnect shows whether the worker recovered.
//
// Before: the abandoned answer stayed an orphan until the 10 s orphan rule closed the session,
// and every job routed to the worker meanwhile timed out (the deadline plus ~10 s unusable).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/gwsim_stats.hpp"
#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

struct HostileAnswer {
  const char* fault;
  const char* intent;
  nlohmann::json params;
};

std::string name_of(const HostileAnswer& h) {
  return std::string(h.fault) + " on " + h.intent;
}

// The job the hostile gateway answers fails (bound passed or deadline); the worker closes the
// session at once and reconnects; the next job succeeds well before the old orphan rule (10 s)
// would have let it, on the simulator's second connection.
void expect_recovery_within_one_reconnect(const HostileAnswer& hostile, int client_id) {
  // A trickled answer takes minutes, an endless stream never ends: bounded only by the flood
  // bounds (60 s), long past this test.
  Sim sim({"--fault", hostile.fault, "--fault-connections", "1", "--flood-seconds", "60",
           "--trickle-ms", "100"});
  Broker broker;
  auto worker = start_gateway_worker(broker, sim.address(), client_id, {}, "info");
  e2e::wait_for_service(broker.endpoints.frontend, hostile.intent);

  const auto hit = run(broker, hostile.intent, hostile.params, 1500);
  ASSERT_FALSE(hit.ok) << name_of(hostile) << ": the hostile answer was accepted";
  EXPECT_TRUE(hit.error->code == ErrorCode::kTimeout || hit.error->code == ErrorCode::kGatewayError)
      << name_of(hostile) << ": " << describe(hit);

  const auto after_hit = Clock::now();
  const auto next = run(broker, hostile.intent, hostile.params, 5000);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - after_hit);
  ASSERT_TRUE(next.ok) << name_of(hostile)
                       << ": the job after the hostile answer: " << describe(next);
  EXPECT_LT(took, 4s) << name_of(hostile);
  worker->expect_line(std::regex("gateway session closed: its job ended"), 5s);
  for (int i = 0; i < 3; ++i) {
    const auto again = run(broker, hostile.intent, hostile.params, 5000);
    EXPECT_TRUE(again.ok) << name_of(hostile) << ": " << describe(again);
  }
  EXPECT_EQ(test::read_gwsim_stats(*sim.process).connections, 2u)
      << name_of(hostile) << ": expected exactly one reconnect";
  EXPECT_TRUE(worker->running());
  std::printf("%s: hit job '%s'; next job ok %lld ms after it; 1 reconnect\n",
              name_of(hostile).c_str(), describe(hit).c_str(),
              static_cast<long long>(took.count()));
}

TEST(IntentsSessionRecovery, EndlessPositionsStreamCostsOneReconnect) {
  expect_recovery_within_one_reconnect({"positions-no-end", "positions", {}}, 51);
}

// An answer without request id, trickled a byte every 100 ms: its job times out mid-frame.
TEST(IntentsSessionRecovery, SlowFrameOfAnIdLessAnswerCostsOneReconnect) {
  expect_recovery_within_one_reconnect({"slow-frame", "positions", {}}, 52);
}

// An answer with a request id (its late rest would be dropped as unmatched), trickled: the frame
// the job left half received would hold the decoder for every later answer.
TEST(IntentsSessionRecovery, SlowFrameOfAnAnswerWithIdCostsOneReconnect) {
  expect_recovery_within_one_reconnect(
      {"slow-frame", "contract_details", nlohmann::json{{"con_id", 265598}}}, 53);
}

// Errors for request ids nobody sent, as fast as the worker reads them: they are dropped (their
// log lines rate-limited) and the jobs are answered meanwhile, on the first connection.
TEST(IntentsSessionRecovery, ErrorFloodLeavesTheSessionUsable) {
  Sim sim({"--fault", "error-flood", "--fault-connections", "1", "--flood-seconds", "60"});
  GatewayCluster cluster(sim.address(), 54, "summary", {}, "info");
  auto& [broker, worker] = cluster;
  for (int i = 0; i < 5; ++i) {
    const auto reply = run(broker, "summary", {}, 5000);
    EXPECT_TRUE(reply.ok) << "summary " << i << " during an error flood: " << describe(reply);
  }
  EXPECT_EQ(test::read_gwsim_stats(*sim.process).connections, 1u);
  EXPECT_TRUE(worker->running());
}

}  // namespace
}  // namespace intentq::intents_test
