// Params of the gateway intents: checked reading of a job's params map, and one parse function per
// intent that turns the map into a typed request.
//
// Every problem is a JobFailure(BAD_REQUEST) whose message names the field: unknown keys ("param
// 'acount' is not known to intent 'positions' (known: account)"), wrong types ("param 'tags' must
// be a string or a list of strings"), missing required fields, values out of range.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/types.hpp"
#include "worker/intent.hpp"

namespace intentq::intents {

// Reads typed values out of a params map; remembers which keys it was asked about so that
// finish() can reject the ones no getter wanted. A null value counts as absent.
class ParamReader {
 public:
  // Throws BAD_REQUEST if params is neither an object nor null.
  ParamReader(std::string intent, const nlohmann::json& params);

  std::optional<std::string> string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  std::optional<double> number(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  // A list of strings, given either as a JSON list or as one comma-separated string. Entries are
  // trimmed; empty entries are an error.
  std::optional<std::vector<std::string>> string_list(std::string_view key);

  // Throws BAD_REQUEST naming the first key no getter asked for.
  void finish() const;

 private:
  const nlohmann::json* find(std::string_view key);
  [[noreturn]] void fail(std::string_view key, std::string_view what) const;

  std::string intent_;
  const nlohmann::json& params_;
  std::set<std::string, std::less<>> known_;
};

// Throws BAD_REQUEST naming the param.
[[noreturn]] void bad_param(std::string_view key, std::string_view what);

// positions, open_orders: an optional account.
struct AccountParams {
  std::optional<std::string> account;
};
AccountParams parse_account_params(const JobContext& job);

// executions: IB's execution filter; `account` also filters the result.
struct ExecutionsParams {
  gw::ExecutionFilter filter;
  std::optional<std::string> account;
};
ExecutionsParams parse_executions_params(const JobContext& job);

// account_summary: group (default "All"), tags (default kDefaultAccountTags), optional account.
struct AccountSummaryParams {
  std::string group = "All";
  std::string tags;  // comma-separated, as reqAccountSummary takes them
  std::optional<std::string> account;
};
AccountSummaryParams parse_account_summary_params(const JobContext& job);

// summary: optional account, and the account summary's tags and group.
struct SummaryParams {
  std::optional<std::string> account;
  std::string group = "All";
  std::string tags;
};
SummaryParams parse_summary_params(const JobContext& job);

// contract_details: con_id, or symbol + sec_type (+ exchange, currency, ...).
gw::Contract parse_contract_params(const JobContext& job);

// current_time: no params at all.
void parse_no_params(const JobContext& job);

// The standard account summary tags used when a job gives none.
extern const std::vector<std::string> kDefaultAccountTags;
// Every tag reqAccountSummary accepts (plus the $LEDGER forms, checked separately).
extern const std::vector<std::string> kKnownAccountTags;

// Checks `account` against the accounts the gateway manages; BAD_REQUEST naming them if unknown.
void check_account(const std::optional<std::string>& account,
                   const std::vector<std::string>& managed);

}  // namespace intentq::intents
