// `intentq history`'s pure parts: chunking a range on the step limits, the durations asked for,
// bar times, the resume point, the file formats, what a rerun reads from a file, and putting
// chunks back in time order.
#include <gtest/gtest.h>

#include "cli/history_eta.hpp"
#include "cli/history_output.hpp"
#include "cli/history_plan.hpp"

namespace intentq::cli::history {
namespace {

using nlohmann::json;

const md::BarSize& bar(std::string_view name) {
  const auto* b = md::find_bar_size(name);
  EXPECT_NE(b, nullptr) << name;
  return *b;
}

int64_t t(const char* iso) {
  return md::parse_iso_utc(iso).value();
}

TEST(CliHistoryPlan, ChunksStayWithinTheIntentsStepLimits) {
  for (const auto& b : md::bar_sizes()) {
    const int64_t c = chunk_seconds(b);
    if (b.seconds > 3600) {
      EXPECT_EQ(c, 0) << b.name;
      continue;
    }
    ASSERT_GT(c, 0) << b.name;
    EXPECT_EQ(c % b.seconds, 0) << b.name;
    const auto d = chunk_duration({0, c});
    ASSERT_TRUE(d) << b.name;
    EXPECT_EQ(md::step_error(b.name, *d), "") << b.name << " " << *d;
  }
  EXPECT_EQ(chunk_seconds(bar("1 secs")), 1800);
  EXPECT_EQ(chunk_seconds(bar("30 secs")), 28800);
  EXPECT_EQ(chunk_seconds(bar("1 min")), 7 * 86400);
}

TEST(CliHistoryPlan, ChunksCoverTheRangeOnceOnFixedBorders) {
  const auto& b = bar("1 secs");
  const auto range = align_range(t("2026-12-04T14:30:00Z") + 1 - 1, t("2026-12-04T16:10:00Z"), b);
  const auto chunks = plan_chunks(range.start, range.end, b);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks.front().start, t("2026-12-04T14:30:00Z"));
  EXPECT_EQ(chunks.back().end, t("2026-12-04T16:10:00Z"));
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].start, chunks[i - 1].end);
    EXPECT_EQ(chunks[i].start % 1800, 0);
  }
  // A rerun from a later point cuts the same borders.
  const auto rest = plan_chunks(chunks[2].start, range.end, b);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0], chunks[2]);
  EXPECT_TRUE(plan_chunks(5, 5, b).empty());
}

TEST(CliHistoryPlan, RangeIsAlignedToWholeBars) {
  const auto r = align_range(t("2026-12-04T14:30:20Z"), t("2026-12-04T15:00:50Z"), bar("1 min"));
  EXPECT_EQ(r.start, t("2026-12-04T14:31:00Z"));
  EXPECT_EQ(r.end, t("2026-12-04T15:00:00Z"));
  const auto days = align_range(5, 100000, bar("1 day"));
  EXPECT_EQ(days.start, 5);
  EXPECT_EQ(plan_chunks(days.start, days.end, bar("1 day")).size(), 1u);
}

TEST(CliHistoryPlan, DurationsAskForAtLeastTheChunk) {
  EXPECT_EQ(chunk_duration({0, 1800}), "1800 S");
  EXPECT_EQ(chunk_duration({0, 86400}), "86400 S");
  EXPECT_EQ(chunk_duration({0, 86401}), "2 D");
  EXPECT_EQ(chunk_duration({0, 365 * 86400}), "365 D");
  EXPECT_EQ(chunk_duration({0, 366 * 86400}), "2 Y");
  EXPECT_FALSE(chunk_duration({0, 0}));
  EXPECT_FALSE(chunk_duration({0, int64_t{60} * 365 * 86400}));
}

TEST(CliHistoryPlan, BarTimesAndResumePoint) {
  EXPECT_EQ(bar_epoch("2026-12-04T14:30:00Z"), t("2026-12-04T14:30:00Z"));
  EXPECT_EQ(bar_epoch("2026-12-04"), t("2026-12-04T00:00:00Z"));
  EXPECT_FALSE(bar_epoch("yesterday"));
  EXPECT_EQ(resume_point(t("2026-12-04T14:30:59Z"), bar("1 secs")), t("2026-12-04T14:31:00Z"));
  // An hourly bar at the session's open (09:30 New York) belongs to the 14:00 UTC bucket.
  EXPECT_EQ(resume_point(t("2026-12-04T14:30:00Z"), bar("1 hour")), t("2026-12-04T15:00:00Z"));
  EXPECT_EQ(resume_point(t("2026-12-04T00:00:00Z"), bar("1 day")), t("2026-12-05T00:00:00Z"));
}

