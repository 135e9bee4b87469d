// `open_orders`: reqAllOpenOrders (every client's orders, not only this clientId's), each order
// merged with its latest orderStatus; optional `account` filter.
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

awaitable<nlohmann::json> fetch_open_orders(JobContext& job, intents::AccountParams p,
                                            std::shared_ptr<gw::Session> session) {
  intents::check_account(p.account, session->accounts());
  auto fetch = intents::timed(job, "open_orders", session->all_open_orders());
  auto orders = co_await std::move(fetch);
  co_return nlohmann::json{{"open_orders", intents::open_orders_json(orders, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_open_orders(JobContext& job) {
  auto params = intents::parse_account_params(job);
  // Named locals, not temporaries inside the co_await expression: g++ 12 mis-destroys
  // non-trivial temporaries that live across a suspension point.
  intents::SessionBody body = [&job, params](std::shared_ptr<gw::Session> session) {
    return fetch_open_orders(job, params, std::move(session));
  };
  auto task = intents::with_session(job, std::move(body));
  co_return co_await std::move(task);
}

}  // namespace intentq
