// A plain-text table for the bench's console report: columns padded to their widest cell.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace intentq::bench {

class Table {
 public:
  Table(std::string title, std::vector<std::string> header);
  void row(std::vector<std::string> cells);
  void print() const;  // to stdout

 private:
  std::string title_;
  std::vector<std::vector<std::string>> rows_;
};

// A figure for a table cell: "-" for null, thousands separators for big numbers, `decimals`
// places otherwise.
std::string fmt(const nlohmann::json& value, int decimals = 0);
std::string fmt(double value, int decimals = 0);

}  // namespace intentq::bench
