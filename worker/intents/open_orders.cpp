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
  return intents::run_on_session(job, fetch_open_orders, intents::parse_account_params(job));
}

}  // namespace intentq
