#include "cli/params.hpp"

#include <gtest/gtest.h>

namespace intentq::cli {
namespace {

TEST(CliParams, ScalarsParseAsJsonAndEverythingElseIsAString) {
  EXPECT_EQ(param_value("42"), nlohmann::json(42));
  EXPECT_TRUE(param_value("42").is_number_unsigned());
  EXPECT_EQ(param_value("-7"), nlohmann::json(-7));
  EXPECT_EQ(param_value("1.5"), nlohmann::json(1.5));
  EXPECT_EQ(param_value("true"), nlohmann::json(true));
  EXPECT_EQ(param_value("false"), nlohmann::json(false));
  EXPECT_TRUE(param_value("null").is_null());
  EXPECT_EQ(param_value("AAPL"), nlohmann::json("AAPL"));
  EXPECT_EQ(param_value(""), nlohmann::json(""));
  EXPECT_EQ(param_value("12abc"), nlohmann::json("12abc"));
  EXPECT_EQ(param_value("\"42\""), nlohmann::json("42"));    // quoting forces a string
  EXPECT_EQ(param_value("[1,2]"), nlohmann::json("[1,2]"));  // no structures from --param
}

TEST(CliParams, ParamsOverlayParamsJsonInOrder) {
  auto p = build_params(R"({"a": 1, "b": {"c": true}})", {"a=2", "d=x", "d=y", "e=k=v"});
  EXPECT_EQ(p, nlohmann::json::parse(R"({"a": 2, "b": {"c": true}, "d": "y", "e": "k=v"})"));
  EXPECT_EQ(build_params("", {}), nlohmann::json::object());
}

TEST(CliParams, BadArgumentsAreRejectedWithTheirName) {
  EXPECT_THROW(build_params("[1]", {}), std::invalid_argument);
  EXPECT_THROW(build_params("{nope", {}), std::invalid_argument);
  try {
    build_params("", {"novalue"});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("novalue"), std::string::npos);
  }
  EXPECT_THROW(build_params("", {"=1"}), std::invalid_argument);
}

}  // namespace
}  // namespace intentq::cli
