// `positions`: reqPositions, optionally only one `account`'s positions.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {

IntentInfo positions_intent() {
  return account_rows_intent("positions", request_cost::of(gw::RequestKind::kPositions),
                             parse_account_params, "positions",
                             [](gw::Session& s, const AccountParams&) { return s.positions(); });
}

}  // namespace intentq::intents
