// Gateway data -> result maps (nlohmann::json), as docs/protocol.md "Intents and result schemas"
// describes them.
//
// Rules, the same for every map:
// - Keys are snake_case and mirror IB's names (con_id, sec_type, avg_cost, exec_id, perm_id, ...).
// - A value IB left unset is omitted: empty optionals, empty strings, and ids that IB uses 0 for
//   "none" (con_id, parent_id, under_con_id). Sentinels never appear: the codec already turned
//   them into empty optionals.
// - Numbers are JSON numbers. Account summary values that are numeric text ("246447.83") become
//   numbers; the others ("INDIVIDUAL") stay strings.
// - Booleans are always present (false is a value, not "unset").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/types.hpp"

namespace intentq::intents {

nlohmann::json contract_json(const gw::Contract& c);
nlohmann::json position_json(const gw::Position& p);
// An open order merged with its latest orderStatus: order fields at the top, the contract under
// "contract"; "status" is the latest orderStatus's status, else the openOrder's order state.
nlohmann::json open_order_json(const gw::OpenOrderWithStatus& o);
// An execution with its commission report's fields (commission, commission_currency,
// realized_pnl, yield, yield_redemption_date) merged in when the report arrived.
nlohmann::json fill_json(const gw::Fill& f);
nlohmann::json contract_details_json(const gw::ContractDetails& d);
// One row {account, tag, value, currency?} per accountSummary message.
nlohmann::json account_value_json(const gw::AccountValue& v);

// "246447.83" -> 246447.83; "INDIVIDUAL" -> "INDIVIDUAL"; "" -> nullopt.
std::optional<nlohmann::json> account_value(const std::string& text);

// The account a row belongs to, and the row's map: what account_rows() lists.
inline const std::string& account_of(const gw::Position& p) {
  return p.account;
}
inline const std::string& account_of(const gw::OpenOrderWithStatus& o) {
  return o.open_order.order.account;
}
inline const std::string& account_of(const gw::Fill& f) {
  return f.execution.account;
}
inline const std::string& account_of(const gw::AccountValue& v) {
  return v.account;
}
inline const std::string& account_of(const std::string& account) {
  return account;
}
inline nlohmann::json row_json(const gw::Position& p) {
  return position_json(p);
}
inline nlohmann::json row_json(const gw::OpenOrderWithStatus& o) {
  return open_order_json(o);
}
inline nlohmann::json row_json(const gw::Fill& f) {
  return fill_json(f);
}
inline nlohmann::json row_json(const gw::AccountValue& v) {
  return account_value_json(v);
}
inline nlohmann::json row_json(const std::string& account) {
  return account;
}

// The rows as a list of maps, in the order given, only those of `account` when it is set.
template <typename Row>
nlohmann::json account_rows(const std::vector<Row>& rows,
                            const std::optional<std::string>& account) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows)
    if (!account || account_of(row) == *account) out.push_back(row_json(row));
  return out;
}

}  // namespace intentq::intents
