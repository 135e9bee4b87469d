#include "common/program_options.hpp"

#include "common/file_checks.hpp"

#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/version.hpp"

namespace intentq {
namespace {

constexpr const char* kConfigEnv = "INTENTQ_CONFIG";

// The app and its subcommands, depth first.
void for_each_app(CLI::App& app, const std::function<void(CLI::App&)>& fn) {
  fn(app);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) for_each_app(*sub, fn);
}

// Options that are configuration (not --help, --help-all, --config, positionals).
std::vector<CLI::Option*> settings_of(CLI::App& app) {
  std::vector<CLI::Option*> out;
  for (auto* opt : app.get_options([](const CLI::Option*) { return true; })) {
    if (opt == app.get_help_ptr() || opt == app.get_help_all_ptr() || opt == app.get_config_ptr() ||
        opt->get_lnames().empty())
      continue;
    out.push_back(opt);
  }
  return out;
}

std::optional<std::string> env_value(const std::string& name) {
  if (name.empty()) return std::nullopt;
  const char* value = std::getenv(name.c_str());
  // CLI11 ignores an empty variable too.
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Dotted names in a section header ("[a.b.c]") or a key ("a.b = 1"): CLI11 makes one nested
// section of each, and its cost grows much faster than the text (10,000 names took 3 GB).
void check_nesting(const std::string& file, const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == ';') continue;
    // A key's name ends at '=' (or ':'); a section header is the whole line.
    const auto name_end = line[first] == '[' ? line.size() : line.find_first_of("=:", first);
    size_t dots = 0;
    for (size_t i = first; i < std::min(name_end, line.size()); ++i) dots += line[i] == '.';
    if (dots + 1 > kMaxConfigNesting)
      throw CLI::ConfigError(file + ": line " + std::to_string(number) + " names " +
                             std::to_string(dots + 1) + " nested sections; at most " +
                             std::to_string(kMaxConfigNesting) + " are allowed");
  }
}

}  // namespace

std::string config_file_problem(const std::string& path) {
  return regular_file_problem(path, kMaxConfigBytes);
}

// CLI11's TOML/INI reader, with two changes: a key no option knows is refused (a typo must not
// silently fall back to the default), and a value whose option has its environment variable set
// is dropped, so the environment pass that CLI11 runs after the file fills it in (env > file).
class ProgramOptions::EnvFirstConfig : public CLI::ConfigTOML {
 public:
  explicit EnvFirstConfig(ProgramOptions& owner) : owner_(owner) {}

  // A key that no option of its section knows but a subcommand's does: "; it belongs in a
  // [submit], [stats] or [cancel] section" (the intentq CLI's options live in per-subcommand
  // sections).
  std::string section_hint(const CLI::ConfigItem& item) const {
    if (!item.parents.empty()) return {};
    std::vector<std::string> names;
    for (auto* sub : owner_.app_.get_subcommands([](CLI::App*) { return true; })) {
      const auto* opt = sub->get_option_no_throw("--" + item.name);
      if (opt && opt->get_configurable()) names.push_back(sub->get_name());
    }
    if (names.empty()) return {};
    // "[submit]", "[submit] or [stats]", "[submit], [stats] or [cancel]"
    std::string sections;
    for (size_t i = 0; i < names.size(); ++i)
      sections += std::string(i == 0                  ? ""
                              : i + 1 == names.size() ? " or "
                                                      : ", ") +
                  "[" + names[i] + "]";
    return " outside a section; it belongs in a " + sections + " section (a line '[" + names[0] +
           "]' before it)";
  }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    const auto* config = owner_.app_.get_config_ptr();
    const std::string file = config ? config->as<std::string>() : std::string("config");
    // The file was a regular file within the size cap when --config was checked; read no more
    // than the cap even if it grew since, and check the nesting before CLI11 parses it.
    std::string text(kMaxConfigBytes + 1, '\0');
    input.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(input.gcount()));
    if (text.size() > kMaxConfigBytes)
      throw CLI::ConfigError(file + ": more than " + std::to_string(kMaxConfigBytes) + " bytes");
    check_nesting(file, text);
    std::istringstream parsed(text);
    auto items = CLI::ConfigTOML::from_config(parsed);
    std::vector<CLI::ConfigItem> kept;
    for (auto& item : items) {
      // A section no subcommand knows is refused even when it holds no key: a typo in a section
      // name must not go unnoticed (and 30,000 empty sections are no configuration).
      CLI::App* app = &owner_.app_;
      for (const auto& parent : item.parents) {
        try {
          app = app->get_subcommand(parent);
        } catch (const CLI::OptionNotFound&) {
          throw CLI::ConfigError(file + ": unknown section [" + parent + "]");
        }
      }
      if (item.name == "++" || item.name == "--") {  // section markers
        kept.push_back(std::move(item));
        continue;
      }
      const CLI::Option* opt = app->get_option_no_throw("--" + item.name);
      if (!opt || opt == owner_.app_.get_config_ptr() || opt == app->get_help_ptr() ||
          !opt->get_configurable())
        throw CLI::ConfigError(file + ": unknown key '" + item.fullname() + "'" +
                               section_hint(item));
      if (opt->count() > 0) continue;               // given on the command line: it wins
      if (env_value(opt->get_envname())) continue;  // environment beats the file
      owner_.from_file_[opt] = file + ": key " + item.fullname();
      kept.push_back(std::move(item));
    }
    return kept;
  }

 private:
  ProgramOptions& owner_;
};

