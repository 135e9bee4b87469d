// Fail fast with the cause (issue 18) on real processes: intentq-broker, intentq-worker and
// intentq-gwsim on loopback. A gateway that is down is answered GATEWAY_UNREACHABLE with the
// workers' connect error in under a second; an intent whose workers left is answered NO_WORKER
// within the grace plus a second; the worker's ready line and the broker's log say what was
// really registered, by the worker's name.
#include <signal.h>
#include <unistd.h>

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

using Ms = std::chrono::milliseconds;

struct Timed {
  JobReply reply;
  Ms took{};
};

Timed timed_run(const Broker& broker, const std::string& intent, uint64_t deadline_ms) {
  const auto t0 = Clock::now();
  Timed t;
  t.reply = run(broker, intent, {}, deadline_ms, Ms(deadline_ms + 5000));
  t.took = std::chrono::duration_cast<Ms>(Clock::now() - t0);
  return t;
}

std::string code(const JobReply& r) {
  return r.error ? std::string(to_string(r.error->code)) : std::string("ok");
}

// The worker's readiness line (start_worker() already waited for it).
std::string ready_line(Process& worker) {
  worker.drain();
  for (const auto& line : worker.output())
    if (line.rfind("intentq-worker ready ", 0) == 0) return line;
  return "";
}

// Waits until the broker logged the READY of the worker with process id `pid`; returns the line.
std::string broker_ready_line(Broker& broker, pid_t pid) {
  return broker.process
      ->expect_line(std::regex("worker \\S+:" + std::to_string(pid) + " ready: .*"), 10s)
      .str();
}

TEST(FailFast, GatewayDownIsGatewayUnreachableWithTheCauseInUnderOneSecond) {
  const uint16_t closed = free_port();
  const std::string gateway = "127.0.0.1:" + std::to_string(closed);
  Broker broker({"--log-level", "info"});
  auto w1 = start_gateway_worker(broker, gateway, 31);
  auto w2 = start_gateway_worker(broker, gateway, 32);

  // The ready line lists what was registered, and says the gateway intents wait.
  for (auto* w : {w1.get(), w2.get()}) {
    const auto line = ready_line(*w);
    EXPECT_NE(line.find(" intents=echo"), std::string::npos) << line;
    EXPECT_EQ(line.find("positions"), std::string::npos) << line;
    EXPECT_TRUE(std::regex_search(
        line, std::regex("\\(gateway intents waiting for gateway " + e2e::regex_escape(gateway) +
                         ": .*[Cc]onnection refused.*\\)")))
        << line;
  }
  // The broker's line names each worker and every service of its READY.
  for (auto* w : {w1.get(), w2.get()}) {
    const auto line = broker_ready_line(broker, w->pid());
    EXPECT_TRUE(std::regex_search(line, std::regex("ready: 2 service\\(s\\) \\[echo,echo_once\\]")))
        << line;
    EXPECT_NE(line.find("waiting for gateway " + gateway), std::string::npos) << line;
    EXPECT_NE(line.find("positions"), std::string::npos) << line;
  }

  for (const char* intent : {"positions", "current_time"}) {
    const auto t = timed_run(broker, intent, 3000);  // the health check of docs/operations.md
    EXPECT_EQ(code(t.reply), "GATEWAY_UNREACHABLE") << intent << ": " << describe(t.reply);
    EXPECT_LT(t.took, 1000ms) << intent;
    ASSERT_TRUE(t.reply.error);
    EXPECT_TRUE(std::regex_search(
        t.reply.error->message,
        std::regex("^gateway " + e2e::regex_escape(gateway) +
                   " unreachable for [0-9.]+ s: .*[Cc]onnection refused.*; 2 workers waiting for "
                   "it$")))
        << t.reply.error->message;
    std::printf("[ measured ] %s with the gateway down: %s in %lld ms\n", intent,
                code(t.reply).c_str(), static_cast<long long>(t.took.count()));
  }
  // Intents that need no gateway still run.
  EXPECT_TRUE(run(broker, "echo", {{"x", 1}}).ok);
}

