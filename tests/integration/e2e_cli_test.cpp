// The `intentq` command-line client and the Python example client against a real broker and
// worker: exit codes and output of submit/stats, watch seeing every published result.
#include <sys/wait.h>

#include <set>

#include <gtest/gtest.h>

#include "tests/integration/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

class E2eCli : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Broker>();
    worker_ = start_worker(broker_->endpoints.backend);
    wait_for_service(broker_->endpoints.frontend, "echo");
  }
  const Endpoints& ep() const { return broker_->endpoints; }
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<Process> worker_;
};

TEST_F(E2eCli, SubmitOkPrintsTheReplyAndExitsZero) {
  auto run = run_cli({"submit", "echo", "--broker", ep().frontend, "--param", "n=42", "--param",
                      "sym=AAPL", "--param", "flag=true", "--params-json",
                      R"({"nested":{"a":[1]}})", "--id", "cli-ok-1", "--compact"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto reply = first_json_line(run.output);
  ASSERT_TRUE(reply) << run.output;
  EXPECT_EQ(reply->value("id", ""), "cli-ok-1");
  EXPECT_EQ(reply->value("intent", ""), "echo");
  EXPECT_EQ(reply->value("status", ""), "ok");
  EXPECT_EQ((*reply)["result"],
            nlohmann::json::parse(R"({"n":42,"sym":"AAPL","flag":true,"nested":{"a":[1]}})"));
  EXPECT_TRUE((*reply)["timings_ms"].contains("run"));
  EXPECT_FALSE(reply->value("worker", "").empty());
}

TEST_F(E2eCli, SubmitWithoutIdGeneratesOne) {
  auto run = run_cli({"submit", "echo", "--broker", ep().frontend, "--compact"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto reply = first_json_line(run.output);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->value("id", "").starts_with("cli-")) << reply->dump();
}

TEST_F(E2eCli, ErrorReplyExitsTwo) {
  auto run = run_cli(
      {"submit", "echo", "--broker", ep().frontend, "--param", "delay_ms=soon", "--compact"});
  ASSERT_EQ(run.exit_code, 2) << run.output;
  auto reply = first_json_line(run.output);
  ASSERT_TRUE(reply) << run.output;
  EXPECT_EQ(reply->value("status", ""), "error");
  EXPECT_EQ((*reply)["error"].value("code", ""), "BAD_REQUEST");
  EXPECT_NE((*reply)["error"].value("message", "").find("delay_ms"), std::string::npos);

  auto timeout = run_cli({"submit", "echo", "--broker", ep().frontend, "--param", "delay_ms=2000",
                          "--deadline-ms", "200", "--compact"});
  EXPECT_EQ(timeout.exit_code, 2) << timeout.output;
  EXPECT_NE(timeout.output.find("TIMEOUT"), std::string::npos) << timeout.output;

  // An intent nobody serves fails on the first try (no resends). The broker may hold such
  // requests for its startup grace (a few seconds after it starts, so that workers can register
  // after a restart), hence the bound.
  auto start = Clock::now();
  auto unknown = run_cli({"submit", "no_such_intent", "--broker", ep().frontend, "--compact"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("UNKNOWN_INTENT"), std::string::npos) << unknown.output;
  EXPECT_EQ(unknown.output.find("resending"), std::string::npos) << unknown.output;
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(E2eCli, NoBrokerExitsOneAfterRetriesAndUsageErrorsExit78) {
  // A port nothing listens on: the broker's own frontend after it is gone.
  std::string dead = ep().frontend;
  broker_.reset();
  auto start = Clock::now();
  auto run = run_cli({"submit", "echo", "--broker", dead, "--timeout-ms", "200", "--retries", "2"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("after 3 tries"), std::string::npos) << run.output;
  EXPECT_GE(Clock::now() - start, 600ms) << "did not wait for the tries";
  EXPECT_EQ(run_cli({"stats", "--broker", dead, "--timeout-ms", "200", "--retries", "0"}).exit_code,
            1);
  // Refused options and usage (EX_CONFIG, as the other programs).
  EXPECT_EQ(run_cli({"submit"}).exit_code, 78);
  EXPECT_EQ(run_cli({"submit", "echo", "--param", "novalue", "--broker", dead}).exit_code, 78);
  EXPECT_EQ(run_cli({"bogus"}).exit_code, 78);
  EXPECT_EQ(run_cli({"submit", "echo", "--broker", "tcp://127.0.0.1:70000"}).exit_code, 78);
  EXPECT_EQ(run_cli({"--help"}).exit_code, 0);
}

TEST_F(E2eCli, StatsPrintsTheBrokersCounters) {
  ASSERT_EQ(run_cli({"submit", "echo", "--broker", ep().frontend}).exit_code, 0);
  auto run = run_cli({"stats", "--broker", ep().frontend});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // Pretty JSON spans lines: parse from the first '{'.
  auto stats = nlohmann::json::parse(run.output.substr(run.output.find('{')), nullptr, false);
  ASSERT_TRUE(stats.is_object()) << run.output;
  EXPECT_NE(stats.dump().find("echo"), std::string::npos) << stats.dump(2);
  EXPECT_NE(stats.dump().find("accepted"), std::string::npos) << stats.dump(2);
}

TEST_F(E2eCli, WatchSeesEveryPublishedResult) {
  constexpr int kJobs = 20;
  Process watch({test::bin_dir() + "/intentq", "watch", "--publish", ep().publish, "--topic",
                 "result.echo.", "--count", std::to_string(kJobs)});
  ASSERT_TRUE(saw_line(watch, "subscribed", 5s)) << watch.output_text();
  // SUB subscriptions propagate asynchronously; warm up until the watcher sees a result. The
  // warm-up results count towards --count, so the run below tops up to kJobs.
  int warmups = 0, seen = 0;
  while (seen == 0 && warmups < 40) {
    JobRequest w;
    w.id = "warm-" + std::to_string(warmups++);
    ASSERT_TRUE(submit(ep().frontend, "echo", w).ok);
    if (saw_line(watch, "\"warm-", 500ms)) seen = 1;
  }
  ASSERT_EQ(seen, 1) << "watch never saw a result";
  for (int i = 0; i < kJobs - 1; ++i) {
    JobRequest r;
    r.id = "watched-" + std::to_string(i);
    auto reply = submit(ep().frontend, "echo", r);
    ASSERT_TRUE(reply.ok);
  }
  auto status = watch.wait_exit(10s);
  ASSERT_TRUE(status) << "watch did not exit after --count results:\n" << watch.output_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  std::set<std::string> ids;
  for (const auto& line : watch.output()) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("reply")) continue;
    EXPECT_EQ(j.value("topic", ""), "result.echo.ok");
    ids.insert(j["reply"].value("id", ""));
  }
  for (int i = 0; i < kJobs - 1; ++i)
    EXPECT_TRUE(ids.count("watched-" + std::to_string(i))) << "missing watched-" << i;
}

TEST_F(E2eCli, PythonExampleClientRoundTripsAJob) {
  Process py({"/usr/bin/python3",
              std::string(INTENTQ_SOURCE_DIR) + "/examples/python/intentq_client.py", "--broker",
              ep().frontend, "--publish", ep().publish, "submit", "echo", "--param",
              "greeting=hello", "--id", "py-1"});
  auto status = py.wait_exit(30s);
  ASSERT_TRUE(status) << py.output_text();
  ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << py.output_text();
  auto reply = first_json_line(py.output_text());
  ASSERT_TRUE(reply) << py.output_text();
  EXPECT_EQ(reply->value("id", ""), "py-1");
  EXPECT_EQ(reply->value("status", ""), "ok");
  EXPECT_EQ((*reply)["result"].value("greeting", ""), "hello");
}

TEST_F(E2eCli, PythonExampleWatchReceivesAPublishedResult) {
  Process py({"/usr/bin/python3",
              std::string(INTENTQ_SOURCE_DIR) + "/examples/python/intentq_client.py", "--publish",
              ep().publish, "watch", "--topic", "result.echo.", "--count", "1"});
  // The subscription propagates asynchronously: submit until the watcher has printed a result.
  bool seen = false;
  for (int i = 0; i < 40 && !seen; ++i) {
    JobRequest r;
    r.id = "py-watch-" + std::to_string(i);
    ASSERT_TRUE(submit(ep().frontend, "echo", r).ok);
    seen = saw_line(py, "\"py-watch-", 500ms);
  }
  ASSERT_TRUE(seen) << py.output_text();
  auto status = py.wait_exit(10s);
  ASSERT_TRUE(status) << "watch --count 1 did not exit";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << py.output_text();
  auto line = first_json_line(py.output_text());
  ASSERT_TRUE(line) << py.output_text();
  EXPECT_EQ(line->value("topic", ""), "result.echo.ok");
  EXPECT_EQ((*line)["reply"].value("status", ""), "ok");
}

}  // namespace
}  // namespace intentq::e2e