ProgramOptions::ProgramOptions(CLI::App& app, std::string program, int usage_exit)
    : app_(app), program_(std::move(program)), usage_exit_(usage_exit) {}

std::string ProgramOptions::env_name(const std::string& long_name) {
  std::string name = "INTENTQ_";
  for (char c : long_name)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

void ProgramOptions::finish(const std::set<std::string>& per_call) {
  for_each_app(app_, [&](CLI::App& app) {
    for (auto* opt : settings_of(app)) {
      if (per_call.count("--" + opt->get_lnames().front())) {
        opt->configurable(false);
      } else if (opt->get_envname().empty()) {
        opt->envname(env_name(opt->get_lnames().front()));
      }
      // --help shows every default (a no-op for options that have none).
      if (opt->get_default_str().empty()) opt->capture_default_str();
    }
  });
  app_.set_config("--config", "",
                  "read options from FILE (`key = value` lines, keys are the long option names "
                  "without --); precedence: flag > INTENTQ_* environment > file > default "
                  "(env INTENTQ_CONFIG)")
      ->type_name("FILE")
      // Checked before CLI11 opens it: a FIFO would block the open, a device never end.
      ->check(CLI::Validator(
          [](std::string& path) {
            const auto problem = config_file_problem(path);
            return problem.empty() ? std::string() : path + ": " + problem;
          },
          "FILE"));
  app_.config_formatter(std::make_shared<EnvFirstConfig>(*this));
  app_.set_version_flag("--version", version_line(program_),
                        "print the version (and the git commit it was built from) and exit");
}

std::optional<int> ProgramOptions::parse(int argc, const char* const* argv) {
  from_command_line_.clear();
  from_file_.clear();
  // Which options the command line names (CLI11 does not record a value's source).
  std::vector<CLI::Option*> all;
  for_each_app(app_, [&](CLI::App& app) {
    for (auto* opt : settings_of(app)) all.push_back(opt);
    if (auto* config = app.get_config_ptr()) all.push_back(config);
  });
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    arg = arg.substr(0, arg.find('='));
    for (auto* opt : all)
      if (opt->check_name(arg)) from_command_line_.insert(opt);
  }

  config_source_ = "the command line";
  auto* config = app_.get_config_ptr();
  if (config && !from_command_line_.count(config)) {
    if (auto path = env_value(kConfigEnv)) {
      config_source_ = std::string("environment variable ") + kConfigEnv;
      if (const auto problem = config_file_problem(*path); !problem.empty())
        return refuse("--config: " + *path + ": " + problem + " (from " + config_source_ + ")");
      config->default_str(*path);
    }
  }

  // --config belongs to the program, not to a subcommand, but may be written anywhere: CLI11
  // accepts it only before the subcommand, so it is moved there (with its value).
  std::vector<std::string> args(argv, argv + argc);
  if (auto* config_opt = app_.get_config_ptr()) {
    std::vector<std::string> moved;
    for (size_t i = 1; i < args.size();) {
      if (args[i] == "--") break;
      const auto name = args[i].substr(0, args[i].find('='));
      if (config_opt->check_name(name)) {
        const bool joined = args[i].find('=') != std::string::npos;
        const size_t n = joined ? 1 : std::min<size_t>(2, args.size() - i);
        moved.insert(moved.end(), args.begin() + static_cast<long>(i),
                     args.begin() + static_cast<long>(i + n));
        args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i + n));
        continue;
      }
      ++i;
    }
    args.insert(args.begin() + 1, moved.begin(), moved.end());
  }
  // CLI11 parses the vector reversed (it pops from the back).
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    if (app_.get_name().empty()) app_.name(args.front());
    app_.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app_.exit(e);  // --help, --help-all
    std::cerr << program_ << ": " << explain(e.what()) << "\n"
              << "Run with --help for the options and their defaults.\n";
    return usage_exit_;
  } catch (const std::exception& e) {
    // Nothing a user can type may end the program with an uncaught exception (out of memory on
    // a hostile file, a path the file system refuses, ...).
    std::cerr << program_ << ": cannot read the configuration: " << explain(e.what()) << "\n";
    return usage_exit_;
  }
  return std::nullopt;
}

