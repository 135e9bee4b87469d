// A worker's open file descriptors and threads return to their baseline after many jobs: each
// job's io_context and thread are gone once its reply is sent.

#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

using test::dir_entries;

TEST(E2eResources, WorkerFdsAndThreadsReturnToBaselineAfterManyJobs) {
  Broker broker;
  auto worker = start_worker(broker.endpoints.backend);
  wait_for_service(broker.endpoints.frontend, "echo");
  const std::string proc = "/proc/" + std::to_string(worker->pid());

  JobClient client(broker.endpoints.frontend);
  auto run_jobs = [&](int first, int count, nlohmann::json params) {
    for (int i = first; i < first + count; ++i) {
      auto r = make_request("res-" + std::to_string(i), params);
      client.send("echo", r);
      auto reply = client.receive(10s);
      ASSERT_TRUE(reply) << "job " << i << " unanswered";
      ASSERT_TRUE(reply->second.ok) << reply->second.error->message;
    }
  };
  run_jobs(0, 5, nlohmann::json::object());  // warm up lazily created state
  const size_t fds = dir_entries(proc + "/fd"), threads = dir_entries(proc + "/task");

  for (int batch = 0; batch < 6; ++batch) {
    // Mix plain jobs, delayed jobs and jobs cut at their deadline.
    run_jobs(100 + batch * 100, 40, {{"n", batch}});
    run_jobs(100 + batch * 100 + 50, 3, {{"delay_ms", 20}});
    auto cut = make_request("res-cut-" + std::to_string(batch), {{"delay_ms", 5000}}, 50);
    client.send("echo", cut);
    auto reply = client.receive(5s);
    ASSERT_TRUE(reply);
    EXPECT_FALSE(reply->second.ok);
    // The broker answers TIMEOUT at the deadline; the worker stops the job at about the same
    // time. Run one more job so the measurement follows the worker's own reply.
    run_jobs(100 + batch * 100 + 60, 1, nlohmann::json::object());
    EXPECT_EQ(dir_entries(proc + "/fd"), fds) << "fd count changed after batch " << batch;
    EXPECT_EQ(dir_entries(proc + "/task"), threads) << "thread count changed after batch " << batch;
  }
  std::printf("worker baseline: %zu fds, %zu threads; unchanged after ~270 jobs\n", fds, threads);
}

}  // namespace
}  // namespace intentq::e2e
