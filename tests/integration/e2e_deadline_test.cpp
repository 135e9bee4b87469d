// Deadlines, queue bounds and unknown intents with real workers in the loop.
#include <map>

#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

TEST(E2eDeadline, ShortDeadlineGivesOneTimeoutAndTheWorkerServesTheNextJob) {
  Broker broker;
  auto worker = start_worker(broker.endpoints.backend, 1000, 3, "debug");
  wait_for_service(broker.endpoints.frontend, "echo");

  JobClient client(broker.endpoints.frontend);
  auto slow = make_request("deadline-1", {{"delay_ms", 3000}}, 400);
  auto sent = Clock::now();
  client.send("echo", slow);
  auto reply = client.receive(5s);
  ASSERT_TRUE(reply) << "no TIMEOUT reply";
  EXPECT_EQ(reply->second.id, "deadline-1");
  ASSERT_FALSE(reply->second.ok);
  EXPECT_EQ(reply->second.error->code, ErrorCode::kTimeout);
  EXPECT_LT(Clock::now() - sent, 2500ms) << "TIMEOUT came long after the 400 ms deadline";

  // The worker stops the job at its deadline (it does not sit out the 3 s delay)...
  EXPECT_TRUE(saw_line(*worker, "job deadline-1 end status=error", 2s)) << worker->output_text();
  // ...and serves the next job right away.
  auto next = make_request("deadline-2", {{"x", 1}});
  auto next_sent = Clock::now();
  client.send("echo", next);
  auto second = client.receive(5s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->second.id, "deadline-2");
  EXPECT_TRUE(second->second.ok);
  EXPECT_LT(Clock::now() - next_sent, 1500ms);
  // Exactly one reply for the timed-out job: the worker's own late TIMEOUT is not forwarded.
  EXPECT_FALSE(client.receive(300ms));
  EXPECT_EQ(count_lines(*worker, "job deadline-1 start"), 1u);
}

TEST(E2eDeadline, FullQueueAnswersBusy) {
  Broker broker({"--max-queue", "2"});
  auto worker = start_worker(broker.endpoints.backend, 1000, 3, "debug");
  wait_for_service(broker.endpoints.frontend, "echo");

  JobClient client(broker.endpoints.frontend);
  // One job runs (holding the only worker), two wait in the queue, the fourth is refused.
  for (int i = 0; i < 4; ++i) {
    auto r = make_request("q-" + std::to_string(i), {{"delay_ms", i == 0 ? 1500 : 10}});
    client.send("echo", r);
    // Make sure the first job is running before the others queue behind it.
    if (i == 0) {
      ASSERT_TRUE(saw_line(*worker, "job q-0 start", 5s)) << worker->output_text();
    }
  }
  std::map<std::string, JobReply> replies;
  for (int i = 0; i < 4; ++i) {
    auto reply = client.receive(10s);
    ASSERT_TRUE(reply) << "only " << replies.size() << " replies";
    replies[reply->second.id] = reply->second;
  }
  int busy = 0, ok = 0;
  for (auto& [id, r] : replies) {
    if (r.ok)
      ++ok;
    else if (r.error->code == ErrorCode::kBusy)
      ++busy;
  }
  EXPECT_EQ(busy, 1) << "expected exactly the job beyond the bound to be refused";
  EXPECT_EQ(ok, 3);
  EXPECT_FALSE(replies.at("q-3").ok);
}

TEST(E2eDeadline, UnknownIntentGetsAnErrorReplyNotAHang) {
  Broker broker;
  auto worker = start_worker(broker.endpoints.backend);
  wait_for_service(broker.endpoints.frontend, "echo");
  auto r = make_request("nobody-serves-this", nlohmann::json::object(), 20000);
  // The broker may hold requests for a few seconds after its start so that workers can
  // re-register after a restart; the answer must still come well before the deadline.
  auto reply = submit(broker.endpoints.frontend, "no_such_intent", r, 10s);
  ASSERT_FALSE(reply.ok);
  EXPECT_EQ(reply.error->code, ErrorCode::kUnknownIntent) << reply.error->message;
  EXPECT_EQ(reply.id, "nobody-serves-this");
}

}  // namespace
}  // namespace intentq::e2e
