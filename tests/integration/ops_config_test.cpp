// Configuration of the real programs: precedence flag > INTENTQ_* environment > --config file >
// default for broker and worker, and bad values refused at start with the option and the source
// of the value named (docs/operations.md, "Configuration").
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/ops_support.hpp"

namespace intentq::ops_test {
namespace {

// Distinct loopback addresses tell the sources apart in the bound endpoint the broker prints.
TEST(OpsConfig, BrokerPrecedenceFlagOverEnvOverFileOverDefault) {
  ScratchDir dir;
  const auto conf = dir.write("broker.conf",
                              "# intentq-broker\n"
                              "frontend = \"tcp://127.0.0.2:*\"\n"
                              "backend = \"tcp://127.0.0.2:*\"\n"
                              "publish = \"tcp://127.0.0.2:*\"\n");
  const std::regex frontend(
      R"(ready frontend=tcp://(127\.0\.0\.\d+):\d+ backend=tcp://(127\.0\.0\.\d+))");
  {
    Process file_only({test::bin_dir() + "/intentq-broker", "--config", conf});
    const auto m = file_only.expect_line(frontend, 20s);
    EXPECT_EQ(m[1], "127.0.0.2");
    EXPECT_EQ(m[2], "127.0.0.2");
  }
  {
    Process env_over_file({test::bin_dir() + "/intentq-broker", "--config", conf},
                          {"INTENTQ_FRONTEND=tcp://127.0.0.3:*"});
    const auto m = env_over_file.expect_line(frontend, 20s);
    EXPECT_EQ(m[1], "127.0.0.3") << "the environment must beat the config file";
    EXPECT_EQ(m[2], "127.0.0.2");
  }
  {
    Process flag_over_all({test::bin_dir() + "/intentq-broker", "--frontend", "tcp://127.0.0.4:*"},
                          {"INTENTQ_FRONTEND=tcp://127.0.0.3:*", "INTENTQ_CONFIG=" + conf});
    const auto m = flag_over_all.expect_line(frontend, 20s);
    EXPECT_EQ(m[1], "127.0.0.4");
    EXPECT_EQ(m[2], "127.0.0.2");  // INTENTQ_CONFIG names the file
  }
  // The defaults (not bound here: 5555 may be taken) are the ones --help shows.
  const auto help = run_to_end("intentq-broker", {"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.output.find("tcp://127.0.0.1:5555"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("INTENTQ_FRONTEND"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("INTENTQ_HEARTBEAT_MS"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--config"), std::string::npos) << help.output;
}

// How a program is run for one refusal: its name, arguments and extra environment.
struct Run {
  std::string program;
  std::vector<std::string> args;
  std::vector<std::string> env = {};
};

// The program refuses to start (exit 78, EX_CONFIG) with a message holding every `mention` (the
// option and where its value came from).
void expect_refusal(const Run& r, const std::vector<std::string>& mentions) {
  const auto run = run_to_end(r.program, r.args, r.env);
  EXPECT_EQ(run.code, 78) << run.output;
  for (const auto& m : mentions)
    EXPECT_NE(run.output.find(m), std::string::npos) << "'" << m << "' not in:\n" << run.output;
}

TEST(OpsConfig, BrokerRefusesBadValuesNamingOptionAndSource) {
  ScratchDir dir;
  expect_refusal({"intentq-broker", {}, {"INTENTQ_HEARTBEAT_MS=5"}},
                 {"--heartbeat-ms", "environment variable INTENTQ_HEARTBEAT_MS"});

  const auto conf = dir.write("bad.conf", "max-queue = lots\n");
  expect_refusal({"intentq-broker", {"--config", conf}}, {"--max-queue", conf + ": key max-queue"});

  expect_refusal({"intentq-broker", {"--liveness", "0"}}, {"--liveness", "the command line"});

  const auto typo = dir.write("typo.conf", "heartbeat = 1000\n");
  expect_refusal({"intentq-broker", {"--config", typo}}, {"unknown key 'heartbeat'"});

  // A refusal found after parsing (the bind policy) names the source too.
  ScratchDir dir2;
  const auto pub = dir2.write("public.conf", "frontend = \"tcp://0.0.0.0:*\"\n");
  expect_refusal({"intentq-broker", {"--config", pub}}, {pub + ": key frontend"});
}

// The worker prints its broker endpoint in its readiness line; per-job sessions need no gateway.
TEST(OpsConfig, WorkerPrecedenceFlagOverEnvOverFileOverDefault) {
  ScratchDir dir;
  const auto conf = dir.write("worker.conf",
                              "broker = \"tcp://127.0.0.2:1\"\n"
                              "gateway-session = per-job\n");
  const std::regex ready(R"(intentq-worker ready broker=(\S+))");
  auto broker_of = [&](std::vector<std::string> args, std::vector<std::string> env) {
    args.insert(args.begin(), test::bin_dir() + "/intentq-worker");
    Process w(args, env);
    return w.expect_line(ready, 20s)[1].str();
  };
  EXPECT_EQ(broker_of({"--config", conf}, {}), "tcp://127.0.0.2:1");
  EXPECT_EQ(broker_of({"--config", conf}, {"INTENTQ_BROKER=tcp://127.0.0.3:1"}),
            "tcp://127.0.0.3:1");
  EXPECT_EQ(broker_of({"--config", conf, "--broker", "tcp://127.0.0.4:1"},
                      {"INTENTQ_BROKER=tcp://127.0.0.3:1"}),
            "tcp://127.0.0.4:1");
  EXPECT_EQ(broker_of({"--gateway-session", "per-job"}, {}), "tcp://127.0.0.1:5556");
}

TEST(OpsConfig, WorkerRefusesBadValuesNamingOptionAndSource) {
  ScratchDir dir;
  expect_refusal({"intentq-worker", {}, {"INTENTQ_GATEWAY=no-port-here"}},
                 {"--gateway", "environment variable INTENTQ_GATEWAY"});

  const auto conf = dir.write("worker.conf", "gateway-msg-rate = 0\n");
  expect_refusal({"intentq-worker", {"--config", conf}},
                 {"--gateway-msg-rate", conf + ": key gateway-msg-rate"});

  expect_refusal(
      {"intentq-worker", {"--gateway-session", "sometimes"}, {"INTENTQ_GATEWAY_SESSION=per-job"}},
      {"--gateway-session", "the command line"});

  // The name the broker shows for this worker (issue 18): printable, at most READY's bound.
  expect_refusal({"intentq-worker", {}, {"INTENTQ_NAME=" + std::string(129, 'n')}},
                 {"--name: needs 1..128 characters", "environment variable INTENTQ_NAME"});
}

TEST(OpsConfig, SimulatorAndCliTakeTheSameSources) {
  ScratchDir dir;
  expect_refusal({"intentq-gwsim", {}, {"INTENTQ_MSG_RATE=0"}},
                 {"environment variable INTENTQ_MSG_RATE"});
  // The CLI: a [submit] section, and the environment over it.
  const auto conf = dir.write("cli.conf", "[submit]\nretries = 0\ntimeout-ms = 100\n");
  const auto cli =
      run_to_end("intentq", {"--config", conf, "submit", "echo", "--broker", "tcp://127.0.0.1:1"},
                 {"INTENTQ_TIMEOUT_MS=nope"});
  EXPECT_EQ(cli.code, 78) << cli.output;
  EXPECT_NE(cli.output.find("environment variable INTENTQ_TIMEOUT_MS"), std::string::npos)
      << cli.output;
}

// The example files the units read (installed under share/doc/intentq/examples) are accepted as
// they are; flags move the endpoints to free ports.
TEST(OpsConfig, ExampleConfigFilesAreAccepted) {
  const std::string dir = std::string(INTENTQ_SOURCE_DIR) + "/systemd/";
  auto broker = start_broker({"--config", dir + "broker.conf"});
  auto worker_run = Process({test::bin_dir() + "/intentq-worker", "--config", dir + "worker.conf",
                             "--broker", broker.backend, "--gateway-session", "per-job"},
                            {"INTENTQ_INSTANCE=3"});
  worker_run.expect_line(std::regex("intentq-worker ready broker=" + broker.backend), 20s);
  worker_run.drain();
  EXPECT_NE(worker_run.output_text().find("clientId 103"), std::string::npos)
      << "client-id-base 100 + instance 3:\n"
      << worker_run.output_text();
}

}  // namespace
}  // namespace intentq::ops_test
