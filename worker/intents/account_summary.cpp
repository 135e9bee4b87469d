// `account_summary`: reqAccountSummary for `group` (default "All") and `tags` (default: the
// standard set in params.cpp); optional `account` filter. One row per (account, tag, currency).
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

awaitable<nlohmann::json> fetch_account_summary(JobContext& job, intents::AccountSummaryParams p,
                                                std::shared_ptr<gw::Session> session) {
  intents::check_account(p.account, session->accounts());
  auto fetch = intents::timed(job, "account_summary", session->account_summary(p.group, p.tags));
  auto rows = co_await std::move(fetch);
  co_return nlohmann::json{{"account_summary", intents::account_summary_json(rows, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_account_summary(JobContext& job) {
  return intents::run_on_session(job, fetch_account_summary,
                                 intents::parse_account_summary_params(job));
}

}  // namespace intentq
