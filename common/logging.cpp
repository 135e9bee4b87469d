#include "common/logging.hpp"

#include <unistd.h>

#include <ctime>
#include <stdexcept>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace intentq {
namespace {

thread_local const LogJobScope::Fields* current_job = nullptr;

std::string utc_iso8601(spdlog::log_clock::time_point t) {
  using namespace std::chrono;
  const auto since = t.time_since_epoch();
  const auto secs = duration_cast<seconds>(since);
  const auto millis = duration_cast<milliseconds>(since - secs).count();
  const std::time_t tt = secs.count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

// spdlog formatter for the json format: one object per line.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string program) : program_(std::move(program)), pid_(::getpid()) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    const auto line =
        json_log_line(utc_iso8601(msg.time), {level.data(), level.size()}, program_, pid_,
                      {msg.payload.data(), msg.payload.size()}, LogJobScope::current());
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(program_);
  }

 private:
  std::string program_;
  long pid_;
};

}  // namespace

LogFormat parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  throw std::invalid_argument("unknown log format '" + std::string(name) + "' (text or json)");
}

void init_logging(std::string_view program, std::string_view level, LogFormat format) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (lvl == spdlog::level::off && level != "off")
    throw std::invalid_argument("unknown log level '" + std::string(level) + "'");
  auto logger = spdlog::get(std::string(program));
  if (!logger) logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_level(lvl);
  if (format == LogFormat::kJson)
    logger->set_formatter(std::make_unique<JsonFormatter>(std::string(program)));
  else
    logger->set_formatter(
        std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e %n[%P] %^%l%$ %v"));
  spdlog::set_default_logger(logger);
}

std::string json_log_line(std::string_view time_iso, std::string_view level,
                          std::string_view program, long pid, std::string_view msg,
                          const LogJobScope::Fields* job) {
  nlohmann::ordered_json line;
  line["time"] = time_iso;
  line["level"] = level;
  line["program"] = program;
  line["pid"] = pid;
  line["msg"] = msg;
  if (job) {
    line["job_id"] = job->job_id;
    line["intent"] = job->intent;
    if (!job->worker.empty()) line["worker"] = job->worker;
  }
  // Messages may quote what a peer sent: replace invalid UTF-8 instead of throwing.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

LogJobScope::LogJobScope(std::string_view job_id, std::string_view intent, std::string_view worker)
    : fields_{std::string(job_id), std::string(intent), std::string(worker)}, outer_(current_job) {
  current_job = &fields_;
}

LogJobScope::~LogJobScope() {
  current_job = outer_;
}

const LogJobScope::Fields* LogJobScope::current() {
  return current_job;
}

}  // namespace intentq
