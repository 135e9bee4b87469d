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
  auto rows =
      co_await intents::timed(job, "account_summary", session->account_summary(p.group, p.tags));
  co_return nlohmann::json{{"account_summary", intents::account_summary_json(rows, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_account_summary(JobContext& job) {
  auto params = intents::parse_account_summary_params(job);
  co_return co_await intents::with_session(job, [&job, params](auto session) {
    return fetch_account_summary(job, params, std::move(session));
  });
}

}  // namespace intentq
