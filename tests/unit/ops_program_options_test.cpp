// The shared configuration helper (common/program_options.hpp): precedence flag > environment >
// config file > default, on a CLI11 app like the programs build, and refusals that name the
// option and the source of the bad value.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

#include "common/program_options.hpp"

namespace intentq {
namespace {

// A scratch config file, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ =
        (std::filesystem::temp_directory_path() / ("intentq-config-" + std::to_string(::getpid()) +
                                                   "-" + std::to_string(counter_++) + ".conf"))
            .string();
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

// Sets an environment variable for the test's duration.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }

 private:
  std::string name_;
};

// Captures std::cerr while alive.
class CaptureCerr {
 public:
  CaptureCerr() : old_(std::cerr.rdbuf(buf_.rdbuf())) {}
  ~CaptureCerr() { std::cerr.rdbuf(old_); }
  std::string text() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};

// A program with a few options of the kinds the real ones use.
struct Program {
  CLI::App app{"test program"};
  ProgramOptions options{app, "intentq-test", 78};
  int heartbeat_ms = 1000;
  std::string endpoint = "tcp://127.0.0.1:5555";
  bool insecure = false;
  std::string mode = "persistent";

  Program() {
    app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat")
        ->check(CLI::Range(10, 3600000))
        ->capture_default_str();
    app.add_option("--endpoint", endpoint, "endpoint")->capture_default_str();
    app.add_flag("--insecure-allow-public", insecure, "flag");
    app.add_option("--mode", mode, "mode")->check(CLI::IsMember({"persistent", "per-job"}));
    options.finish();
  }
  std::optional<int> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "intentq-test");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    return options.parse(static_cast<int>(argv.size()), argv.data());
  }
};

// A fresh Program refuses `args` with its configuration-error status (78), and what it wrote on
// stderr names every `needle` (the option, and where its value came from).
void expect_refused(const std::vector<std::string>& args,
                    std::initializer_list<std::string> needles) {
  Program p;
  CaptureCerr err;
  EXPECT_EQ(p.parse(args), 78);
  for (const auto& n : needles)
    EXPECT_NE(err.text().find(n), std::string::npos) << "'" << n << "' not in: " << err.text();
}

TEST(ProgramOptions, EveryOptionGetsAnEnvironmentVariableAndHelpShowsIt) {
  Program p;
  const auto help = p.app.help();
  for (const char* env : {"INTENTQ_HEARTBEAT_MS", "INTENTQ_ENDPOINT",
                          "INTENTQ_INSECURE_ALLOW_PUBLIC", "INTENTQ_MODE"})
    EXPECT_NE(help.find(env), std::string::npos) << env << " missing from --help:\n" << help;
  EXPECT_NE(help.find("--config"), std::string::npos);
  EXPECT_NE(help.find("1000"), std::string::npos) << "default not shown:\n" << help;
  EXPECT_EQ(ProgramOptions::env_name("gateway-msg-rate"), "INTENTQ_GATEWAY_MSG_RATE");
}

TEST(ProgramOptions, DefaultWhenNothingIsGiven) {
  Program p;
  ASSERT_FALSE(p.parse({}));
  EXPECT_EQ(p.heartbeat_ms, 1000);
  EXPECT_EQ(p.options.source_of("--heartbeat-ms"), "the default");
}

TEST(ProgramOptions, FileBeatsDefault) {
  TempFile file(
      "heartbeat-ms = 2000\nendpoint = \"tcp://127.0.0.2:1\"\ninsecure-allow-public = true\n");
  Program p;
  ASSERT_FALSE(p.parse({"--config", file.path()}));
  EXPECT_EQ(p.heartbeat_ms, 2000);
  EXPECT_EQ(p.endpoint, "tcp://127.0.0.2:1");
  EXPECT_TRUE(p.insecure);
  EXPECT_EQ(p.options.source_of("--heartbeat-ms"), file.path() + ": key heartbeat-ms");
}

