#include "http/static_content.hpp"
namespace intentq::http {
std::string_view openapi_json() {
  return "{}";
}
}  // namespace intentq::http
