#include "sim/selection.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "common/strings.hpp"

namespace intentq::sim {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = s.find(',');
    std::string_view item = trim(s.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// The tags IB reports per currency for "$LEDGER" requests.
constexpr std::array<std::string_view, 23> kLedgerTags = {
    "CashBalance",       "TotalCashBalance",  "AccruedCash",          "StockMarketValue",
    "OptionMarketValue", "FutureOptionValue", "FuturesPNL",           "NetLiquidationByCurrency",
    "UnrealizedPnL",     "RealizedPnL",       "ExchangeRate",         "FundValue",
    "NetDividend",       "MutualFundValue",   "MoneyMarketFundValue", "CorporateBondValue",
    "TBondValue",        "TBillValue",        "WarrantValue",         "FxCashBalance",
    "AccountOrGroup",    "RealCurrency",      "IssuerOptionValue"};

bool is_ledger_tag(std::string_view tag) {
  return std::find(kLedgerTags.begin(), kLedgerTags.end(), tag) != kLedgerTags.end();
}

// "20261127 15:27:04 US/Eastern", "20230224  12:04:56", "20261127-15:27:04" -> "20261127152704"
// (the first 14 digits; fewer when the text holds fewer, e.g. a bare date).
std::string time_digits(std::string_view t) {
  std::string d;
  for (char c : t) {
    if (std::isdigit(static_cast<unsigned char>(c))) d.push_back(c);
    if (d.size() == 14) break;
  }
  return d;
}

int date_of(std::string_view exec_time) {
  std::string d = time_digits(exec_time);
  if (d.size() < 8) return 0;
  return std::stoi(d.substr(0, 8));
}

std::chrono::sys_days to_days(int yyyymmdd) {
  using namespace std::chrono;
  return sys_days{year{yyyymmdd / 10000} / month{static_cast<unsigned>(yyyymmdd / 100 % 100)} /
                  day{static_cast<unsigned>(yyyymmdd % 100)}};
}

bool blank_or_iequal(std::string_view query, std::string_view value) {
  return query.empty() || iequals(query, value);
}

std::string_view normalise_right(std::string_view r) {
  if (iequals(r, "CALL")) return "C";
  if (iequals(r, "PUT")) return "P";
  return r;
}

}  // namespace

int utc_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  year_month_day ymd{floor<days>(t)};
  return static_cast<int>(ymd.year()) * 10000 + static_cast<int>(unsigned(ymd.month())) * 100 +
         static_cast<int>(unsigned(ymd.day()));
}

AccountSummarySelection select_account_summary(const Scenario& s, std::string_view group,
                                               std::string_view tags) {
  AccountSummarySelection out;
  std::vector<std::string> accounts;
  if (iequals(trim(group), "All")) {
    accounts = s.accounts;
  } else if (auto it = s.groups.find(std::string(trim(group))); it != s.groups.end()) {
    accounts = it->second;
  } else if (std::find(s.accounts.begin(), s.accounts.end(), trim(group)) != s.accounts.end()) {
    accounts = {std::string(trim(group))};
  } else {
    out.error = RequestError{321, "Error validating request:-'bL' : cause - Invalid group name '" +
                                      std::string(group) + "'"};
    return out;
  }

  std::set<std::string_view> wanted_tags;
  std::set<std::string> ledger_currencies;  // "*" = all
  for (std::string_view tag : split_commas(tags)) {
    if (tag == "$LEDGER") {
      ledger_currencies.insert("BASE");
    } else if (tag.substr(0, 8) == "$LEDGER:") {
      std::string ccy(tag.substr(8));
      ledger_currencies.insert(iequals(ccy, "ALL") ? std::string("*") : ccy);
    } else {
      wanted_tags.insert(tag);
    }
  }
  if (wanted_tags.empty() && ledger_currencies.empty()) {
    out.error = RequestError{321, "Error validating request:-'bL' : cause - No tags requested"};
    return out;
  }

  auto rank = [&](const std::string& account) {
    return std::find(accounts.begin(), accounts.end(), account) - accounts.begin();
  };
  for (const auto& v : s.account_values) {
    if (rank(v.account) == static_cast<long>(accounts.size())) continue;
    bool ledger = is_ledger_tag(v.tag) &&
                  (ledger_currencies.count("*") || ledger_currencies.count(v.currency));
    if (wanted_tags.count(v.tag) || ledger) out.rows.push_back(v);
  }
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [&](const gw::AccountValue& a, const gw::AccountValue& b) {
                     auto ra = rank(a.account), rb = rank(b.account);
                     return ra != rb ? ra < rb : a.tag < b.tag;
                   });
  return out;
}