// CLI11 on its own reads the file before the environment and lets the file win; the helper
// reverses that.
TEST(ProgramOptions, EnvironmentBeatsFile) {
  TempFile file("heartbeat-ms = 2000\nendpoint = tcp://127.0.0.2:1\n");
  ScopedEnv env("INTENTQ_HEARTBEAT_MS", "3000");
  Program p;
  ASSERT_FALSE(p.parse({"--config", file.path()}));
  EXPECT_EQ(p.heartbeat_ms, 3000);
  EXPECT_EQ(p.endpoint, "tcp://127.0.0.2:1");  // not in the environment: the file's
  EXPECT_EQ(p.options.source_of("--heartbeat-ms"), "environment variable INTENTQ_HEARTBEAT_MS");
}

TEST(ProgramOptions, FlagBeatsEnvironmentAndFile) {
  TempFile file("heartbeat-ms = 2000\n");
  ScopedEnv env("INTENTQ_HEARTBEAT_MS", "3000");
  Program p;
  ASSERT_FALSE(p.parse({"--config", file.path(), "--heartbeat-ms=4000"}));
  EXPECT_EQ(p.heartbeat_ms, 4000);
  EXPECT_EQ(p.options.source_of("--heartbeat-ms"), "the command line");
}

TEST(ProgramOptions, ConfigFileFromTheEnvironment) {
  TempFile file("mode = per-job\n");
  ScopedEnv env("INTENTQ_CONFIG", file.path());
  Program p;
  ASSERT_FALSE(p.parse({}));
  EXPECT_EQ(p.mode, "per-job");
}

TEST(ProgramOptions, BadValueFromTheEnvironmentNamesOptionAndVariable) {
  ScopedEnv env("INTENTQ_HEARTBEAT_MS", "5");
  expect_refused({}, {"--heartbeat-ms", "environment variable INTENTQ_HEARTBEAT_MS"});
}

TEST(ProgramOptions, BadValueFromTheFileNamesOptionFileAndKey) {
  TempFile file("# a comment\nmode = sometimes\n");
  expect_refused({"--config", file.path()}, {"--mode", file.path() + ": key mode"});
}

TEST(ProgramOptions, BadValueOnTheCommandLineSaysSo) {
  expect_refused({"--heartbeat-ms", "abc"}, {"--heartbeat-ms", "the command line"});
}

TEST(ProgramOptions, UnknownKeyAndMissingFileAreRefused) {
  TempFile file("heartbeat = 5\n");
  expect_refused({"--config", file.path()}, {"unknown key 'heartbeat'", file.path()});
  expect_refused({"--config", file.path() + ".missing"}, {"--config"});
  ScopedEnv env("INTENTQ_CONFIG", file.path() + ".missing");
  expect_refused({}, {"environment variable INTENTQ_CONFIG"});
}

// Hostile config files: refused before CLI11 reads them (a device would be read without end, a
// FIFO would block the open), or before CLI11 builds their sections (10,000 dotted names in one
// header took 3 GB).
TEST(ProgramOptions, HostileConfigFilesAreRefusedBeforeParsing) {
  const std::string fifo = std::filesystem::temp_directory_path() /
                           ("intentq-config-fifo-" + std::to_string(::getpid()));
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string header = "[a";
  for (int i = 0; i < 10000; ++i) header += ".b";
  TempFile nested(header + "]\nx = 1\n");
  TempFile dotted_key("a.b.c.d.e.f = 1\n");
  TempFile big(std::string(kMaxConfigBytes + 10, '#'));
  const std::string long_component = std::filesystem::temp_directory_path() / std::string(300, 'c');
  struct Case {
    std::string path, expect;
  };
  for (const auto& c : std::vector<Case>{{"/dev/zero", "device"},
                                         {"/dev/urandom", "device"},
                                         {fifo, "FIFO"},
                                         {"/tmp", "directory"},
                                         {nested.path(), "nested sections"},
                                         {dotted_key.path(), "nested sections"},
                                         {big.path(), "bytes"},
                                         {long_component, "too long"}}) {
    for (const bool from_env : {false, true}) {
      const auto start = std::chrono::steady_clock::now();
      std::optional<ScopedEnv> env;
      if (from_env) env.emplace("INTENTQ_CONFIG", c.path);
      Program p;
      CaptureCerr err;
      EXPECT_EQ(from_env ? p.parse({}) : p.parse({"--config", c.path}), 78) << c.path;
      EXPECT_NE(err.text().find(c.expect), std::string::npos) << c.path << ": " << err.text();
      EXPECT_NE(
          err.text().find(from_env ? "environment variable INTENTQ_CONFIG" : "the command line"),
          std::string::npos)
          << err.text();
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << c.path;
    }
  }
  std::filesystem::remove(fifo);
}

