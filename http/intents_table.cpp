// The intents intentq-worker serves and their params, for GET /v1/intents. The params come from
// the schema the broker and the worker validate with (common/params_schema.hpp), so the table
// cannot drift from what a request must look like; only each intent's one-line description is
// written here. The broker knows which services have live workers (mmi.stats), not their params,
// so GET /v1/intents joins the two.
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <variant>

#include "common/enum_names.hpp"
#include "common/params_schema.hpp"
#include "http/static_content.hpp"

namespace intentq::http {
namespace {

struct IntentDoc {
  std::string_view intent;
  std::string_view doc;
};

// docs/protocol.md section 9, one line each, in its order.
constexpr IntentDoc kDocs[] = {
    {"summary", "positions, open orders, fills and account summary at once (9.1)"},
    {"positions", "reqPositions (9.2)"},
    {"open_orders", "reqAllOpenOrders with the latest order status merged in (9.3)"},
    {"executions", "reqExecutions joined with commission reports (9.4)"},
    {"account_summary", "reqAccountSummary rows (9.5)"},
    {"contract_details",
     "reqContractDetails: con_id, or symbol/local_symbol with sec_type, or sec_id_type with sec_id "
     "(9.6)"},
    {"current_time", "reqCurrentTime: the gateway health check (9.7)"},
    {"historical_bars",
     "reqHistoricalData bars of one contract; paced by the broker under IB's historical rules "
     "(9.9)"},
    {"head_timestamp", "reqHeadTimestamp: the earliest data IB has for a contract (9.10)"},
    {"quote", "reqMktData snapshot: bid, ask, last and sizes of one contract (9.11)"},
};

std::string_view doc_of(std::string_view intent) {
  for (const auto& d : kDocs)
    if (d.intent == intent) return d.doc;
  return "";
}

// By params::Kind, in its order.
constexpr std::string_view kTypeNames[] = {"string", "integer", "number", "boolean",
                                           "string|string[]"};
static_assert(std::size(kTypeNames) == enum_count(params::Kind::kStringList));

nlohmann::json value_json(const params::Value& v) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

// What a caller must know beyond the type: allowed values, accepted spellings, range, default.
nlohmann::json param_json(const params::Param& p) {
  nlohmann::json j{{"type", name_of<params::Kind>(kTypeNames, p.kind, "any")}};
  std::string doc;
  auto add = [&](const std::string& s) { doc += (doc.empty() ? "" : "; ") + s; };
  if (!p.allowed.empty()) {
    nlohmann::json allowed = nlohmann::json::array();
    for (auto a : p.allowed) allowed.push_back(std::string(a));
    j["allowed"] = std::move(allowed);
  }
  if (!p.aliases.empty()) {
    std::string s;
    for (const auto& [from, to] : p.aliases)
      s += (s.empty() ? "" : ", ") + std::string(from) + " = " + std::string(to);
    add("also accepted: " + s);
  }
  if (p.kind == params::Kind::kInteger)
    add(p.max == std::numeric_limits<int64_t>::max()
            ? ">= " + std::to_string(p.min)
            : std::to_string(p.min) + ".." + std::to_string(p.max));
  if (p.positive) add("> 0");
  if (p.non_empty) add("not empty");
  if (p.upper) add("case-insensitive");
  if (p.default_value) j["default"] = value_json(*p.default_value);
  j["doc"] = doc;
  return j;
}

nlohmann::json build() {
  nlohmann::json t = nlohmann::json::object();
  for (const auto& intent : params::intents()) {
    nlohmann::json ps = nlohmann::json::object();
    for (const auto& p : intent.params) ps[std::string(p.name)] = param_json(p);
    t[std::string(intent.intent)] = {
        {"doc", std::string(doc_of(intent.intent))}, {"gateway", true}, {"params", std::move(ps)}};
  }
  // The worker's own services have no schema (any params are echoed).
  for (const char* echo : {"echo", "echo_once"})
    t[echo] = {{"doc", "the params back, after delay_ms; no gateway (9.8)"},
               {"gateway", false},
               {"params",
                {{"delay_ms", {{"type", "integer"}, {"doc", "<= 60000: wait first"}}},
                 {"*", {{"type", "any"}, {"doc", "every other param is echoed"}}}}}};
  return t;
}

}  // namespace

const nlohmann::json& intents_table() {
  static const nlohmann::json table = build();
  return table;
}

}  // namespace intentq::http
