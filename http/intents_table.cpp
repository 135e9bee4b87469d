// The intents intent-worker serves and their params, as docs/protocol.md section 9 specifies them.
// A static table: the broker knows which services have live workers (mmi.stats), not their
// params, so GET /v1/intents joins the two.
#include "http/static_content.hpp"

namespace intentq::http {
namespace {

nlohmann::json param(const char* type, const char* doc) {
  return {{"type", type}, {"doc", doc}};
}

nlohmann::json build() {
  const auto account = param("string", "restrict the result to this account");
  const auto tags =
      param("string|string[]", "account summary tags (default: AccountType, NetLiquidation, ...)");
  const auto group = param("string", "IB account group (default \"All\")");
  nlohmann::json t;
  t["summary"] = {{"doc", "positions, open orders, fills and account summary at once (9.1)"},
                  {"gateway", true},
                  {"params", {{"account", account}, {"tags", tags}, {"group", group}}}};
  t["positions"] = {
      {"doc", "reqPositions (9.2)"}, {"gateway", true}, {"params", {{"account", account}}}};
  t["open_orders"] = {{"doc", "reqAllOpenOrders with the latest order status merged in (9.3)"},
                      {"gateway", true},
                      {"params", {{"account", account}}}};
  t["executions"] = {
      {"doc", "reqExecutions joined with commission reports (9.4)"},
      {"gateway", true},
      {"params",
       {{"account", account},
        {"symbol", param("string", "")},
        {"sec_type", param("string", "")},
        {"exchange", param("string", "")},
        {"side", param("string", "BUY or SELL (BOT/SLD accepted)")},
        {"time", param("string", "\"yyyymmdd hh:mm:ss\": executions after that time")},
        {"client_id", param("integer", ">= 0; 0 = any")},
        {"last_n_days", param("integer", "1..365 (server version 200)")}}}};
  t["account_summary"] = {{"doc", "reqAccountSummary rows (9.5)"},
                          {"gateway", true},
                          {"params", {{"account", account}, {"tags", tags}, {"group", group}}}};
  t["contract_details"] = {
      {"doc",
       "reqContractDetails: con_id, or symbol/local_symbol with sec_type, or sec_id_type "
       "with sec_id (9.6)"},
      {"gateway", true},
      {"params",
       {{"con_id", param("integer", "> 0")},
        {"symbol", param("string", "")},
        {"local_symbol", param("string", "")},
        {"sec_type", param("string", "STK, OPT, FUT, CASH, IND, FOP, BOND, ...")},
        {"sec_id_type", param("string", "")},
        {"sec_id", param("string", "")},
        {"exchange", param("string", "")},
        {"primary_exchange", param("string", "")},
        {"currency", param("string", "")},
        {"last_trade_date", param("string", "")},
        {"strike", param("number", "> 0")},
        {"right", param("string", "C, P, CALL or PUT")},
        {"multiplier", param("string", "")},
        {"trading_class", param("string", "")},
        {"include_expired", param("boolean", "")}}}};
  t["current_time"] = {{"doc", "reqCurrentTime: the gateway health check (9.7)"},
                       {"gateway", true},
                       {"params", nlohmann::json::object()}};
  for (const char* echo : {"echo", "echo_once"})
    t[echo] = {{"doc", "the params back, after delay_ms; no gateway (9.8)"},
               {"gateway", false},
               {"params",
                {{"delay_ms", param("integer", "<= 60000: wait first")},
                 {"*", param("any", "every other param is echoed")}}}};
  return t;
}

}  // namespace

const nlohmann::json& intents_table() {
  static const nlohmann::json table = build();
  return table;
}

}  // namespace intentq::http
