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
  auto params = intents::parse_account_summary_params(job);
  // Named locals, not temporaries inside the co_await expression: g++ 12 mis-destroys
  // non-trivial temporaries that live across a suspension point.
  intents::SessionBody body = [&job, params](std::shared_ptr<gw::Session> session) {
    return fetch_account_summary(job, params, std::move(session));
  };
  auto task = intents::with_session(job, std::move(body));
  co_return co_await std::move(task);
}

}  // namespace intentq
