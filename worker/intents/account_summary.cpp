// `account_summary`: reqAccountSummary for `group` (default "All") and `tags` (default: the
// standard set in common/params_schema.cpp); optional `account` filter. One row per (account,
// tag, currency).
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {

IntentInfo account_summary_intent() {
  return account_rows_intent("account_summary", request_cost::of(gw::RequestKind::kAccountSummary),
                             parse_account_summary_params, "account_summary",
                             [](gw::Session& s, const AccountSummaryParams& p) {
                               return s.account_summary(p.group, p.tags);
                             });
}

}  // namespace intentq::intents
