// `summary`: positions, all open orders, executions and the account summary, requested at once on
// one session; the job costs about the slowest fetch, not the sum (timings_ms shows each fetch
// and "fetch", the whole fetch phase).
#include <chrono>

#include "common/when_all.hpp"
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

awaitable<nlohmann::json> fetch_summary(JobContext& job, intents::SummaryParams p,
                                        std::shared_ptr<gw::Session> session) {
  intents::check_account(p.account, session->accounts());
  gw::ExecutionFilter filter;
  if (p.account) filter.account = *p.account;

  auto start = std::chrono::steady_clock::now();
  // The first failure aborts the session, which wakes the other three at once; when_all then
  // rethrows that first failure, not the cancellations it caused.
  auto [positions, orders, fills, rows] = co_await when_all(
      [session](std::exception_ptr) { session->abort(); },
      intents::timed(job, "positions", session->positions()),
      intents::timed(job, "open_orders", session->all_open_orders()),
      intents::timed(job, "executions", session->executions(filter)),
      intents::timed(job, "account_summary", session->account_summary(p.group, p.tags)));
  job.timings_ms["fetch"] = intents::elapsed_ms(start);

  nlohmann::json result = nlohmann::json::object();
  result["accounts"] = intents::accounts_json(session->accounts(), p.account);
  result["positions"] = intents::positions_json(positions, p.account);
  result["open_orders"] = intents::open_orders_json(orders, p.account);
  result["fills"] = intents::fills_json(fills, p.account);
  result["account_summary"] = intents::account_summary_json(rows, p.account);
  co_return result;
}

}  // namespace

awaitable<nlohmann::json> run_summary(JobContext& job) {
  auto params = intents::parse_summary_params(job);
  co_return co_await intents::with_session(
      job, [&job, params](auto session) { return fetch_summary(job, params, std::move(session)); });
}

}  // namespace intentq
