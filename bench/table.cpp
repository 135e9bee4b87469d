#include "bench/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace intentq::bench {

Table::Table(std::string title, std::vector<std::string> header) : title_(std::move(title)) {
  rows_.push_back(std::move(header));
}

void Table::row(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

void Table::print() const {
  std::vector<size_t> width;
  for (const auto& r : rows_) {
    if (width.size() < r.size()) width.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::printf("\n%s\n", title_.c_str());
  for (size_t n = 0; n < rows_.size(); ++n) {
    std::string line;
    for (size_t i = 0; i < rows_[n].size(); ++i) {
      std::string cell = rows_[n][i];
      // First column left-aligned (labels), figures right-aligned.
      if (i == 0)
        cell.resize(width[i], ' ');
      else
        cell = std::string(width[i] - cell.size(), ' ') + cell;
      line += (i ? "  " : "  ") + cell;
    }
    std::printf("%s\n", line.c_str());
    if (n == 0) {
      size_t total = 0;
      for (auto w : width) total += w + 2;
      std::printf("  %s\n", std::string(total - 2, '-').c_str());
    }
  }
  std::fflush(stdout);
}

std::string fmt(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  if (decimals == 0 && std::fabs(value) >= 10000) {
    const auto v = static_cast<long long>(std::llround(value));
    std::string digits = std::to_string(std::llabs(v)), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (v < 0 ? "-" : "") + out;
  }
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string fmt(const nlohmann::json& value, int decimals) {
  if (!value.is_number()) return "-";
  return fmt(value.get<double>(), decimals);
}

}  // namespace intentq::bench
