// Hostile configuration inputs for every program (broker, worker, gwsim, CLI), through every
// source (flag, INTENTQ_* environment, config file): each is refused with exit 78 (EX_CONFIG)
// within a second, names where the bad value came from, and never crashes or reads gigabytes.
// Before: /dev/zero as config read 2 GB, /dev/urandom aborted, a FIFO hung, 10,000 dotted names
// in a section header took 3 GB, an INTENTQ_CONFIG path with a 300-byte component aborted (134),
// INTENTQ_INSTANCE=abc silently meant clientId 1, port 70000 bound port 4464.
#include <sys/resource.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/ops_support.hpp"

namespace intentq::ops_test {
namespace {

using Clock = std::chrono::steady_clock;

// How each program is started for a config check: the CLI needs a subcommand.
struct Program {
  std::string name;
  std::vector<std::string> args;
};
const std::vector<Program>& programs() {
  static const std::vector<Program> p = {{"intentq-broker", {}},
                                         {"intentq-worker", {}},
                                         {"intentq-gwsim", {}},
                                         {"intentq", {"stats"}}};
  return p;
}

// Runs one refused start and checks exit 78, the time and the message.
void expect_refused(const std::string& program, std::vector<std::string> args,
                    std::vector<std::string> env, const std::string& expect,
                    const std::string& what) {
  const auto start = Clock::now();
  const auto run = run_to_end(program, std::move(args), std::move(env), 10s);
  const auto took = Clock::now() - start;
  EXPECT_EQ(run.code, 78) << program << " " << what << ":\n" << run.output;
  EXPECT_NE(run.output.find(expect), std::string::npos)
      << program << " " << what << ": expected '" << expect << "' in:\n"
      << run.output;
  EXPECT_LT(took, 1s) << program << " " << what << " took "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
}

// INTENTQ_ and the long option name in capitals, '-' as '_' (docs/operations.md).
std::string env_name(const std::string& option) {
  std::string name = "INTENTQ_";
  for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

long children_max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

TEST(OpsHostileConfig, EveryProgramRefusesHostileConfigFilesFromFlagAndEnvironment) {
  ScratchDir dir;
  const std::string fifo = dir.path() + "/fifo.conf";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string header = "[a";
  for (int i = 0; i < 10000; ++i) header += ".b";
  const auto nested = dir.write("nested.conf", header + "]\nx = 1\n");
  const auto big = dir.write("big.conf", std::string(2 << 20, '#'));
  const std::string long_component = dir.path() + "/" + std::string(300, 'c') + ".conf";
  // 30,000 names: one header of them, and as many empty sections (a typo'd section is refused).
  std::string names = "[n0";
  std::string sections;
  for (int i = 1; i < 30000; ++i) {
    names += ".n" + std::to_string(i);
    sections += "[s" + std::to_string(i) + "]\n";
  }
  const auto many_names = dir.write("names.conf", names + "]\n");
  const auto many_sections = dir.write("sections.conf", sections);
  // Binary garbage in a regular file of allowed size (fixed bytes, so a failure repeats).
  std::string garbage(64 << 10, '\0');
  uint32_t x = 2463534242u;
  for (auto& c : garbage) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift32
    c = static_cast<char>(x);
  }
  const auto binary = dir.write("binary.conf", garbage);
  struct Case {
    std::string path, expect;
  };
  const std::vector<Case> files = {{"/dev/zero", "is a device"},
                                   {"/dev/urandom", "is a device"},
                                   {fifo, "is a FIFO"},
                                   {dir.path(), "is a directory"},
                                   {nested, "nested sections"},
                                   {big, "bytes"},
                                   {long_component, "File name too long"},
                                   {many_names, "nested sections"},
                                   {many_sections, "unknown section [s1]"},
                                   {binary, "binary.conf"}};
  for (const auto& program : programs()) {
    for (const auto& file : files) {
      // The CLI's --config is an option of the program, before the subcommand.
      auto flag_args = std::vector<std::string>{"--config", file.path};
      flag_args.insert(flag_args.end(), program.args.begin(), program.args.end());
      expect_refused(program.name, flag_args, {}, file.expect, "--config " + file.path);
      expect_refused(program.name, program.args, {"INTENTQ_CONFIG=" + file.path}, file.expect,
                     "INTENTQ_CONFIG=" + file.path);
    }
  }
  const long rss = children_max_rss_kib();
  EXPECT_LT(rss, 256 * 1024) << "a refused start grew to " << rss << " KiB";
  std::printf("hostile config files: %zu programs x %zu files x 2 sources, largest child %ld KiB\n",
              programs().size(), files.size(), rss);
  std::remove(fifo.c_str());
}

// Each program, each source (flag, INTENTQ_* environment, config file): a port past 65535 and a
// number past every integer type are refused with exit 78 within a second, naming the source.
TEST(OpsHostileConfig, EveryProgramRefusesBadValuesFromEverySource) {
  ScratchDir dir;
  struct Value {
    std::string program;
    std::vector<std::string> subcommand;  // the CLI's
    std::string section;                  // of the config file ("" = top level)
    std::string option, value;
  };
  const std::string huge = "99999999999999999999999";
  const std::vector<Value> values = {
      {"intentq-broker", {}, "", "frontend", "tcp://127.0.0.1:70000"},
      {"intentq-broker", {}, "", "heartbeat-ms", huge},
      {"intentq-broker", {}, "", "max-jobs-bytes", "-1"},  // was read as 2^64 - 1
      {"intentq-broker", {}, "", "max-workers", huge},
      {"intentq-worker", {}, "", "broker", "tcp://127.0.0.1:70000"},
      {"intentq-worker", {}, "", "gateway", "127.0.0.1:70000"},
      {"intentq-worker", {}, "", "heartbeat-ms", huge},
      {"intentq-worker", {}, "", "client-id", "-1"},
      {"intentq-worker", {}, "", "client-id-base", "abc"},
      {"intentq-worker", {}, "", "gateway-id", std::string(300, 'g')},
      {"intentq-gwsim", {}, "", "listen", "127.0.0.1:70000"},
      {"intentq-gwsim", {}, "", "latency-ms", huge},
      {"intentq", {"stats"}, "stats", "broker", "tcp://127.0.0.1:70000"},
      {"intentq", {"stats"}, "stats", "timeout-ms", huge},
  };
  int refused = 0;
  for (const auto& v : values) {
    const auto what = v.program + " " + v.option + "=" + v.value.substr(0, 40);
    auto flag = v.subcommand;
    flag.insert(flag.end(), {"--" + v.option, v.value});
    expect_refused(v.program, flag, {}, "(from the command line)", "flag " + what);
    const auto env = env_name(v.option);
    expect_refused(v.program, v.subcommand, {env + "=" + v.value},
                   "(from environment variable " + env + ")", "env " + what);
    const auto file = dir.write(
        "v" + std::to_string(refused) + ".conf",
        (v.section.empty() ? "" : "[" + v.section + "]\n") + v.option + " = \"" + v.value + "\"\n");
    auto args = std::vector<std::string>{"--config", file};
    args.insert(args.end(), v.subcommand.begin(), v.subcommand.end());
    const auto key = v.section.empty() ? v.option : v.section + "." + v.option;
    expect_refused(v.program, args, {}, "(from " + file + ": key " + key + ")", "file " + what);
    ++refused;
  }
  std::printf("bad values: %d x 3 sources refused with 78\n", refused);
}

TEST(OpsHostileConfig, BadValuesAreRefusedNamingTheirSource) {
  ScratchDir dir;
  // Port 70000 used to bind port 4464 (libzmq reads the port modulo 65536).
  const std::string port70000 = "tcp://127.0.0.1:70000";
  expect_refused("intentq-broker", {"--frontend", port70000}, {}, "the command line", "flag");
  expect_refused("intentq-broker", {}, {"INTENTQ_BACKEND=" + port70000},
                 "environment variable INTENTQ_BACKEND", "env");
  const auto conf = dir.write("broker.conf", "publish = \"" + port70000 + "\"\n");
  expect_refused("intentq-broker", {"--config", conf}, {}, conf + ": key publish", "file");
  expect_refused("intentq-broker", {"--metrics", "0.0.0.0:0"}, {}, "--insecure-allow-public",
                 "public metrics");
  expect_refused("intentq-broker", {"--metrics", "127.0.0.1:70000"}, {}, "--metrics",
                 "metrics port");
  // CURVE key files and the allowlist are configuration too (they used to exit 1).
  const std::string key_fifo = dir.path() + "/secret.fifo";
  ASSERT_EQ(::mkfifo(key_fifo.c_str(), 0600), 0);
  expect_refused("intentq-broker", {"--curve-allow", dir.path(), "--curve-secret", key_fifo}, {},
                 "--curve-secret: cannot read", "FIFO as --curve-secret");
  expect_refused("intentq-broker", {"--curve-allow", dir.path()},
                 {"INTENTQ_CURVE_SECRET=/dev/zero"}, "--curve-secret",
                 "/dev/zero as --curve-secret");
  expect_refused("intentq-broker",
                 {"--curve-allow", dir.path() + "/none", "--curve-secret", key_fifo}, {},
                 "--curve-secret", "missing allowlist directory");

  // The worker: INTENTQ_INSTANCE garbage used to mean clientId 1 (two workers on one id).
  for (const char* instance : {"abc", "-5", "7x", "99999999999"})
    expect_refused("intentq-worker", {}, {std::string("INTENTQ_INSTANCE=") + instance},
                   "INTENTQ_INSTANCE", std::string("INTENTQ_INSTANCE=") + instance);
  // A 300-byte gateway id made the broker refuse every READY while the worker looped silently.
  expect_refused("intentq-worker", {"--gateway-id", std::string(300, 'g')}, {}, "--gateway-id",
                 "long --gateway-id");
  expect_refused("intentq-worker", {}, {"INTENTQ_GATEWAY_ID=has space"},
                 "environment variable INTENTQ_GATEWAY_ID", "--gateway-id with a space");
  expect_refused("intentq-worker", {"--broker", port70000}, {}, "--broker", "worker --broker");
  expect_refused("intentq-worker", {}, {"INTENTQ_GATEWAY=127.0.0.1:70000"},
                 "environment variable INTENTQ_GATEWAY", "worker --gateway");
  expect_refused("intentq-worker", {"--metrics", "0.0.0.0:0"}, {}, "--insecure-allow-public",
                 "worker public metrics");

  expect_refused("intentq-gwsim", {"--listen", "127.0.0.1:70000"}, {}, "--listen", "gwsim port");
  expect_refused("intentq-gwsim", {"--scenario", "/dev/zero"}, {}, "is a device",
                 "gwsim scenario device");

  expect_refused("intentq", {"stats", "--broker", port70000}, {}, "the command line",
                 "cli --broker");
  expect_refused("intentq", {"submit", "echo"}, {"INTENTQ_BROKER=" + port70000},
                 "environment variable INTENTQ_BROKER", "cli env broker");
  const auto cli_conf = dir.write("cli.conf", "[stats]\nretries = many\n");
  expect_refused("intentq", {"--config", cli_conf, "stats"}, {}, cli_conf + ": key stats.retries",
                 "cli file");
}

}  // namespace
}  // namespace intentq::ops_test
