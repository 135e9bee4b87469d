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

// Lists, optionally filtered to one account.
nlohmann::json positions_json(const std::vector<gw::Position>& positions,
                              const std::optional<std::string>& account);
nlohmann::json open_orders_json(const std::vector<gw::OpenOrderWithStatus>& orders,
                                const std::optional<std::string>& account);
nlohmann::json fills_json(const std::vector<gw::Fill>& fills,
                          const std::optional<std::string>& account);
nlohmann::json account_summary_json(const std::vector<gw::AccountValue>& rows,
                                    const std::optional<std::string>& account);
nlohmann::json accounts_json(const std::vector<std::string>& accounts,
                             const std::optional<std::string>& account);

}  // namespace intentq::intents
