// `open_orders`: reqAllOpenOrders (every client's orders, not only this clientId's), each order
// merged with its latest orderStatus; optional `account` filter.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {

IntentInfo open_orders_intent() {
  return account_rows_intent(
      "open_orders", request_cost::of(gw::RequestKind::kAllOpenOrders), parse_account_params,
      "open_orders", [](gw::Session& s, const AccountParams&) { return s.all_open_orders(); });
}

}  // namespace intentq::intents