bool execution_matches(const gw::Execution& e, const gw::ExecutionFilter& f, int today) {
  if (f.client_id != 0 && e.client_id != f.client_id) return false;
  if (!blank_or_iequal(trim(f.account), e.account)) return false;
  if (!blank_or_iequal(trim(f.symbol), e.contract.symbol)) return false;
  if (!blank_or_iequal(trim(f.sec_type), e.contract.sec_type)) return false;
  if (!blank_or_iequal(trim(f.exchange), e.exchange)) return false;
  std::string_view side = trim(f.side);
  if (!side.empty()) {
    if (iequals(side, "BUY")) side = "BOT";
    if (iequals(side, "SELL")) side = "SLD";
    if (!iequals(side, e.side)) return false;
  }
  if (!trim(f.time).empty()) {
    // Compare as digit strings: both are yyyymmddhhmmss, so text order is time order.
    std::string from = time_digits(f.time);
    std::string at = time_digits(e.time);
    if (at.compare(0, from.size(), from) < 0) return false;
  }
  int date = date_of(e.time);
  if (f.last_n_days && *f.last_n_days > 0 && today > 0) {
    auto cutoff = to_days(today) - std::chrono::days{*f.last_n_days - 1};
    if (date == 0 || to_days(date) < cutoff) return false;
  }
  if (!f.specific_dates.empty() &&
      std::find(f.specific_dates.begin(), f.specific_dates.end(), date) == f.specific_dates.end()) {
    return false;
  }
  return true;
}

std::vector<const ExecutionEntry*> select_executions(const Scenario& s,
                                                     const gw::ExecutionFilter& f, int today) {
  std::vector<const ExecutionEntry*> out;
  for (const auto& e : s.executions) {
    if (execution_matches(e.execution, f, today)) out.push_back(&e);
  }
  return out;
}

std::vector<const OpenOrderEntry*> select_open_orders(const Scenario& s,
                                                      std::optional<int> client_id) {
  std::vector<const OpenOrderEntry*> out;
  for (const auto& o : s.open_orders) {
    if (!client_id || o.open_order.order.client_id == *client_id) out.push_back(&o);
  }
  return out;
}

bool contract_matches(const gw::ContractDetails& d, const gw::Contract& q) {
  const gw::Contract& c = d.contract;
  if (q.con_id != 0) return c.con_id == q.con_id;
  if (trim(q.symbol).empty() || !iequals(trim(q.symbol), c.symbol)) return false;
  if (!blank_or_iequal(trim(q.sec_type), c.sec_type)) return false;
  if (!blank_or_iequal(trim(q.currency), c.currency)) return false;
  if (!trim(q.exchange).empty() && !iequals(trim(q.exchange), c.exchange)) {
    bool listed = false;
    for (std::string_view ex : split_commas(d.valid_exchanges)) listed |= iequals(ex, q.exchange);
    if (!listed) return false;
  }
  if (!blank_or_iequal(trim(q.primary_exchange), c.primary_exchange)) return false;
  if (!q.last_trade_date.empty() &&
      c.last_trade_date.compare(0, q.last_trade_date.size(), q.last_trade_date) != 0) {
    return false;
  }
  if (q.strike && *q.strike != 0 && (!c.strike || *c.strike != *q.strike)) return false;
  if (!trim(q.right).empty() && q.right != "?" &&
      !iequals(normalise_right(trim(q.right)), normalise_right(c.right))) {
    return false;
  }
  if (!blank_or_iequal(trim(q.multiplier), c.multiplier)) return false;
  if (!blank_or_iequal(trim(q.local_symbol), c.local_symbol)) return false;
  if (!blank_or_iequal(trim(q.trading_class), c.trading_class)) return false;
  return true;
}

std::vector<const gw::ContractDetails*> select_contracts(const Scenario& s,
                                                         const gw::Contract& query) {
  std::vector<const gw::ContractDetails*> out;
  for (const auto& d : s.contracts) {
    if (contract_matches(d, query)) out.push_back(&d);
  }
  return out;
}

}  // namespace intentq::sim
