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
  auto fills = co_await intents::timed(job, "executions", session->executions(p.filter));
  // The gateway applies the filter; the account filter is applied here too, so a gateway that
  // ignores a filter field cannot leak another account's fills into the result.
  co_return nlohmann::json{{"fills", intents::fills_json(fills, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_executions(JobContext& job) {
  auto params = intents::parse_executions_params(job);
  co_return co_await intents::with_session(job, [&job, params](auto session) {
    return fetch_executions(job, params, std::move(session));
  });
}

}  // namespace intentq
