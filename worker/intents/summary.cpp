// `summary`: positions, all open orders, executions and the account summary, requested at once on
// one session; the job costs about the slowest fetch, not the sum (timings_ms shows each fetch
// and "fetch", the whole fetch phase).
#include <chrono>
#include <functional>

#include "common/when_all.hpp"
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

nlohmann::json summary_json(const AccountSummaryParams& p, const gw::Session& session,
                            const std::vector<gw::Position>& positions,
                            const std::vector<gw::OpenOrderWithStatus>& orders,
                            const std::vector<gw::Fill>& fills,
                            const std::vector<gw::AccountValue>& rows) {
  nlohmann::json result = nlohmann::json::object();
  // Which accounts the answer covers: the requested one, or every account of the gateway.
  result["accounts"] = account_rows(session.accounts(), p.account);
  result["positions"] = account_rows(positions, p.account);
  result["open_orders"] = account_rows(orders, p.account);
  result["fills"] = account_rows(fills, p.account);
  result["account_summary"] = account_rows(rows, p.account);
  return result;
}

awaitable<nlohmann::json> fetch_summary(JobContext& job, AccountSummaryParams p,
                                        std::shared_ptr<gw::Session> session) {
  check_account(p.account, session->accounts());
  gw::ExecutionFilter filter;
  if (p.account) filter.account = *p.account;

  auto start = std::chrono::steady_clock::now();
  if (job.gateway.sequential_fetch) {
    // --fetch-mode sequential: one fetch after another (the benchmark's baseline).
    auto positions_task = timed(job, "positions", session->positions());
    auto positions = co_await std::move(positions_task);
    auto orders_task = timed(job, "open_orders", session->all_open_orders());
    auto orders = co_await std::move(orders_task);
    auto fills_task = timed(job, "executions", session->executions(filter));
    auto fills = co_await std::move(fills_task);
    auto rows_task = timed(job, "account_summary", session->account_summary(p.group, p.tags));
    auto rows = co_await std::move(rows_task);
    job.timings_ms["fetch"] = elapsed_ms(start);
    co_return summary_json(p, *session, positions, orders, fills, rows);
  }
  // The first failure aborts the session, which wakes the other three at once; when_all then
  // rethrows that first failure, not the cancellations it caused.
  // Every awaitable is a named local: g++ 12 mis-destroys non-trivial temporaries that live
  // across a suspension point, so the co_await expression below holds none.
  auto positions_task = timed(job, "positions", session->positions());
  auto orders_task = timed(job, "open_orders", session->all_open_orders());
  auto fills_task = timed(job, "executions", session->executions(filter));
  auto rows_task = timed(job, "account_summary", session->account_summary(p.group, p.tags));
  std::function<void(std::exception_ptr)> abort_session = [session](std::exception_ptr) {
    session->abort();
  };
  auto all = when_all(std::move(abort_session), std::move(positions_task), std::move(orders_task),
                      std::move(fills_task), std::move(rows_task));
  auto [positions, orders, fills, rows] = co_await std::move(all);
  job.timings_ms["fetch"] = elapsed_ms(start);
  co_return summary_json(p, *session, positions, orders, fills, rows);
}

}  // namespace

IntentInfo summary_intent() {
  // Each fetch's request, once: the job's cost is the sum of theirs.
  return gateway_intent<AccountSummaryParams>(
      {.name = "summary",
       .cost = request_cost::of(gw::RequestKind::kPositions, gw::RequestKind::kAllOpenOrders,
                                gw::RequestKind::kExecutions, gw::RequestKind::kAccountSummary),
       .parse = parse_account_summary_params,
       .fetch = fetch_summary});
}

}  // namespace intentq::intents
