// `open_orders`: reqAllOpenOrders (every client's orders, not only this clientId's), each order
// merged with its latest orderStatus; optional `account` filter.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, AccountParams p,
                                std::shared_ptr<gw::Session> session) {
  return account_rows_fetch(job, std::move(session), p.account, "open_orders", "open_orders",
                            [](gw::Session& s) { return s.all_open_orders(); });
}

}  // namespace

IntentInfo open_orders_intent() {
  return gateway_intent<AccountParams>({.name = "open_orders",
                                        .cost = request_cost::kAllOpenOrders,
                                        .parse = parse_account_params,
                                        .fetch = fetch});
}

}  // namespace intentq::intents