TEST(CliHistoryOutput, LinesInBothFormats) {
  const json b = {{"t", "2026-12-04T14:30:00Z"},
                  {"o", 1.5},
                  {"h", 2},
                  {"l", 1.25},
                  {"c", 1.75},
                  {"v", 100},
                  {"wap", nullptr},
                  {"n", 7}};
  EXPECT_EQ(format_bar(b, Format::kCsv), "2026-12-04T14:30:00Z,1.5,2,1.25,1.75,100,,7\n");
  const auto line = format_bar(b, Format::kJsonl);
  EXPECT_EQ(json::parse(line), b);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line_time(format_bar(b, Format::kCsv), Format::kCsv), "2026-12-04T14:30:00Z");
  EXPECT_EQ(line_time(line, Format::kJsonl), "2026-12-04T14:30:00Z");
  EXPECT_EQ(line_time(kCsvHeader, Format::kCsv), std::nullopt);
  EXPECT_THROW(line_time("hello", Format::kCsv), std::invalid_argument);
  EXPECT_THROW(line_time("{\"x\":1}", Format::kJsonl), std::invalid_argument);
  EXPECT_THROW(format_bar(json{{"o", 1}}, Format::kCsv), std::invalid_argument);
}

TEST(CliHistoryOutput, ARerunReadsTheLastCompleteBarAndDropsACutLine) {
  const std::string header(kCsvHeader);
  const std::string a = "2026-12-04T14:30:00Z,1,1,1,1,1,1,1\n";
  const std::string b = "2026-12-04T14:30:01Z,1,1,1,1,1,1,1\n";
  std::string file = header + a + b;
  auto e = inspect_existing(file, file, file.size(), Format::kCsv);
  EXPECT_TRUE(e.has_header);
  EXPECT_EQ(e.keep, file.size());
  EXPECT_EQ(e.last_time, "2026-12-04T14:30:01Z");

  const std::string cut = file + "2026-12-04T14:3";
  e = inspect_existing(cut, cut, cut.size(), Format::kCsv);
  EXPECT_EQ(e.keep, file.size());
  EXPECT_EQ(e.last_time, "2026-12-04T14:30:01Z");

  e = inspect_existing(header, header, header.size(), Format::kCsv);
  EXPECT_TRUE(e.has_header);
  EXPECT_EQ(e.last_time, std::nullopt);

  e = inspect_existing("", "", 0, Format::kCsv);
  EXPECT_EQ(e.keep, 0u);
  EXPECT_FALSE(e.has_header);

  EXPECT_THROW(inspect_existing(file, file, file.size(), Format::kJsonl), std::invalid_argument);
  const std::string jl = "{\"t\":\"2026-12-04\"}\n";
  EXPECT_THROW(inspect_existing(jl, jl, jl.size(), Format::kCsv), std::invalid_argument);
  e = inspect_existing(jl, jl, jl.size(), Format::kJsonl);
  EXPECT_EQ(e.last_time, "2026-12-04");
}

TEST(CliHistoryOutput, ChunksGoOutInOrderHoldingOnlyEarlyOnes) {
  ChunkOrder order;
  order.put(1, "b");
  order.put(2, "c");
  EXPECT_FALSE(order.pop());
  EXPECT_EQ(order.held(), 2u);
  order.put(0, "a");
  EXPECT_EQ(order.pop(), "a");
  EXPECT_EQ(order.pop(), "b");
  EXPECT_EQ(order.pop(), "c");
  EXPECT_FALSE(order.pop());
  EXPECT_EQ(order.next(), 3u);
  EXPECT_EQ(order.held(), 0u);
}

}  // namespace
}  // namespace intentq::cli::history

namespace intentq::cli::history {
namespace {

TEST(CliHistoryEta, FromTheBrokersHistoricalSchedule) {
  const auto stats = nlohmann::json::parse(R"({"gateways": {
      "gw1": {"historical": {"limit": 60, "window_ms": 600000, "requests": 60,
                             "next_slot_ms": 30000, "queued": 10}},
      "gw2": {"budget": 45}}})");
  // 120 left, no free slot: the next slot in 30 s, then 60 per 600 s.
  EXPECT_DOUBLE_EQ(schedule_eta_seconds(stats, 120, std::nullopt).value(), 30 + 1200);
  // The broker's queue counts when longer than ours (others take turns with us).
  EXPECT_DOUBLE_EQ(schedule_eta_seconds(stats, 5, std::nullopt).value(), 30 + 100);
  auto free = stats;
  free["gateways"]["gw1"]["historical"]["requests"] = 0;
  free["gateways"]["gw1"]["historical"]["queued"] = 0;
  EXPECT_DOUBLE_EQ(schedule_eta_seconds(free, 60, std::nullopt).value(), 0);
  EXPECT_FALSE(schedule_eta_seconds(stats, 5, std::string("gw2")));
  EXPECT_FALSE(schedule_eta_seconds(nlohmann::json::object(), 5, std::nullopt));
}

}  // namespace
}  // namespace intentq::cli::history
