// Issue 7 defect 1, on real processes: workers that vanish while jobs are queued must never take
// the broker down. Real intentq-workers are stopped with SIGTERM (what `systemctl stop` sends) and
// killed, several rounds, while a client keeps echo and account_summary jobs queued; the broker
// must stay alive and answer every job exactly once.
#include <signal.h>

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

constexpr int kHeartbeatMs = 300;

TEST(E2eBrokerChurn, WorkersStoppedWhileJobsAreQueuedNeverCrashTheBroker) {
  Broker broker{{"--heartbeat-ms", std::to_string(kHeartbeatMs), "--max-queue", "100000"}};
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(start_worker(broker.endpoints.backend, kHeartbeatMs, 3, "warn",
                                   {"--gateway", "127.0.0.1:1", "--gateway-timeout-ms", "200",
                                    "--gateway-session", "per-job"}));
  wait_for_service(broker.endpoints.frontend, "echo");
  wait_for_service(broker.endpoints.frontend, "account_summary");

  JobClient client(broker.endpoints.frontend);
  std::map<std::string, int> answers;  // id -> replies seen
  int sent = 0;
  auto send_batch = [&](int n) {
    for (int i = 0; i < n; ++i, ++sent) {
      auto r = make_request("churn-" + std::to_string(sent), nlohmann::json::object(), 60000);
      // Short echo jobs keep every worker busy and the queue long; account_summary jobs (no
      // gateway here: they fail fast) exercise a second service of the same workers.
      if (sent % 3 == 0) {
        client.send("account_summary", r);
      } else {
        r.params = {{"delay_ms", 20}};
        client.send("echo", r);
      }
    }
  };
  auto collect = [&](std::chrono::milliseconds window) {
    const auto end = Clock::now() + window;
    while (Clock::now() < end)
      if (auto rep = client.receive(50ms)) ++answers[rep->second.id];
  };

  for (int round = 0; round < 4; ++round) {
    send_batch(60);
    collect(150ms);
    // Stop one worker politely and kill another outright while jobs are queued.
    workers[0]->signal(SIGTERM);
    if (round % 2 == 1) workers[1]->signal(SIGKILL);
    collect(300ms);
    ASSERT_TRUE(broker.process->running()) << "broker died in round " << round << ":\n"
                                           << broker.process->output_text();
    workers[0]->wait_exit(10s);
    workers.erase(workers.begin());
    if (round % 2 == 1) {
      workers[0]->wait_exit(10s);
      workers.erase(workers.begin());
    }
    while (workers.size() < 3)
      workers.push_back(start_worker(broker.endpoints.backend, kHeartbeatMs, 3, "warn",
                                     {"--gateway", "127.0.0.1:1", "--gateway-timeout-ms", "200",
                                      "--gateway-session", "per-job"}));
  }
  const auto end = Clock::now() + 60s;
  while (static_cast<int>(answers.size()) < sent && Clock::now() < end) collect(200ms);
  ASSERT_TRUE(broker.process->running()) << broker.process->output_text();
  EXPECT_EQ(static_cast<int>(answers.size()), sent) << "jobs left unanswered";
  for (auto& [id, n] : answers) EXPECT_EQ(n, 1) << id << " answered " << n << " times";
  std::printf("churn: %d jobs through 4 rounds of SIGTERM/SIGKILL, %zu answered\n", sent,
              answers.size());
}

}  // namespace
}  // namespace intentq::e2e
