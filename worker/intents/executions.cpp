// `executions`: reqExecutions with IB's filter from the params (account, symbol, sec_type,
// exchange, side, time, client_id, last_n_days); each execution joined with its commission report.
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

awaitable<nlohmann::json> fetch_executions(JobContext& job, intents::ExecutionsParams p,
                                           std::shared_ptr<gw::Session> session) {
  intents::check_account(p.account, session->accounts());
  auto fetch = intents::timed(job, "executions", session->executions(p.filter));
  auto fills = co_await std::move(fetch);
  // The gateway applies the filter; the account filter is applied here too, so a gateway that
  // ignores a filter field cannot leak another account's fills into the result.
  co_return nlohmann::json{{"fills", intents::fills_json(fills, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_executions(JobContext& job) {
  return intents::run_on_session(job, fetch_executions, intents::parse_executions_params(job));
}

}  // namespace intentq
