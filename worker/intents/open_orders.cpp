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
  auto orders = co_await intents::timed(job, "open_orders", session->all_open_orders());
  co_return nlohmann::json{{"open_orders", intents::open_orders_json(orders, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_open_orders(JobContext& job) {
  auto params = intents::parse_account_params(job);
  co_return co_await intents::with_session(job, [&job, params](auto session) {
    return fetch_open_orders(job, params, std::move(session));
  });
}

}  // namespace intentq
