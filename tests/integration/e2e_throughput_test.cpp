// 10,000 echo jobs from 4 concurrent pipelining clients through the real broker and 4 workers:
// every job is answered exactly once, ok, with its own params.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

TEST(E2eThroughput, TenThousandEchoJobsFromFourClientsAnsweredExactlyOnce) {
  Broker broker;
  auto workers = start_workers(broker.endpoints.backend, 4);
  wait_for_service(broker.endpoints.frontend, "echo");

  constexpr int kClients = 4, kJobsPerClient = 2500, kWindow = 64;
  std::mutex mutex;
  std::map<std::string, int> answers;  // id -> replies seen
  std::vector<std::string> failures;
  auto start = Clock::now();

  auto client_run = [&](int c) {
    JobClient client(broker.endpoints.frontend);
    int sent = 0, received = 0;
    std::map<std::string, int> mine;
    auto fail = [&](std::string why) {
      std::lock_guard lock(mutex);
      failures.push_back("client " + std::to_string(c) + ": " + std::move(why));
    };
    while (received < kJobsPerClient) {
      while (sent < kJobsPerClient && sent - received < kWindow) {
        auto request = make_request("c" + std::to_string(c) + "-" + std::to_string(sent),
                                    {{"n", sent}, {"client", c}});
        client.send("echo", request);
        ++sent;
      }
      auto reply = client.receive(20s);
      if (!reply) return fail("no reply within 20 s after " + std::to_string(received));
      ++received;
      auto& r = reply->second;
      ++mine[r.id];
      if (!r.ok) return fail("job " + r.id + " failed: " + r.error->message);
      if (r.result.value("client", -1) != c ||
          "c" + std::to_string(c) + "-" + std::to_string(r.result.value("n", -1)) != r.id)
        return fail("job " + r.id + " came back with params " + r.result.dump());
    }
    // Nothing more may arrive: a duplicate would show up here.
    if (auto extra = client.receive(300ms)) fail("extra reply for " + extra->second.id);
    std::lock_guard lock(mutex);
    for (auto& [id, n] : mine) answers[id] += n;
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(client_run, c);
  for (auto& t : clients) t.join();
  auto seconds = std::chrono::duration<double>(Clock::now() - start).count();

  ASSERT_TRUE(failures.empty()) << failures.front();
  ASSERT_EQ(answers.size(), size_t{kClients * kJobsPerClient});
  for (auto& [id, n] : answers) ASSERT_EQ(n, 1) << id;
  std::printf("10,000 echo jobs, 4 clients x window %d, 4 workers: %.2f s = %.0f jobs/s\n", kWindow,
              seconds, kClients * kJobsPerClient / seconds);
  RecordProperty("jobs_per_second", std::to_string(kClients * kJobsPerClient / seconds));
  for (auto& w : workers) EXPECT_TRUE(w->running()) << w->output_text();
  EXPECT_TRUE(broker.process->running());
}

}  // namespace
}  // namespace intentq::e2e
