// Logging set-up shared by the programs (broker, worker, simulator): spdlog's default logger
// writes to stderr (stdout is kept for readiness lines and results), in one of two formats:
//   text  2026-01-02T03:04:05.678 broker[1234] info worker ready: ...
//   json  {"time":"2026-01-02T03:04:05.678Z","level":"info","program":"broker","pid":1234,
//          "msg":"worker ready: ...","job_id":"...","intent":"...","worker":"..."}
// json is one object per line, always valid JSON (invalid UTF-8 from peers is replaced).
#pragma once

#include <string>
#include <string_view>

namespace intentq {

enum class LogFormat { kText, kJson };

// "text" | "json"; throws std::invalid_argument otherwise.
LogFormat parse_log_format(std::string_view name);

// level: trace, debug, info, warn, error, critical, off. Throws std::invalid_argument otherwise.
void init_logging(std::string_view program, std::string_view level,
                  LogFormat format = LogFormat::kText);

// The fields a log line about a job carries: while a LogJobScope lives, every line the current
// thread logs gets job_id, intent and worker (json format; text lines are unchanged, their
// messages name the job). A thread-local context rather than a parameter of every call, because
// the lines about a job are written deep inside code that does not know the job (the gateway
// session, the intents). Scopes nest; the innermost wins.
class LogJobScope {
 public:
  LogJobScope(std::string_view job_id, std::string_view intent, std::string_view worker = {});
  ~LogJobScope();
  LogJobScope(const LogJobScope&) = delete;
  LogJobScope& operator=(const LogJobScope&) = delete;

  struct Fields {
    std::string job_id, intent, worker;
  };
  // The innermost scope's fields on this thread, or nullptr.
  static const Fields* current();

 private:
  Fields fields_;
  const Fields* outer_;
};

// One log line as the json format writes it (without the newline); exposed for tests.
std::string json_log_line(std::string_view time_iso, std::string_view level,
                          std::string_view program, long pid, std::string_view msg,
                          const LogJobScope::Fields* job);

}  // namespace intentq
