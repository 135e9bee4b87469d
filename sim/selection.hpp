// What each request selects from the scenario: the filters of reqAccountSummary, reqExecutions,
// reqOpenOrders and reqContractDetails. Pure functions (no I/O), so they are unit-tested alone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/types.hpp"
#include "sim/scenario.hpp"

namespace intentq::sim {

// A request IB would answer with an error message (code + text) instead of data.
struct RequestError {
  int code = 0;
  std::string message;
};

// reqAccountSummary. group: "All" (any case) = every account, else a scenario group name, else a
// single account id. tags: comma list; a row is selected when its tag is listed. "$LEDGER" selects
// the ledger tags (CashBalance, NetLiquidationByCurrency, ...) in currency BASE, "$LEDGER:ALL" in
// every currency, "$LEDGER:EUR" in EUR. Rows come ordered by account (scenario order), then tag,
// like a real gateway. Returns RequestError 321 for an unknown group or an empty tag list.
struct AccountSummarySelection {
  std::vector<gw::AccountValue> rows;
  std::optional<RequestError> error;
};
AccountSummarySelection select_account_summary(const Scenario& s, std::string_view group,
                                               std::string_view tags);

// reqExecutions. Blank strings and client_id 0 mean "any". Symbol, secType, exchange and account
// compare case-insensitively. side "BUY"/"SELL" matches executions "BOT"/"SLD" (those also
// accepted). time "yyyymmdd hh:mm:ss" (or "yyyymmdd-hh:mm:ss") keeps executions at or after it;
// time zones are ignored. last_n_days keeps executions dated within the last N days (counting
// today, by `today` = yyyymmdd), specific_dates keeps those dated on one of the dates.
bool execution_matches(const gw::Execution& e, const gw::ExecutionFilter& f, int today);
std::vector<const ExecutionEntry*> select_executions(const Scenario& s,
                                                     const gw::ExecutionFilter& f, int today);

// reqAllOpenOrders (client_id unset) or reqOpenOrders (only that client's orders).
std::vector<const OpenOrderEntry*> select_open_orders(const Scenario& s,
                                                      std::optional<int> client_id);

// reqContractDetails. A non-zero con_id matches that contract alone. Otherwise the symbol is
// required, and every other non-blank field of the query must agree: sec_type, currency,
// exchange (the contract's own, or one of its valid exchanges), primary_exchange,
// last_trade_date (a prefix: "202612" matches "20261218"), strike, right (C/CALL, P/PUT),
// multiplier, local_symbol, trading_class.
bool contract_matches(const gw::ContractDetails& d, const gw::Contract& query);
std::vector<const gw::ContractDetails*> select_contracts(const Scenario& s,
                                                         const gw::Contract& query);

// yyyymmdd of a time point in UTC (for last_n_days).
int utc_date(std::chrono::system_clock::time_point t);

}  // namespace intentq::sim
