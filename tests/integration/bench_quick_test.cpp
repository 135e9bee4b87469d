// intentq-bench --quick --json: runs to the end, writes valid JSON holding every key the issue
// lists (null allowed for what a build cannot measure, with a "skipped" line saying why), and the
// scenarios that need only the broker and echo workers (relay, rtt, soak) carry numbers.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/required_keys.hpp"
#include "tests/support/process.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const json* find(const json& root, const std::vector<std::string>& path) {
  const json* node = &root;
  for (const auto& key : path) {
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
  }
  return node;
}

std::string joined(const std::vector<std::string>& path) {
  std::string s;
  for (const auto& k : path) s += (s.empty() ? "" : ".") + k;
  return s;
}

TEST(BenchQuick, WritesEveryKey) {
  const auto out = std::filesystem::temp_directory_path() /
                   ("intentq-bench-" + std::to_string(::getpid()) + ".json");
  intentq::test::Process bench(
      {intentq::test::bin_dir() + "/intentq-bench", "--quick", "--json", out.string()});
  const auto status = bench.wait_exit(240s);
  ASSERT_TRUE(status.has_value()) << "intentq-bench --quick did not finish in 240 s:\n"
                                  << bench.output_text();
  bench.drain();
  ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "intentq-bench --quick failed:\n"
                                                               << bench.output_text();

  std::ifstream in(out);
  ASSERT_TRUE(in) << "no JSON file written";
  json j;
  ASSERT_NO_THROW(j = json::parse(in)) << "the --json file is not valid JSON";
  std::filesystem::remove(out);

  const auto& keys = intentq::bench::kRequiredKeys;
  for (const auto& path : keys) EXPECT_NE(find(j, path), nullptr) << "missing key " << joined(path);

  // A null figure must be explained.
  ASSERT_TRUE(j.contains("skipped") && j["skipped"].is_array());
  for (const auto& path : keys) {
    const json* v = find(j, path);
    if (!v || !v->is_null()) continue;
    bool explained = false;
    for (const auto& line : j["skipped"])
      explained = explained || line.get<std::string>().rfind(path[0], 0) == 0;
    EXPECT_TRUE(explained) << joined(path) << " is null without a skipped line";
  }
  // These need only the broker, the worker's echo intent and the bench itself: always measured.
  for (const auto& path : std::vector<std::vector<std::string>>{{"relay", "raw_jobs_per_s"},
                                                                {"relay", "ratio_vs_raw"},
                                                                {"rtt", "p50_us"},
                                                                {"rtt", "ratio_p50"},
                                                                {"summary", "jobs_per_s", "1"},
                                                                {"soak", "broker_rss_mb_end"},
                                                                {"curve", "cpu_ratio"}}) {
    const json* v = find(j, path);
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->is_number() && v->get<double>() > 0) << joined(path) << " = " << v->dump();
  }
  EXPECT_EQ(j["soak"]["jobs"], 5000);
  // Every reply of the load scenarios was a success (the bench counts the others as errors).
  EXPECT_EQ(j["soak"]["errors"], 0);
  for (const auto& run : j["relay"]["runs"])
    EXPECT_EQ(run["errors"], 0) << "relay run with errors: " << run.dump();
}

}  // namespace
