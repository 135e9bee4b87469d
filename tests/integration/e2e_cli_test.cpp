// The `intentq` command-line client and the Python example client against a real broker and
// worker: exit codes and output of submit/stats, watch seeing every published result.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/e2e_cluster.hpp"

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

TEST_F(E2eCli, NoBrokerSaysNothingListensAndUsageErrorsExit78) {
  // A port nothing listens on: the broker's own frontend after it is gone.
  std::string dead = ep().frontend;
  broker_.reset();
  // Default retry options, as a user runs it: the CLI sees the refused connects and gives up after
  // --connect-timeout-ms (5 s), well within its retry budget (4 tries, the 30 s deadline).
  auto start = Clock::now();
  auto run = run_cli({"submit", "echo", "--broker", dead});
  const auto took = Clock::now() - start;
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("nothing listens at " + dead), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("check --broker / INTENTQ_BROKER"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("CURVE"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("was not delivered"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("resending"), std::string::npos) << "no resend once it gave up";
  EXPECT_GE(took, 4500ms) << "gave up before --connect-timeout-ms";
  EXPECT_LT(took, 12s) << run.output;
  std::printf(
      "closed port: %lld ms: %s",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      run.output.c_str());
  // A shorter --connect-timeout-ms answers sooner; stats says the same.
  start = Clock::now();
  auto stats = run_cli({"stats", "--broker", dead, "--connect-timeout-ms", "500"});
  EXPECT_EQ(stats.exit_code, 1);
  EXPECT_NE(stats.output.find("nothing listens at " + dead), std::string::npos) << stats.output;
  EXPECT_LT(Clock::now() - start, 5s);
  // Refused options and usage (EX_CONFIG, as the other programs).
  EXPECT_EQ(run_cli({"submit"}).exit_code, 78);
  EXPECT_EQ(run_cli({"submit", "echo", "--param", "novalue", "--broker", dead}).exit_code, 78);
  EXPECT_EQ(run_cli({"bogus"}).exit_code, 78);
  EXPECT_EQ(run_cli({"submit", "echo", "--broker", "tcp://127.0.0.1:70000"}).exit_code, 78);
  EXPECT_EQ(run_cli({"--help"}).exit_code, 0);
}

TEST_F(E2eCli, ConnectedButUnansweredWaitsOutTheDeadline) {
  // A peer that completes the ZMTP handshake but never answers (a ROUTER that never replies)
  // stands in for a hung broker: the CLI must wait out the job's deadline, then say it was
  // connected and got no reply.
  SilentRouter silent;
  const std::string endpoint = silent.endpoint;
  const auto start = Clock::now();
  auto run = run_cli({"submit", "echo", "--broker", endpoint, "--deadline-ms", "1500",
                      "--timeout-ms", "300", "--retries", "1"});
  const auto took = Clock::now() - start;
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("connected to " + endpoint), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("got no reply in"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("nothing listens"), std::string::npos) << run.output;
  // Not after 2 x 300 ms: after the deadline (1.5 s) plus the 2 s for the answer to come back.
  EXPECT_GE(took, 3400ms) << run.output;
  EXPECT_LT(took, 10s) << run.output;
}

TEST_F(E2eCli, WatchOnADeadEndpointSaysSoAndExits) {
  std::string dead = ep().publish;
  broker_.reset();
  const auto start = Clock::now();
  Process watch(
      {test::bin_dir() + "/intentq", "watch", "--publish", dead, "--connect-timeout-ms", "1000"});
  auto status = watch.wait_exit(10s);
  ASSERT_TRUE(status) << "watch hangs on a dead endpoint:\n" << watch.output_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << watch.output_text();
  const auto out = watch.output_text();
  EXPECT_EQ(out.find("subscribed"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing listens at " + dead), std::string::npos) << out;
  EXPECT_NE(out.find("--publish / INTENTQ_PUBLISH"), std::string::npos) << out;
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(E2eCli, DeadlineValidationRefusesNegativeAndTakesZeroAsTheDefault) {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--deadline-ms", "-5"},
                                              {"--deadline-ms=-5"},
                                              {"--deadline-ms", "soon"},
                                              {"--deadline-ms", "90000000"}}) {
    std::vector<std::string> args{"submit", "echo", "--broker", ep().frontend};
    args.insert(args.end(), bad.begin(), bad.end());
    auto run = run_cli(args);
    EXPECT_EQ(run.exit_code, 78) << bad.back() << ": " << run.output;  // a refused option
    EXPECT_NE(run.output.find("--deadline-ms must be a whole number of milliseconds from 1"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("or 0 for the broker's default"), std::string::npos) << run.output;
    EXPECT_FALSE(first_json_line(run.output)) << "the job was sent: " << run.output;
  }
  // 0, the default --help shows, means the broker's default deadline: the job runs.
  auto zero = run_cli({"submit", "echo", "--broker", ep().frontend, "--deadline-ms", "0", "--id",
                       "zero-deadline", "--compact"});
  EXPECT_EQ(zero.exit_code, 0) << zero.output;
  auto reply = first_json_line(zero.output);
  ASSERT_TRUE(reply) << zero.output;
  EXPECT_EQ(reply->value("id", ""), "zero-deadline");
  EXPECT_EQ(reply->value("status", ""), "ok") << reply->dump();
  EXPECT_EQ(
      run_cli({"submit", "echo", "--broker", ep().frontend, "--deadline-ms", "5000"}).exit_code, 0);
}

TEST_F(E2eCli, UnknownIntentListsTheKnownOnes) {
  auto run = run_cli({"submit", "ecoh", "--broker", ep().frontend, "--compact"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  auto reply = first_json_line(run.output);
  ASSERT_TRUE(reply) << run.output;
  const auto message = (*reply)["error"].value("message", "");
  EXPECT_NE(message.find("no worker has registered service 'ecoh'"), std::string::npos) << message;
  EXPECT_NE(message.find("the broker knows: "), std::string::npos) << message;
  EXPECT_NE(message.find("echo"), std::string::npos) << message;
}

TEST_F(E2eCli, DedupRepliesAreMarkedWithTheFirstSubmissionsAge) {
  auto first = run_cli({"submit", "echo", "--broker", ep().frontend, "--id", "dedup-mark-1",
                        "--param", "n=1", "--compact"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto reply = first_json_line(first.output);
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->contains("dedup")) << reply->dump();
  auto again = run_cli({"submit", "echo", "--broker", ep().frontend, "--id", "dedup-mark-1",
                        "--param", "n=2", "--compact"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto second = first_json_line(again.output);
  ASSERT_TRUE(second) << again.output;
  EXPECT_EQ(second->value("dedup", false), true) << second->dump();
  ASSERT_TRUE(second->contains("dedup_age_ms")) << second->dump();
  EXPECT_LT((*second)["dedup_age_ms"].get<uint64_t>(), 60000u);
  EXPECT_EQ((*second)["result"].value("n", 0), 1) << "the first submission's answer";
}

TEST_F(E2eCli, ConfigAnywhereAndASectionHint) {
  const std::string dir = ::testing::TempDir();
  const std::string good = dir + "/intentq-cli-anywhere.conf";
  std::ofstream(good) << "[submit]\nbroker = \"" << ep().frontend << "\"\n";
  // After the subcommand, and before it.
  auto after = run_cli({"submit", "echo", "--compact", "--config", good});
  EXPECT_EQ(after.exit_code, 0) << after.output;
  auto before = run_cli({"--config", good, "submit", "echo", "--compact"});
  EXPECT_EQ(before.exit_code, 0) << before.output;
  auto joined = run_cli({"submit", "echo", "--config=" + good, "--compact"});
  EXPECT_EQ(joined.exit_code, 0) << joined.output;
  // A key outside its section.
  const std::string loose = dir + "/intentq-cli-loose.conf";
  std::ofstream(loose) << "broker = \"" << ep().frontend << "\"\n";
  auto hint = run_cli({"submit", "echo", "--config", loose});
  EXPECT_EQ(hint.exit_code, 78) << hint.output;  // a refused config file
  EXPECT_NE(hint.output.find("unknown key 'broker' outside a section; it belongs in a [submit], "
                             "[stats], [cancel] or [history] section"),
            std::string::npos)
      << hint.output;
  std::remove(good.c_str());
  std::remove(loose.c_str());
}

TEST_F(E2eCli, EveryProgramPrintsItsVersion) {
  const std::regex version(R"(^(\S+) \d+\.\d+\.\d+( \(git [0-9a-f]+(-dirty)?\))?$)");
  for (const char* program : {"intentq", "intentq-broker", "intentq-worker", "intentq-gwsim",
                              "intentq-bench", "intentq-curve-bench", "intentq-http"}) {
    Process p({test::bin_dir() + "/" + program, "--version"});
    auto status = p.wait_exit(10s);
    ASSERT_TRUE(status) << program;
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << program << p.output_text();
    const auto lines = p.output();
    ASSERT_FALSE(lines.empty()) << program;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(lines.front(), m, version)) << lines.front();
    EXPECT_EQ(m.size() > 1 ? m[1].str() : "", program) << lines.front();
  }
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
    auto w = make_request("warm-" + std::to_string(warmups++));
    ASSERT_TRUE(submit(ep().frontend, "echo", w).ok);
    if (saw_line(watch, "\"warm-", 500ms)) seen = 1;
  }
  ASSERT_EQ(seen, 1) << "watch never saw a result";
  for (int i = 0; i < kJobs - 1; ++i) {
    auto r = make_request("watched-" + std::to_string(i));
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
    EXPECT_TRUE(line.starts_with("{\"topic\":")) << "the topic comes before the reply: " << line;
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
  auto reply = reply_printed(py, 30s);
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
    auto r = make_request("py-watch-" + std::to_string(i));
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

TEST_F(E2eCli, PythonExampleStopsQuietlyOnAClosedPipe) {
  // `watch | head -n 1`: head exits after the first line, the next print meets a closed pipe.
  const std::string client = std::string(INTENTQ_SOURCE_DIR) + "/examples/python/intentq_client.py";
  Process py({"/bin/bash", "-c",
              "/usr/bin/python3 " + client + " --publish " + ep().publish +
                  " watch --topic result.echo. | head -n 1 >/dev/null; "
                  "echo \"python-status=${PIPESTATUS[0]}\""});
  for (int i = 0; i < 100 && py.running(); ++i) {
    auto r = make_request("py-pipe-" + std::to_string(i));
    ASSERT_TRUE(submit(ep().frontend, "echo", r).ok);
    saw_line(py, "python-status=", 200ms);
  }
  auto status = py.wait_exit(10s);
  ASSERT_TRUE(status) << "the Python watch did not stop on a closed pipe:\n" << py.output_text();
  const auto out = py.output_text();
  EXPECT_EQ(out.find("Traceback"), std::string::npos) << out;
  EXPECT_EQ(out.find("BrokenPipeError"), std::string::npos) << out;
  EXPECT_NE(out.find("python-status=141"), std::string::npos) << out;
}

}  // namespace
}  // namespace intentq::e2e
