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

TEST(OpsConfig, BrokerRefusesBadValuesNamingOptionAndSource) {
  ScratchDir dir;
  const auto env = run_to_end("intentq-broker", {}, {"INTENTQ_HEARTBEAT_MS=5"});
  EXPECT_EQ(env.code, 78) << env.output;
  EXPECT_NE(env.output.find("--heartbeat-ms"), std::string::npos) << env.output;
  EXPECT_NE(env.output.find("environment variable INTENTQ_HEARTBEAT_MS"), std::string::npos)
      << env.output;

  const auto conf = dir.write("bad.conf", "max-queue = lots\n");
  const auto file = run_to_end("intentq-broker", {"--config", conf});
  EXPECT_EQ(file.code, 78) << file.output;
  EXPECT_NE(file.output.find("--max-queue"), std::string::npos) << file.output;
  EXPECT_NE(file.output.find(conf + ": key max-queue"), std::string::npos) << file.output;

  const auto flag = run_to_end("intentq-broker", {"--liveness", "0"});
  EXPECT_EQ(flag.code, 78) << flag.output;
  EXPECT_NE(flag.output.find("--liveness"), std::string::npos) << flag.output;
  EXPECT_NE(flag.output.find("the command line"), std::string::npos) << flag.output;

  const auto typo = dir.write("typo.conf", "heartbeat = 1000\n");
  const auto unknown = run_to_end("intentq-broker", {"--config", typo});
  EXPECT_EQ(unknown.code, 78) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown key 'heartbeat'"), std::string::npos) << unknown.output;

  // A refusal found after parsing (the bind policy) names the source too.
  ScratchDir dir2;
  const auto pub = dir2.write("public.conf", "frontend = \"tcp://0.0.0.0:*\"\n");
  const auto policy = run_to_end("intentq-broker", {"--config", pub});
  EXPECT_EQ(policy.code, 78) << policy.output;
  EXPECT_NE(policy.output.find(pub + ": key frontend"), std::string::npos) << policy.output;
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
  const auto env = run_to_end("intentq-worker", {}, {"INTENTQ_GATEWAY=no-port-here"});
  EXPECT_EQ(env.code, 78) << env.output;
  EXPECT_NE(env.output.find("--gateway"), std::string::npos) << env.output;
  EXPECT_NE(env.output.find("environment variable INTENTQ_GATEWAY"), std::string::npos)
      << env.output;

  const auto conf = dir.write("worker.conf", "gateway-msg-rate = 0\n");
  const auto file = run_to_end("intentq-worker", {"--config", conf});
  EXPECT_EQ(file.code, 78) << file.output;
  EXPECT_NE(file.output.find("--gateway-msg-rate"), std::string::npos) << file.output;
  EXPECT_NE(file.output.find(conf + ": key gateway-msg-rate"), std::string::npos) << file.output;

  const auto flag = run_to_end("intentq-worker", {"--gateway-session", "sometimes"},
                               {"INTENTQ_GATEWAY_SESSION=per-job"});
  EXPECT_EQ(flag.code, 78) << flag.output;
  EXPECT_NE(flag.output.find("--gateway-session"), std::string::npos) << flag.output;
  EXPECT_NE(flag.output.find("the command line"), std::string::npos) << flag.output;

  // The name the broker shows for this worker (issue 18): printable, at most READY's bound.
  const auto name = run_to_end("intentq-worker", {}, {"INTENTQ_NAME=" + std::string(129, 'n')});
  EXPECT_EQ(name.code, 78) << name.output;
  EXPECT_NE(name.output.find("--name: needs 1..128 characters"), std::string::npos) << name.output;
  EXPECT_NE(name.output.find("environment variable INTENTQ_NAME"), std::string::npos)
      << name.output;
}

TEST(OpsConfig, SimulatorAndCliTakeTheSameSources) {
  ScratchDir dir;
  const auto bad = run_to_end("intentq-gwsim", {}, {"INTENTQ_MSG_RATE=0"});
  EXPECT_EQ(bad.code, 78) << bad.output;
  EXPECT_NE(bad.output.find("environment variable INTENTQ_MSG_RATE"), std::string::npos)
      << bad.output;
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