TEST(ProgramOptions, ExplainAppendsTheSourceForLaterChecks) {
  ScopedEnv env("INTENTQ_ENDPOINT", "nonsense");
  Program p;
  ASSERT_FALSE(p.parse({}));
  EXPECT_EQ(p.options.explain("--endpoint must be tcp://HOST:PORT"),
            "--endpoint must be tcp://HOST:PORT (from environment variable INTENTQ_ENDPOINT)");
  EXPECT_EQ(p.options.explain("no option named here"), "no option named here");
}

TEST(ProgramOptions, SubcommandSectionsAndPerCallOptions) {
  CLI::App app{"cli"};
  ProgramOptions options(app, "intentq", 1);
  auto* submit = app.add_subcommand("submit", "");
  std::string broker = "tcp://127.0.0.1:5555", id;
  int retries = 3;
  submit->add_option("--broker", broker, "");
  submit->add_option("--retries", retries, "");
  submit->add_option("--id", id, "");
  options.finish({"--id"});
  TempFile file("[submit]\nbroker = tcp://127.0.0.9:1\nretries = 7\n");
  ScopedEnv env("INTENTQ_RETRIES", "9");
  const char* argv[] = {"intentq", "--config", file.path().c_str(), "submit"};
  ASSERT_FALSE(options.parse(4, argv));
  EXPECT_EQ(broker, "tcp://127.0.0.9:1");
  EXPECT_EQ(retries, 9);
  EXPECT_EQ(submit->get_option("--id")->get_envname(), "");
  TempFile per_call("[submit]\nid = x\n");
  CaptureCerr err;
  const char* argv2[] = {"intentq", "--config", per_call.path().c_str(), "submit"};
  EXPECT_EQ(options.parse(4, argv2), 1);
  EXPECT_NE(err.text().find("unknown key 'submit.id'"), std::string::npos) << err.text();
}

TEST(ProgramOptions, ConfigAfterTheSubcommandAndAHintForAKeyOutsideItsSection) {
  CLI::App app{"cli"};
  ProgramOptions options(app, "intentq", 1);
  auto* submit = app.add_subcommand("submit", "");
  auto* stats = app.add_subcommand("stats", "");
  std::string broker = "tcp://127.0.0.1:5555", stats_broker = broker;
  submit->add_option("--broker", broker, "");
  stats->add_option("--broker", stats_broker, "");
  options.finish();
  TempFile file("[submit]\nbroker = tcp://127.0.0.9:1\n");
  // --config after the subcommand (CLI11 alone refuses it there), as NAME VALUE and NAME=VALUE.
  const char* after[] = {"intentq", "submit", "--config", file.path().c_str()};
  ASSERT_FALSE(options.parse(4, after));
  EXPECT_EQ(broker, "tcp://127.0.0.9:1");
  EXPECT_EQ(options.source_of("--broker"), file.path() + ": key submit.broker");
  broker = "unset";
  const std::string joined = "--config=" + file.path();
  const char* after_joined[] = {"intentq", "submit", joined.c_str()};
  ASSERT_FALSE(options.parse(3, after_joined));
  EXPECT_EQ(broker, "tcp://127.0.0.9:1");
  // A key written before any section, that only subcommands know.
  TempFile loose("broker = tcp://127.0.0.9:1\n");
  CaptureCerr err;
  const char* argv[] = {"intentq", "submit", "--config", loose.path().c_str()};
  EXPECT_EQ(options.parse(4, argv), 1);
  EXPECT_NE(err.text().find("unknown key 'broker' outside a section; it belongs in a [submit] or "
                            "[stats] section"),
            std::string::npos)
      << err.text();
}

TEST(ProgramOptions, VersionFlagPrintsTheVersionAndExitsZero) {
  Program p;
  testing::internal::CaptureStdout();
  EXPECT_EQ(p.parse({"--version"}), 0);
  const auto out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(out.starts_with("intentq-test ")) << out;
  EXPECT_NE(out.find('.'), std::string::npos) << out;
}

}  // namespace
}  // namespace intentq
