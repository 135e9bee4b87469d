// `intentq history`: the bars file (pure parts, unit-tested): its line formats, what a rerun
// reads from an existing file, and putting chunks back in time order.
//
// CSV: a header line, then one line per bar "time,open,high,low,close,volume,wap,count" (IB's
// values as the historical_bars intent gives them, an empty field for null). JSONL: one bar
// object per line exactly as the intent gives it ({"t", "o", "h", "l", "c", "v", "wap", "n"}).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace intentq::cli::history {

enum class Format { kCsv, kJsonl };

inline constexpr std::string_view kCsvHeader = "time,open,high,low,close,volume,wap,count\n";

// One bar as one line (with its '\n'). Throws std::invalid_argument for a bar without "t".
std::string format_bar(const nlohmann::json& bar, Format format);

// The time field of one line ("2026-12-04T14:30:00Z"); nullopt for the CSV header. Throws
// std::invalid_argument for a line that is neither (not a file this command wrote).
std::optional<std::string> line_time(std::string_view line, Format format);

// What a rerun finds in an existing output file.
struct Existing {
  uint64_t size = 0;        // bytes in the file
  uint64_t keep = 0;        // bytes to keep: up to the last '\n' (a cut-off line is dropped)
  bool has_header = false;  // CSV: the header line is there
  std::optional<std::string> last_time;  // the last complete bar line's time
};

// Reads the end of `content` (the whole file, or at least its first line and last 64 KiB when
// `size` is larger: `content` then is the head "\n" the tail, see read_existing). Throws
// std::invalid_argument naming the problem (a CSV file asked for JSONL, a line it cannot read).
Existing inspect_existing(std::string_view head, std::string_view tail, uint64_t size,
                          Format format);

// Reads the file at `path` (nullopt when it does not exist). Throws std::runtime_error when it
// cannot be read, std::invalid_argument as inspect_existing.
std::optional<Existing> read_existing(const std::string& path, Format format);

// Chunks come back in any order and go out in time order: holds the ones that came early.
class ChunkOrder {
 public:
  void put(size_t index, std::string text) { pending_.emplace(index, std::move(text)); }
  // The next chunk in order, when it has come.
  std::optional<std::string> pop();
  size_t next() const { return next_; }  // the first chunk not popped yet
  size_t held() const { return pending_.size(); }

 private:
  std::map<size_t, std::string> pending_;
  size_t next_ = 0;
};

}  // namespace intentq::cli::history
