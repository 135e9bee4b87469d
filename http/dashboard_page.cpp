#include "http/static_content.hpp"
namespace intentq::http {
std::string_view dashboard_html() {
  return "<!doctype html><title>intentq</title>";
}
}  // namespace intentq::http