TEST(FailFast, AGatewayThatStopsIsGatewayUnreachableWithTheNewConnectError) {
  auto sim = std::make_unique<Sim>();
  const std::string gateway = sim->address();
  Broker broker;
  auto worker = start_gateway_worker(broker, gateway, 33, {}, "info");
  {
    const auto line = ready_line(*worker);
    EXPECT_NE(line.find("positions"), std::string::npos) << line;
    EXPECT_EQ(line.find("waiting"), std::string::npos) << line;
  }
  e2e::wait_for_service(broker.endpoints.frontend, "positions");
  ASSERT_TRUE(run(broker, "positions").ok);

  sim->stop();
  worker->expect_line(std::regex("sent READY .*gateway session down"), 5s);
  // The next connect attempt fails: the worker tells the broker on a HEARTBEAT, not a READY.
  worker->expect_line(std::regex("connect failed: .*[Cc]onnection refused"), 10s);
  const auto t = timed_run(broker, "positions", 20000);
  EXPECT_EQ(code(t.reply), "GATEWAY_UNREACHABLE") << describe(t.reply);
  EXPECT_LT(t.took, 1000ms);
  ASSERT_TRUE(t.reply.error);
  EXPECT_TRUE(std::regex_search(
      t.reply.error->message,
      std::regex(
          "^gateway " + e2e::regex_escape(gateway) +
          " unreachable for [0-9.]+ s: .*[Cc]onnection refused.*; 1 worker waiting for it$")))
      << t.reply.error->message;
  std::printf("[ measured ] positions after the gateway stopped: %s in %lld ms: %s\n",
              code(t.reply).c_str(), static_cast<long long>(t.took.count()),
              t.reply.error->message.c_str());
  EXPECT_EQ(broker_stats(broker)["counters"]["gateway_unreachable"], 1);
}

TEST(FailFast, AnIntentWhoseWorkersLeftIsNoWorkerWithinTheGracePlusOneSecond) {
  Broker broker({"--log-level", "info", "--no-worker-grace-ms", "2000"});
  auto worker = e2e::start_worker(broker.endpoints.backend, 1000, 3, "warn", {"--name", "alpha-1"});
  broker.process->expect_line(
      std::regex("worker alpha-1 ready: \\d+ service\\(s\\) \\[[a-z_,]*echo,"), 10s);
  e2e::wait_for_service(broker.endpoints.frontend, "echo");
  const auto stats = broker_stats(broker);
  bool named = false;
  for (const auto& w : stats["worker_list"]) named = named || w["name"] == "alpha-1";
  EXPECT_TRUE(named) << "mmi.stats worker_list names the worker: " << stats["worker_list"].dump();

  worker->signal(SIGTERM);  // DISCONNECT on the way out
  ASSERT_TRUE(worker->wait_exit(10s));
  broker.process->expect_line(std::regex("worker alpha-1 removed"), 5s);
  const auto t = timed_run(broker, "echo", 20000);
  EXPECT_EQ(code(t.reply), "NO_WORKER") << describe(t.reply);
  EXPECT_LE(t.took, 3000ms) << "grace 2 s + 1 s";
  ASSERT_TRUE(t.reply.error);
  EXPECT_TRUE(std::regex_search(
      t.reply.error->message,
      std::regex("^no worker has served 'echo' since \\d\\d:\\d\\d:\\d\\d UTC \\([0-9.]+ s\\)")))
      << t.reply.error->message;
  std::printf("[ measured ] echo after its worker left: %s in %lld ms: %s\n", code(t.reply).c_str(),
              static_cast<long long>(t.took.count()), t.reply.error->message.c_str());
  // After the grace, at once.
  const auto again = timed_run(broker, "echo", 20000);
  EXPECT_EQ(code(again.reply), "NO_WORKER");
  EXPECT_LT(again.took, 1000ms);
}

TEST(FailFast, GraceZeroKeepsQueueingUntilTheDeadline) {
  Broker broker({"--no-worker-grace-ms", "0"});
  auto worker = e2e::start_worker(broker.endpoints.backend);
  e2e::wait_for_service(broker.endpoints.frontend, "echo");
  worker->signal(SIGTERM);
  ASSERT_TRUE(worker->wait_exit(10s));
  const auto t = timed_run(broker, "echo", 2500);
  EXPECT_EQ(code(t.reply), "TIMEOUT") << describe(t.reply);
  EXPECT_GE(t.took, 2400ms);
}

}  // namespace
}  // namespace intentq::intents_test
