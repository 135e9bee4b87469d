// The broker killed and started again on the same ports: workers re-register by themselves, and
// a CLI submit started while the broker was down completes once it is back (Lazy Pirate retry
// with the same id).
#include <signal.h>
#include <sys/wait.h>

#include <set>

#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

TEST(E2eRestart, WorkersReRegisterAndAPendingSubmitCompletes) {
  auto broker = std::make_unique<Broker>(std::vector<std::string>{});
  const Endpoints endpoints = broker->endpoints;
  auto workers = start_workers(endpoints.backend, 2);
  wait_for_service(endpoints.frontend, "echo");
  auto before = make_request("before-restart");
  ASSERT_TRUE(submit(endpoints.frontend, "echo", before).ok);

  broker->process->signal(SIGKILL);
  ASSERT_TRUE(broker->process->wait_exit(5s)) << "broker did not die";
  broker.reset();

  // Submit while nothing listens; it keeps resending with the same id (--connect-timeout-ms:
  // this client rides out an outage longer than the default 5 s).
  Process cli({test::bin_dir() + "/intentq", "submit", "echo", "--broker", endpoints.frontend,
               "--param", "phase=during-restart", "--id", "restart-1", "--timeout-ms", "1000",
               "--retries", "20", "--connect-timeout-ms", "60000", "--compact"});
  ASSERT_TRUE(saw_line(cli, "resending job restart-1", 10s)) << cli.output_text();

  auto restart_at = Clock::now();
  broker = std::make_unique<Broker>(std::vector<std::string>{}, endpoints);
  auto reply = reply_printed(cli, 40s);
  ASSERT_TRUE(reply) << "submit did not print its reply and exit 0 within 40 s of the restart:\n"
                     << cli.output_text();
  EXPECT_EQ(reply->value("id", ""), "restart-1");
  EXPECT_EQ(reply->value("status", ""), "ok");
  EXPECT_EQ((*reply)["result"].value("phase", ""), "during-restart");
  std::printf("broker restart to completed submit: %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restart_at)
                      .count()));

  // Both workers are back: pairs of slow jobs sent at once end up on two different workers
  // once both have re-registered (each re-registers on its own schedule, so try a few rounds).
  JobClient client(endpoints.frontend);
  std::set<std::string> served_by;
  const auto until = Clock::now() + 20s;
  for (int round = 0; served_by.size() < 2 && Clock::now() < until; ++round) {
    for (int i = 0; i < 2; ++i) {
      auto r = make_request("after-" + std::to_string(round) + "-" + std::to_string(i),
                            {{"delay_ms", 300}});
      client.send("echo", r);
    }
    for (int i = 0; i < 2; ++i) {
      auto r = client.receive(15s);
      ASSERT_TRUE(r) << "job after restart not answered";
      ASSERT_TRUE(r->second.ok) << r->second.error->message;
      served_by.insert(r->second.worker);
    }
  }
  EXPECT_EQ(served_by.size(), 2u) << "not every worker re-registered within 20 s";
  for (auto& w : workers) EXPECT_TRUE(w->running());
}

}  // namespace
}  // namespace intentq::e2e
