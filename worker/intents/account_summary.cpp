// `account_summary`: reqAccountSummary for `group` (default "All") and `tags` (default: the
// standard set in common/params_schema.cpp); optional `account` filter. One row per (account, tag,
// currency).
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, AccountSummaryParams p,
                                std::shared_ptr<gw::Session> session) {
  return account_rows_fetch(job, std::move(session), p.account, "account_summary",
                            "account_summary",
                            [p](gw::Session& s) { return s.account_summary(p.group, p.tags); });
}

}  // namespace

IntentInfo account_summary_intent() {
  return gateway_intent<AccountSummaryParams>({.name = "account_summary",
                                               .cost = request_cost::kAccountSummary,
                                               .parse = parse_account_summary_params,
                                               .fetch = fetch});
}

}  // namespace intentq::intents
