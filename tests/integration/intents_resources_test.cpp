// One worker, many gateway jobs: after EVERY job its open file descriptors and thread count are
// back at their baseline (each job's io_context, session socket and thread are gone).

#include <gtest/gtest.h>

#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

using test::dir_entries;

TEST(IntentsResources, WorkerFdsAndThreadsReturnToBaselineAfterEachJob) {
  Sim sim;
  GatewayCluster cluster(sim.address(), 31, "summary");
  auto& [broker, worker] = cluster;
  const std::string proc = "/proc/" + std::to_string(worker->pid());

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(run(broker, "summary").ok);  // warm up
  const size_t fds = dir_entries(proc + "/fd"), threads = dir_entries(proc + "/task");

  struct Job {
    std::string intent;
    nlohmann::json params;
    bool ok;
  };
  const std::vector<Job> round{
      {"summary", {}, true},
      {"positions", {{"account", "DU7000001"}}, true},
      {"contract_details", {{"con_id", 999}}, false},  // IB error 200: the failure path
      {"executions", {{"symbol", "AAPL"}}, true},
      {"summary", {{"account", "nope"}}, false},  // BAD_REQUEST after connecting
      {"current_time", {}, true},
  };
  int jobs = 0;
  for (int r = 0; r < 10; ++r) {
    for (const auto& job : round) {
      auto reply = run(broker, job.intent, job.params);
      ASSERT_EQ(reply.ok, job.ok) << job.intent << ": " << describe(reply);
      ++jobs;
      ASSERT_EQ(dir_entries(proc + "/fd"), fds)
          << "fd count changed after job " << jobs << " (" << job.intent << ")";
      ASSERT_EQ(dir_entries(proc + "/task"), threads)
          << "thread count changed after job " << jobs << " (" << job.intent << ")";
    }
  }
  std::printf("worker baseline: %zu fds, %zu threads; unchanged after each of %d gateway jobs\n",
              fds, threads, jobs);
}

}  // namespace
}  // namespace intentq::intents_test
