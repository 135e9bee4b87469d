// `executions`: reqExecutions with IB's filter from the params (account, symbol, sec_type,
// exchange, side, time, client_id, last_n_days); each execution joined with its commission report.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {

IntentInfo executions_intent() {
  return account_rows_intent(
      "executions", request_cost::of(gw::RequestKind::kExecutions), parse_executions_params,
      "fills", [](gw::Session& s, const ExecutionsParams& p) { return s.executions(p.filter); });
}

}  // namespace intentq::intents
