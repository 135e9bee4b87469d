// What the front serves from inside the program: the dashboard page, the OpenAPI document and the
// intents table (params schemas as docs/protocol.md section 9 describes them).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace intentq::http {

std::string_view dashboard_html();  // GET /   (dashboard_page.cpp)
std::string_view openapi_json();    // GET /v1/openapi.json   (openapi.cpp)
// {"<intent>": {"doc": "...", "gateway": bool, "params": {"<name>": {"type", "doc"}}}}
const nlohmann::json& intents_table();  // intents_table.cpp

}  // namespace intentq::http
