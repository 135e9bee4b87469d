#include "worker/intents/params.hpp"

#include <algorithm>

#include "common/msgpack_codec.hpp"
#include "common/strings.hpp"

namespace intentq::intents {
namespace {

std::optional<std::string> opt_text(const params::Parsed& p, std::string_view name) {
  return p.string(name);
}

std::string text(const params::Parsed& p, std::string_view name) {
  return p.string(name).value_or("");
}

}  // namespace

void bad_param(std::string_view key, std::string_view what) {
  throw JobFailure(ErrorCode::kBadRequest, "param '" + std::string(key) + "' " + std::string(what));
}

params::Parsed parsed_params(const JobContext& job, std::string_view fallback) {
  const auto* schema = params::find_intent(job.intent);
  if (!schema) schema = params::find_intent(fallback);
  if (!schema)
    throw JobFailure(ErrorCode::kInternal,
                     "no params schema for intent '" + std::string(fallback) + "'");
  return parsed_params(job, *schema);
}

params::Parsed parsed_params(const JobContext& job, const params::IntentParams& schema) {
  std::string encoded;
  std::string_view bytes = job.params_msgpack;
  if (bytes.empty()) {
    msgpack_codec::Writer(encoded).json(job.params);
    bytes = encoded;
  }
  try {
    return params::parse(schema, bytes, job.intent);
  } catch (const params::ParamsError& e) {
    throw JobFailure(ErrorCode::kBadRequest, e.what());
  }
}

AccountParams parse_account_params(const JobContext& job) {
  const auto p = parsed_params(job, "positions");
  return {.account = opt_text(p, "account")};
}

ExecutionsParams parse_executions_params(const JobContext& job) {
  const auto p = parsed_params(job, "executions");
  ExecutionsParams out;
  out.account = opt_text(p, "account");
  if (out.account) out.filter.account = *out.account;
  out.filter.symbol = text(p, "symbol");
  out.filter.sec_type = text(p, "sec_type");
  out.filter.exchange = text(p, "exchange");
  out.filter.side = text(p, "side");
  out.filter.time = text(p, "time");
  out.filter.client_id = static_cast<int>(p.integer("client_id").value_or(0));
  if (auto v = p.integer("last_n_days")) out.filter.last_n_days = static_cast<int>(*v);
  return out;
}

AccountSummaryParams parse_account_summary_params(const JobContext& job) {
  const auto p = parsed_params(job, "account_summary");
  AccountSummaryParams out;
  out.account = opt_text(p, "account");
  out.group = text(p, "group");
  out.tags = join(p.string_list("tags").value_or(kDefaultAccountTags), ",");
  return out;
}

gw::Contract parse_contract_params(const JobContext& job) {
  const auto p = parsed_params(job, "contract_details");
  gw::Contract c = contract_fields(p);
  c.sec_id_type = text(p, "sec_id_type");
  c.sec_id = text(p, "sec_id");
  return c;
}

gw::Contract contract_fields(const params::Parsed& p) {
  gw::Contract c;
  c.con_id = p.integer("con_id").value_or(0);
  c.symbol = text(p, "symbol");
  c.sec_type = text(p, "sec_type");
  c.last_trade_date = text(p, "last_trade_date");
  c.strike = p.number("strike");
  c.right = text(p, "right");
  c.multiplier = text(p, "multiplier");
  c.exchange = text(p, "exchange");
  c.primary_exchange = text(p, "primary_exchange");
  c.currency = text(p, "currency");
  c.local_symbol = text(p, "local_symbol");
  c.trading_class = text(p, "trading_class");
  c.include_expired = p.boolean("include_expired").value_or(false);
  return c;
}

NoParams parse_no_params(const JobContext& job) {
  parsed_params(job, "current_time");
  return {};
}

void check_account(const std::optional<std::string>& account,
                   const std::vector<std::string>& managed) {
  if (!account) return;
  if (std::find(managed.begin(), managed.end(), *account) != managed.end()) return;
  bad_param("account", "names an account the gateway does not manage: '" + *account +
                           "' (managed: " + join(managed, ", ") + ")");
}

}  // namespace intentq::intents