std::string ProgramOptions::source_of(const std::string& option) const {
  const CLI::Option* found = nullptr;
  for_each_app(app_, [&](CLI::App& app) {
    // Subcommands may share option names (intentq submit/stats --broker): the one in use.
    if (found || (&app != &app_ && !app.parsed())) return;
    if (auto* opt = app.get_option_no_throw(option)) found = opt;
  });
  if (!found) return "the default";
  if (from_command_line_.count(found)) return "the command line";
  if (found == app_.get_config_ptr()) return config_source_;
  if (env_value(found->get_envname())) return "environment variable " + found->get_envname();
  if (auto it = from_file_.find(found); it != from_file_.end()) return it->second;
  return "the default";
}

const CLI::Option* ProgramOptions::find_named_in(const std::string& message) const {
  // The option named first (CLI11 starts its messages with it; later names are usually advice
  // such as "or pass --insecure-allow-public").
  const CLI::Option* best = nullptr;
  size_t best_at = std::string::npos;
  for_each_app(app_, [&](CLI::App& app) {
    const auto settings = settings_of(app);
    std::vector<const CLI::Option*> candidates(settings.begin(), settings.end());
    if (auto* config = app.get_config_ptr()) candidates.push_back(config);
    for (const auto* opt : candidates) {
      const std::string name = "--" + opt->get_lnames().front();
      for (size_t at = message.find(name); at != std::string::npos && at < best_at;
           at = message.find(name, at + 1)) {
        const size_t end = at + name.size();
        // "--gateway" inside "--gateway-id" is not a mention of --gateway.
        const bool bounded = (at == 0 || !is_name_char(message[at - 1])) &&
                             (end == message.size() || !is_name_char(message[end]));
        if (bounded) {
          best = opt;
          best_at = at;
          break;
        }
      }
    }
  });
  return best;
}

std::string ProgramOptions::explain(const std::string& message) const {
  const auto* opt = find_named_in(message);
  if (!opt) {
    // CLI11's "FILE was not readable (missing?)" names the file, not --config.
    // Also the file's own problems found while reading it (size, nesting, syntax).
    const auto* config = app_.get_config_ptr();
    std::string file;
    if (config) {
      try {
        file = config->as<std::string>();
      } catch (const CLI::Error&) {  // a value its check refused: the message names it anyway
      }
    }
    if (!file.empty() && message.find(file) != std::string::npos)
      return "--config: " + message + " (from " + config_source_ + ")";
    return message;
  }
  return message + " (from " + source_of("--" + opt->get_lnames().front()) + ")";
}

int ProgramOptions::refuse(const std::string& message) const {
  std::cerr << program_ << ": " << explain(message) << "\n";
  return usage_exit_;
}

}  // namespace intentq

namespace intentq {

void add_log_options(CLI::App& app, LogOptions& log) {
  app.add_option("--log-level", log.level, "trace, debug, info, warn, error, critical, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", log.format,
                 "text, or json: one JSON object per line (time, level, program, msg; job_id, "
                 "intent, worker on lines about a job)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

}  // namespace intentq
