#include "cli/history_plan.hpp"

#include <algorithm>

namespace intentq::cli::history {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kHour = 3600;

int64_t floor_to(int64_t t, int64_t step) {
  return (t >= 0 ? t / step : -((-t + step - 1) / step)) * step;
}
int64_t ceil_to(int64_t t, int64_t step) {
  return floor_to(t + step - 1, step);
}

}  // namespace

int64_t chunk_seconds(const md::BarSize& bar) {
  if (bar.seconds > kHour) return 0;
  int64_t c = 0;
  if (bar.max_duration_seconds > 0)
    c = bar.max_duration_seconds;
  else if (bar.seconds <= 3 * 60)
    c = 7 * kDay;
  else if (bar.seconds <= 30 * 60)
    c = 30 * kDay;
  else
    c = 365 * kDay;
  c = std::min(c, md::kMaxBarsPerRequest * bar.seconds);
  return c - c % bar.seconds;  // whole bars (every entry of the table already is)
}

Chunk align_range(int64_t from, int64_t to, const md::BarSize& bar) {
  if (bar.seconds > kHour) return {from, to};
  return {ceil_to(from, bar.seconds), floor_to(to, bar.seconds)};
}

std::vector<Chunk> plan_chunks(int64_t from, int64_t to, const md::BarSize& bar) {
  std::vector<Chunk> out;
  if (from >= to) return out;
  const int64_t c = chunk_seconds(bar);
  if (c == 0) {
    out.push_back({from, to});
    return out;
  }
  for (int64_t s = from; s < to;) {
    const int64_t e = std::min(to, floor_to(s, c) + c);
    out.push_back({s, e});
    s = e;
  }
  return out;
}

std::optional<std::string> chunk_duration(const Chunk& chunk) {
  const int64_t n = chunk.end - chunk.start;
  if (n <= 0) return std::nullopt;
  if (n <= kDay) return std::to_string(n) + " S";
  const int64_t days = (n + kDay - 1) / kDay;
  if (days <= 365) return std::to_string(days) + " D";
  const int64_t years = (days + 364) / 365;
  if (years <= 50) return std::to_string(years) + " Y";
  return std::nullopt;
}

std::optional<int64_t> bar_epoch(std::string_view t) {
  if (t.size() == 10) return md::parse_iso_utc(std::string(t) + "T00:00:00Z");
  return md::parse_iso_utc(t);
}

int64_t resume_point(int64_t last, const md::BarSize& bar) {
  const int64_t step = bar.seconds > kHour ? kDay : bar.seconds;
  return floor_to(last, step) + step;
}

}  // namespace intentq::cli::history
