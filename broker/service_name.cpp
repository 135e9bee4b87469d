#include "broker/service_name.hpp"

namespace intentq::broker {

std::optional<std::string> service_name_problem(std::string_view name) {
  if (name.empty() || name.size() > kMaxServiceNameBytes)
    return "a service name is 1.." + std::to_string(kMaxServiceNameBytes) + " bytes";
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const auto segment =
        name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (segment.empty())
      return "a service name has no empty segment (no leading, trailing or double '.')";
    for (char c : segment) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
      if (!ok) return "a service name holds only A-Z a-z 0-9 _ - and '.' between segments";
    }
    if (segment.starts_with("ok") || segment.starts_with("error"))
      return "no segment of a service name may begin with \"ok\" or \"error\" (result topics "
             "end in .ok/.error)";
    if (dot == std::string_view::npos) return std::nullopt;
    start = dot + 1;
  }
}

}  // namespace intentq::broker
