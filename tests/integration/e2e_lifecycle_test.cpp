// Worker lifecycle with a real broker: heartbeats keep flowing while a long job runs (the job is
// not mistaken for a dead worker), and SIGTERM lets the running job finish and be answered before
// the worker exits.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

TEST(E2eLifecycle, JobLongerThanTheLivenessWindowIsNotRequeued) {
  // 500 ms x 3: a worker that did not beat while busy would be declared dead after 1.5 s.
  Broker broker({"--heartbeat-ms", "500", "--liveness", "3"});
  auto workers = start_workers(broker.endpoints.backend, 2, 500, 3, "debug");
  wait_for_service(broker.endpoints.frontend, "echo");

  auto request = make_request("long-1", {{"delay_ms", 3000}}, 20000);
  auto reply = submit(broker.endpoints.frontend, "echo", request, 15s);
  ASSERT_TRUE(reply.ok) << reply.error->message;
  size_t starts = 0;
  for (auto& w : workers) starts += count_lines(*w, "job long-1 start");
  EXPECT_EQ(starts, 1u) << "the job was re-run: its worker looked dead while busy";
  auto stats = run_cli({"stats", "--broker", broker.endpoints.frontend});
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  auto j = nlohmann::json::parse(stats.output.substr(stats.output.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << stats.output;
  EXPECT_EQ(j["counters"].value("requeued", -1), 0) << j.dump(2);
  EXPECT_EQ(j["counters"].value("workers_expired", -1), 0) << j.dump(2);
}

TEST(E2eLifecycle, SigtermFinishesTheRunningJobThenExits) {
  Broker broker;
  auto worker = start_worker(broker.endpoints.backend, 1000, 3, "debug");
  wait_for_service(broker.endpoints.frontend, "echo");

  JobClient client(broker.endpoints.frontend);
  auto request = make_request("drain-1", {{"delay_ms", 800}});
  client.send("echo", request);
  ASSERT_TRUE(saw_line(*worker, "job drain-1 start", 5s)) << worker->output_text();
  worker->signal(SIGTERM);

  auto reply = client.receive(10s);
  ASSERT_TRUE(reply) << "the running job was abandoned on SIGTERM";
  EXPECT_TRUE(reply->second.ok);
  EXPECT_EQ(reply->second.id, "drain-1");
  auto status = worker->wait_exit(10s);
  ASSERT_TRUE(status) << "worker did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << worker->output_text();
  // It said DISCONNECT: the broker no longer lists a worker for echo.
  auto stats = run_cli({"stats", "--broker", broker.endpoints.frontend});
  auto j = nlohmann::json::parse(stats.output.substr(stats.output.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << stats.output;
  EXPECT_EQ(j.value("workers", -1), 0) << j.dump(2);
}

TEST(E2eLifecycle, SilentBrokerIsLeftWithBackoffAndRejoinedWhenItWakes) {
  // --no-worker-grace-ms 0: after the thaw the broker expires the worker it saw go silent, and
  // the worker may still sit in its reconnect backoff (up to 4 s here); the job below must wait
  // for it (Majordomo queueing) rather than be answered NO_WORKER after the default 2 s.
  Broker broker({"--heartbeat-ms", "300", "--liveness", "3", "--no-worker-grace-ms", "0"});
  auto worker = start_worker(broker.endpoints.backend, 300, 3, "info");
  wait_for_service(broker.endpoints.frontend, "echo");

  // A frozen broker: TCP stays up, nothing answers. The worker gives up on the socket after
  // 3 x 300 ms of silence and retries with a doubling delay.
  broker.process->signal(SIGSTOP);
  EXPECT_TRUE(saw_line(*worker, "reconnecting to the broker in 1000 ms", 5s))
      << worker->output_text();
  EXPECT_TRUE(saw_line(*worker, "reconnecting to the broker in 2000 ms", 8s))
      << worker->output_text();
  broker.process->signal(SIGCONT);

  // Awake again: the worker's pending READY (or its next reconnect) registers it, jobs flow.
  auto request = make_request("after-freeze", nlohmann::json::object(), 20000);
  auto reply = submit(broker.endpoints.frontend, "echo", request, 20s);
  EXPECT_TRUE(reply.ok) << (reply.error ? reply.error->message : "");
}

}  // namespace
}  // namespace intentq::e2e
