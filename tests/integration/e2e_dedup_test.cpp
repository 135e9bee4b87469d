// The same job id submitted twice, while it runs and after it finished: the worker runs it once
// (its log has one "job <id> start" line), and every submitter gets the one result.
#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

TEST(E2eDedup, SameIdDuringAndAfterTheRunExecutesOnce) {
  Broker broker;
  auto workers = start_workers(broker.endpoints.backend, 2, 1000, 3, "debug");
  wait_for_service(broker.endpoints.frontend, "echo");

  auto request = make_request("dedup-1", {{"delay_ms", 800}, {"tag", "first"}});
  JobClient first(broker.endpoints.frontend), second(broker.endpoints.frontend);
  first.send("echo", request);
  // Resubmit while it runs (second worker is idle, so a broker without dedup would run it).
  bool started = false;
  auto until = Clock::now() + 5s;
  while (!started && Clock::now() < until)
    for (auto& w : workers) started = started || saw_line(*w, "job dedup-1 start", 20ms);
  ASSERT_TRUE(started) << "no worker started the job";
  JobRequest resend = request;
  resend.params["tag"] = "second";  // same id, different params: must not matter
  second.send("echo", resend);

  auto a = first.receive(10s), b = second.receive(10s);
  ASSERT_TRUE(a && b) << "a submitter got no reply";
  ASSERT_TRUE(a->second.ok && b->second.ok);
  EXPECT_EQ(a->second.result, b->second.result);
  EXPECT_EQ(a->second.result.value("tag", ""), "first");
  EXPECT_EQ(a->second.worker, b->second.worker);

  // After it finished: answered from the dedup cache.
  auto c = submit(broker.endpoints.frontend, "echo", resend, 5s);
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.result.value("tag", ""), "first");

  size_t starts = 0;
  for (auto& w : workers) starts += count_lines(*w, "job dedup-1 start");
  EXPECT_EQ(starts, 1u);
  EXPECT_FALSE(first.receive(200ms));
  EXPECT_FALSE(second.receive(200ms));
}

}  // namespace
}  // namespace intentq::e2e
