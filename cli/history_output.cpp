#include "cli/history_output.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace intentq::cli::history {
namespace {

using nlohmann::json;

constexpr uint64_t kTailBytes = 64 * 1024;

std::string field(const json& bar, const char* key) {
  auto it = bar.find(key);
  if (it == bar.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();  // numbers as the intent sent them (shortest round-trip form)
}

std::string_view first_line(std::string_view s) {
  return s.substr(0, s.find('\n'));
}

}  // namespace

std::string format_bar(const json& bar, Format format) {
  if (!bar.is_object() || !bar.contains("t") || !bar.at("t").is_string())
    throw std::invalid_argument("a bar without a time: " + bar.dump().substr(0, 200));
  if (format == Format::kJsonl)
    return bar.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::string line = field(bar, "t");
  for (const char* key : {"o", "h", "l", "c", "v", "wap", "n"}) {
    line += ',';
    line += field(bar, key);
  }
  return line + "\n";
}

std::optional<std::string> line_time(std::string_view line, Format format) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (format == Format::kCsv) {
    if (line == kCsvHeader.substr(0, kCsvHeader.size() - 1)) return std::nullopt;
    const auto comma = line.find(',');
    if (comma == std::string_view::npos || comma == 0 || line.front() == '{')
      throw std::invalid_argument("a line that is not one of this command's CSV bars: '" +
                                  std::string(line.substr(0, 80)) + "'");
    return std::string(line.substr(0, comma));
  }
  const auto j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("t") || !j.at("t").is_string())
    throw std::invalid_argument("a line that is not one of this command's JSONL bars: '" +
                                std::string(line.substr(0, 80)) + "'");
  return j.at("t").get<std::string>();
}

Existing inspect_existing(std::string_view head, std::string_view tail, uint64_t size,
                          Format format) {
  Existing out;
  out.size = size;
  if (size == 0) return out;
  const auto first = first_line(head);
  const bool csv_file = first == kCsvHeader.substr(0, kCsvHeader.size() - 1);
  if (format == Format::kJsonl && csv_file)
    throw std::invalid_argument("it is a CSV file (its header is there); give --format csv");
  if (format == Format::kCsv && !first.empty() && first.front() == '{')
    throw std::invalid_argument("it holds JSON lines; give --format jsonl");
  out.has_header = csv_file && head.find('\n') != std::string_view::npos;
  // Keep up to the last '\n': a line without one was cut off while being written.
  const auto last_nl = tail.rfind('\n');
  if (last_nl == std::string_view::npos) {
    if (size > tail.size()) throw std::invalid_argument("its last 64 KiB hold no complete line");
    out.keep = 0;
    out.has_header = false;
    return out;
  }
  out.keep = size - (tail.size() - last_nl - 1);
  const auto complete = tail.substr(0, last_nl);
  const auto prev_nl = complete.rfind('\n');
  const auto line = prev_nl == std::string_view::npos ? complete : complete.substr(prev_nl + 1);
  if (prev_nl == std::string_view::npos && size > tail.size())
    throw std::invalid_argument("its last 64 KiB hold no complete line");
  out.last_time = line_time(line, format);
  return out;
}

std::optional<Existing> read_existing(const std::string& path, Format format) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) throw std::runtime_error("cannot look at it: " + ec.message());
    return std::nullopt;
  }
  if (std::filesystem::is_directory(path, ec)) throw std::runtime_error("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read it");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<uint64_t>(in.tellg());
  std::string head(std::min<uint64_t>(size, 4096), '\0');
  in.seekg(0);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  const uint64_t tail_size = std::min(size, kTailBytes);
  std::string tail(tail_size, '\0');
  in.seekg(static_cast<std::streamoff>(size - tail_size));
  in.read(tail.data(), static_cast<std::streamsize>(tail_size));
  if (!in) throw std::runtime_error("cannot read it");
  return inspect_existing(head, tail, size, format);
}

std::optional<std::string> ChunkOrder::pop() {
  auto it = pending_.find(next_);
  if (it == pending_.end()) return std::nullopt;
  std::string text = std::move(it->second);
  pending_.erase(it);
  ++next_;
  return text;
}

}  // namespace intentq::cli::history
