// `summary`: positions, all open orders, executions and the account summary, requested at once on
// one session; the job costs about the slowest fetch, not the sum (timings_ms shows each fetch
// and "fetch", the whole fetch phase).
#include <chrono>
#include <functional>

#include "common/when_all.hpp"
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

nlohmann::json summary_json(const intents::SummaryParams& p, const gw::Session& session,
                            const std::vector<gw::Position>& positions,
                            const std::vector<gw::OpenOrderWithStatus>& orders,
                            const std::vector<gw::Fill>& fills,
                            const std::vector<gw::AccountValue>& rows) {
  nlohmann::json result = nlohmann::json::object();
  // Which accounts the answer covers: the requested one, or every account of the gateway.
  result["accounts"] = intents::accounts_json(session.accounts(), p.account);
  result["positions"] = intents::positions_json(positions, p.account);
  result["open_orders"] = intents::open_orders_json(orders, p.account);
  result["fills"] = intents::fills_json(fills, p.account);
  result["account_summary"] = intents::account_summary_json(rows, p.account);
  return result;
}

awaitable<nlohmann::json> fetch_summary(JobContext& job, intents::SummaryParams p,
                                        std::shared_ptr<gw::Session> session) {
  intents::check_account(p.account, session->accounts());
  gw::ExecutionFilter filter;
  if (p.account) filter.account = *p.account;

  auto start = std::chrono::steady_clock::now();
  if (job.gateway.sequential_fetch) {
    // --fetch-mode sequential: one fetch after another (the benchmark's baseline).
    auto positions_task = intents::timed(job, "positions", session->positions());
    auto positions = co_await std::move(positions_task);
    auto orders_task = intents::timed(job, "open_orders", session->all_open_orders());
    auto orders = co_await std::move(orders_task);
    auto fills_task = intents::timed(job, "executions", session->executions(filter));
    auto fills = co_await std::move(fills_task);
    auto rows_task =
        intents::timed(job, "account_summary", session->account_summary(p.group, p.tags));
    auto rows = co_await std::move(rows_task);
    job.timings_ms["fetch"] = intents::elapsed_ms(start);
    co_return summary_json(p, *session, positions, orders, fills, rows);
  }
  // The first failure aborts the session, which wakes the other three at once; when_all then
  // rethrows that first failure, not the cancellations it caused.
  // Every awaitable is a named local: g++ 12 mis-destroys non-trivial temporaries that live
  // across a suspension point, so the co_await expression below holds none.
  auto positions_task = intents::timed(job, "positions", session->positions());
  auto orders_task = intents::timed(job, "open_orders", session->all_open_orders());
  auto fills_task = intents::timed(job, "executions", session->executions(filter));
  auto rows_task =
      intents::timed(job, "account_summary", session->account_summary(p.group, p.tags));
  std::function<void(std::exception_ptr)> abort_session = [session](std::exception_ptr) {
    session->abort();
  };
  auto all = when_all(std::move(abort_session), std::move(positions_task), std::move(orders_task),
                      std::move(fills_task), std::move(rows_task));
  auto [positions, orders, fills, rows] = co_await std::move(all);
  job.timings_ms["fetch"] = intents::elapsed_ms(start);
  co_return summary_json(p, *session, positions, orders, fills, rows);
}

}  // namespace

awaitable<nlohmann::json> run_summary(JobContext& job) {
  return intents::run_on_session(job, fetch_summary, intents::parse_summary_params(job));
}

}  // namespace intentq
