// `positions`: reqPositions, optionally only one `account`'s positions.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, AccountParams p,
                                std::shared_ptr<gw::Session> session) {
  return account_rows_fetch(job, std::move(session), p.account, "positions", "positions",
                            [](gw::Session& s) { return s.positions(); });
}

}  // namespace

IntentInfo positions_intent() {
  return gateway_intent<AccountParams>({.name = "positions",
                                        .cost = request_cost::kPositions,
                                        .parse = parse_account_params,
                                        .fetch = fetch});
}

}  // namespace intentq::intents
