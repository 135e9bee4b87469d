// The json log format (common/logging.hpp): one valid JSON object per line, job fields from the
// thread's LogJobScope, escaping of whatever a message quotes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/logging.hpp"

namespace intentq {
namespace {

TEST(JsonLog, LineHasTheFieldsAndStaysValidJson) {
  const std::string nasty = "quote \" backslash \\ newline \n tab \t bad utf8 \xff\xfe end";
  const auto line = json_log_line("2026-01-02T03:04:05.678Z", "warn", "broker", 42, nasty, nullptr);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line per object";
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["program"], "broker");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_NE(j["msg"].get<std::string>().find("quote \" backslash \\ newline \n"),
            std::string::npos);
  EXPECT_FALSE(j.contains("job_id"));
}

TEST(JsonLog, JobScopeAddsJobFieldsOnThisThreadOnly) {
  EXPECT_EQ(LogJobScope::current(), nullptr);
  {
    LogJobScope outer("job-1", "positions", "host:1");
    {
      LogJobScope inner("job-2", "echo");
      const auto j = nlohmann::json::parse(
          json_log_line("t", "debug", "worker", 1, "m", LogJobScope::current()));
      EXPECT_EQ(j["job_id"], "job-2");
      EXPECT_EQ(j["intent"], "echo");
      EXPECT_FALSE(j.contains("worker"));
    }
    const auto j =
        nlohmann::json::parse(json_log_line("t", "info", "worker", 1, "m", LogJobScope::current()));
    EXPECT_EQ(j["job_id"], "job-1");
    EXPECT_EQ(j["worker"], "host:1");
  }
  EXPECT_EQ(LogJobScope::current(), nullptr);
}

TEST(JsonLog, FormatNames) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::kText);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_THROW(parse_log_format("xml"), std::invalid_argument);
}

}  // namespace
}  // namespace intentq
