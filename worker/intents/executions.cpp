// `executions`: reqExecutions with IB's filter from the params (account, symbol, sec_type,
// exchange, side, time, client_id, last_n_days); each execution joined with its commission report.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, ExecutionsParams p,
                                std::shared_ptr<gw::Session> session) {
  return account_rows_fetch(job, std::move(session), p.account, "executions", "fills",
                            [filter = p.filter](gw::Session& s) { return s.executions(filter); });
}

}  // namespace

IntentInfo executions_intent() {
  return gateway_intent<ExecutionsParams>({.name = "executions",
                                           .cost = request_cost::kExecutions,
                                           .parse = parse_executions_params,
                                           .fetch = fetch});
}

}  // namespace intentq::intents
