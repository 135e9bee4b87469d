// Params of the gateway intents: one parse function per intent that turns the job's params into a
// typed request. The rules (names, types, defaults, aliases, allowed values, messages) are the
// shared schema in common/params_schema.hpp, the one the broker validates and canonicalises with
// before it shares answers between requests; these functions only map its values onto the
// gateway's types.
//
// Every problem is a JobFailure(BAD_REQUEST) whose message names the field: unknown keys ("param
// 'acount' is not known to intent 'positions' (known: account)"), keys given twice, wrong types
// ("param 'tags' must be a string or a list of strings"), missing required fields, values out of
// range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/params_schema.hpp"
#include "gateway/types.hpp"
#include "worker/intent.hpp"

namespace intentq::intents {

// Throws BAD_REQUEST naming the param.
[[noreturn]] void bad_param(std::string_view key, std::string_view what);

// The job's params validated with the shared schema of `job.intent` (or of `fallback` when the
// job's intent has none): from the params' msgpack bytes as they arrived when the worker has them
// (so a key given twice is seen and refused), else from the JSON tree. BAD_REQUEST on any problem.
params::Parsed parsed_params(const JobContext& job, std::string_view fallback);
// The same with the schema given: an intent whose schema is not in common/params_schema (the
// test intents of tests/intents/; docs/extending.md).
params::Parsed parsed_params(const JobContext& job, const params::IntentParams& schema);

// positions, open_orders: an optional account.
struct AccountParams {
  std::optional<std::string> account;
  bool operator==(const AccountParams&) const = default;
};
AccountParams parse_account_params(const JobContext& job);

// executions: IB's execution filter; `account` also filters the result.
struct ExecutionsParams {
  gw::ExecutionFilter filter;
  std::optional<std::string> account;
  bool operator==(const ExecutionsParams&) const = default;
};
ExecutionsParams parse_executions_params(const JobContext& job);

// account_summary and summary: group (default "All"), tags (default kDefaultAccountTags),
// optional account.
struct AccountSummaryParams {
  std::string group = "All";
  std::string tags;  // comma-separated, as reqAccountSummary takes them
  std::optional<std::string> account;
  bool operator==(const AccountSummaryParams&) const = default;
};
AccountSummaryParams parse_account_summary_params(const JobContext& job);

// contract_details: con_id, or symbol + sec_type (+ exchange, currency, ...).
gw::Contract parse_contract_params(const JobContext& job);
// The contract fields every contract-taking schema has (con_id, symbol, ..., include_expired):
// all of parse_contract_params but the secId pair, which only contract_details takes.
gw::Contract contract_fields(const params::Parsed& p);

// current_time: no params at all.
struct NoParams {};
NoParams parse_no_params(const JobContext& job);

// The standard account summary tags used when a job gives none, and every tag reqAccountSummary
// accepts (defined once, in the shared schema).
using params::kDefaultAccountTags;
using params::kKnownAccountTags;

// Checks `account` against the accounts the gateway manages; BAD_REQUEST naming them if unknown.
void check_account(const std::optional<std::string>& account,
                   const std::vector<std::string>& managed);

}  // namespace intentq::intents
