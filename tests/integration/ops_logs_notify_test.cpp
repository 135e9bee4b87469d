// Logs and systemd notifications of the real programs: --log-format json writes one JSON object
// per line with job_id/intent on the lines about a job; under a $NOTIFY_SOCKET the broker and
// the worker send READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 in that order.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <regex>
#include <sstream>

#include "tests/support/ops_support.hpp"

namespace intentq::ops_test {
namespace {

// Every line of a process's output that is not one of its stdout lines must be a JSON log
// object; returns them.
std::vector<nlohmann::json> json_lines(const Process& p, const std::regex& stdout_lines) {
  std::vector<nlohmann::json> out;
  for (const auto& line : p.output()) {
    if (std::regex_search(line, stdout_lines)) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a JSON log line: " << line;
      continue;
    }
    for (const char* key : {"time", "level", "program", "msg"})
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << line;
    out.push_back(std::move(j));
  }
  return out;
}

bool has_job_line(const std::vector<nlohmann::json>& lines, const std::string& program,
                  const std::string& id, const std::string& intent, bool with_worker) {
  for (const auto& j : lines)
    if (j.value("program", "") == program && j.value("job_id", "") == id &&
        j.value("intent", "") == intent && (!with_worker || !j.value("worker", "").empty()))
      return true;
  return false;
}

TEST(OpsLogs, JsonFormatIsOneObjectPerLineAndJobLinesCarryTheJob) {
  auto gwsim = start_gwsim({"--log-format", "json"});
  auto broker = start_broker({"--log-format", "json", "--log-level", "debug"});
  auto worker =
      start_worker(broker.backend, gwsim.address, {"--log-format", "json", "--log-level", "debug"});
  const auto echo = submit(broker.frontend, "echo", "ops-json-echo");
  ASSERT_EQ(echo.code, 0) << echo.output;
  const auto positions = submit(broker.frontend, "positions", "ops-json-positions");
  ASSERT_EQ(positions.code, 0) << positions.output;

  for (auto* p : {worker.get(), broker.process.get(), gwsim.process.get()}) p->signal(SIGTERM);
  for (auto* p : {worker.get(), broker.process.get(), gwsim.process.get()})
    ASSERT_TRUE(p->wait_exit(20s)) << p->output_text();

  const auto w = json_lines(*worker, std::regex("^intentq-worker ready "));
  const auto b = json_lines(*broker.process, std::regex("^intentq-broker ready "));
  const auto g = json_lines(*gwsim.process, std::regex(R"(^listening on |^\{"gwsim_stats")"));
  EXPECT_FALSE(w.empty());
  EXPECT_FALSE(b.empty());
  EXPECT_FALSE(g.empty());
  EXPECT_TRUE(has_job_line(w, "worker", "ops-json-echo", "echo", true)) << worker->output_text();
  EXPECT_TRUE(has_job_line(w, "worker", "ops-json-positions", "positions", true))
      << worker->output_text();
  EXPECT_TRUE(has_job_line(b, "broker", "ops-json-positions", "positions", true))
      << broker.process->output_text();
  // Lines about no job carry no job fields.
  bool plain = false;
  for (const auto& j : w) plain = plain || (!j.contains("job_id") && j["program"] == "worker");
  EXPECT_TRUE(plain);
}

// Index of the first datagram at or after `from` that contains `text`, or -1.
int find_from(const std::vector<std::string>& seen, size_t from, const std::string& text) {
  for (size_t i = from; i < seen.size(); ++i)
    if (seen[i].find(text) != std::string::npos) return static_cast<int>(i);
  return -1;
}

void expect_order(const std::vector<std::string>& seen) {
  std::string all;
  for (const auto& s : seen) all += "[" + s + "] ";
  const int ready = find_from(seen, 0, "READY=1");
  ASSERT_GE(ready, 0) << all;
  const int status = find_from(seen, static_cast<size_t>(ready), "STATUS=");
  ASSERT_GE(status, ready) << all;
  const int watchdog = find_from(seen, static_cast<size_t>(ready) + 1, "WATCHDOG=1");
  ASSERT_GT(watchdog, ready) << all;
  const int stopping = find_from(seen, static_cast<size_t>(watchdog) + 1, "STOPPING=1");
  ASSERT_GT(stopping, watchdog) << all;
  EXPECT_EQ(find_from(seen, 0, "WATCHDOG=1"), watchdog) << "watchdog before READY: " << all;
}

TEST(OpsNotify, BrokerAndWorkerSendReadyStatusWatchdogStoppingInOrder) {
  ScratchDir dir;
  NotifySocket broker_sd(dir.path() + "/broker.sock");
  NotifySocket worker_sd(dir.path() + "/worker.sock");
  auto gwsim = start_gwsim();
  auto broker = start_broker({}, {broker_sd.env(), "WATCHDOG_USEC=400000"});
  auto worker =
      start_worker(broker.backend, gwsim.address, {}, {worker_sd.env(), "WATCHDOG_USEC=400000"});
  ASSERT_TRUE(broker_sd.until("READY=1", 20s));
  const auto ready = worker_sd.until("READY=1", 20s);
  ASSERT_TRUE(ready) << "the worker never said READY=1";
  EXPECT_NE(ready->find("gateway session up"), std::string::npos) << *ready;
  ASSERT_TRUE(worker_sd.until("WATCHDOG=1", 10s));
  ASSERT_TRUE(broker_sd.until("WATCHDOG=1", 10s));

  // STATUS follows the work done: one job, then the periodic STATUS lines count it.
  const auto run = submit(broker.frontend, "current_time", "ops-notify-1");
  ASSERT_EQ(run.code, 0) << run.output;
  const auto wstatus = worker_sd.until("1 jobs done", 20s);
  ASSERT_TRUE(wstatus) << "worker STATUS never counted the job";
  EXPECT_NE(wstatus->find("gateway session up"), std::string::npos) << *wstatus;
  ASSERT_TRUE(broker_sd.until("1 answered", 20s)) << "broker STATUS never counted the job";

  worker->signal(SIGTERM);
  ASSERT_TRUE(worker_sd.until("STOPPING=1", 20s));
  ASSERT_TRUE(worker->wait_exit(20s));
  broker.process->signal(SIGTERM);
  ASSERT_TRUE(broker_sd.until("STOPPING=1", 20s));
  ASSERT_TRUE(broker.process->wait_exit(20s));
  expect_order(worker_sd.seen());
  expect_order(broker_sd.seen());
}

// With its gateway down, a persistent-session worker registers (echo only) but does not tell
// systemd it is ready.
TEST(OpsNotify, WorkerIsNotReadyWhileItsGatewaySessionIsDown) {
  ScratchDir dir;
  NotifySocket sd(dir.path() + "/worker.sock");
  auto broker = start_broker();
  // A port nobody listens on: the first gwsim's, after it stopped.
  std::string dead;
  {
    auto g = start_gwsim();
    dead = g.address;
  }
  auto worker = start_worker(broker.backend, dead, {"--gateway-timeout-ms", "200"},
                             {sd.env(), "WATCHDOG_USEC=400000"});
  const auto status = sd.until("STATUS=", 20s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->find("READY=1"), std::string::npos) << *status;
  EXPECT_NE(status->find("gateway session down"), std::string::npos) << *status;
  for (const auto& s : sd.seen()) EXPECT_EQ(s.find("WATCHDOG=1"), std::string::npos) << s;
}

}  // namespace
}  // namespace intentq::ops_test
