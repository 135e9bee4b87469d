// Configuration of every intentq program, in one place: each option is a command-line flag, an
// INTENTQ_* environment variable and a key of a config file (--config FILE, TOML-style
// `key = value` lines as CLI11 reads them, `[subcommand]` sections for the intentq CLI), with the
// precedence  flag > environment > file > default.
//
// CLI11 alone reads the config file before the environment, so a file value would beat an
// environment variable; the config reader here drops a file value whose option has its variable
// set, and CLI11's own environment pass then fills it in. A bad value is refused with a message
// that names the option and where its value came from:
//   intentq-broker: --heartbeat-ms: Value 5 not in range 10 to 3600000
//     (from environment variable INTENTQ_HEARTBEAT_MS)
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include <CLI/CLI.hpp>

namespace intentq {

// Bounds on a config file, checked before it is parsed: a regular file (not a FIFO, device or
// directory) of at most kMaxConfigBytes, and at most kMaxConfigNesting dotted names in a section
// header or key ("[a.b]" is 2).
inline constexpr size_t kMaxConfigBytes = 1 << 20;
inline constexpr size_t kMaxConfigNesting = 4;

// Why `path` cannot be a config file ("is a FIFO, not a regular file", "No such file or
// directory", ...); empty when it can. Never throws.
std::string config_file_problem(const std::string& path);

// A numeric option that must lie in [lo, hi], its default shown in --help: what most options of
// the programs are.
template <typename T, typename Bound>
CLI::Option* add_bounded(CLI::App& app, const std::string& name, T& value, const std::string& help,
                         Bound lo, Bound hi) {
  return app.add_option(name, value, help)->check(CLI::Range(lo, hi))->capture_default_str();
}

class ProgramOptions {
 public:
  // `program` names the program in messages ("intentq-broker"); `usage_exit` is the exit status
  // for a refused configuration.
  ProgramOptions(CLI::App& app, std::string program, int usage_exit);
  ProgramOptions(const ProgramOptions&) = delete;
  ProgramOptions& operator=(const ProgramOptions&) = delete;

  // Call once every option is added (subcommands included): gives each named option without an
  // environment variable INTENTQ_<NAME> (upper case, '-' -> '_'), shows defaults in --help, and
  // adds --config FILE (environment INTENTQ_CONFIG) and --version. Options named in `per_call`
  // (e.g. a job's
  // --id) describe one invocation, not a configuration: they get neither variable nor file key.
  void finish(const std::set<std::string>& per_call = {});

  // Parses the command line, environment and config file. nullopt: go on; otherwise the program
  // should exit with that status (0 after --help, usage_exit after a refused value, with the
  // message printed to stderr).
  std::optional<int> parse(int argc, const char* const* argv);

  // Where the value of `option` ("--heartbeat-ms") came from: "the command line",
  // "environment variable INTENTQ_HEARTBEAT_MS", "FILE: key heartbeat-ms" or "the default".
  std::string source_of(const std::string& option) const;
  // `message` with the source of the option it names appended, for errors found after parse()
  // (e.g. "--gateway must be HOST:PORT ..."); unchanged when it names no option.
  std::string explain(const std::string& message) const;
  // Prints "<program>: explain(message)" to stderr and returns usage_exit.
  int refuse(const std::string& message) const;

  // The environment variable name an option gets: "--gateway-msg-rate" -> INTENTQ_GATEWAY_MSG_RATE.
  static std::string env_name(const std::string& long_name);

 private:
  class EnvFirstConfig;
  const CLI::Option* find_named_in(const std::string& message) const;

  CLI::App& app_;
  std::string program_;
  int usage_exit_;
  std::set<const CLI::Option*> from_command_line_;
  std::map<const CLI::Option*, std::string> from_file_;  // option -> "FILE: key KEY"
  std::string config_source_;                            // where --config came from
};

}  // namespace intentq

namespace intentq {

// --log-level and --log-format, the same in every program (common/logging.hpp).
struct LogOptions {
  std::string level = "info";
  std::string format = "text";
};
void add_log_options(CLI::App& app, LogOptions& log);

}  // namespace intentq
