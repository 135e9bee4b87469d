// The intent catalog: every intent this worker serves, in the order READY lists them.
// Keep it a plain list: each intent adds one line here (and its header to the includes).
#include "worker/intent.hpp"
#include "worker/intents/echo.hpp"
#include "worker/intents/gateway_intents.hpp"

namespace intentq {

const std::vector<IntentInfo>& intent_catalog() {
  static const std::vector<IntentInfo> catalog{
      {"echo", true, run_echo, -1},
      // Same as echo but registered as not safe to run twice: the broker must answer it
      // WORKER_LOST instead of re-running it when its worker dies. Tests use it.
      {"echo_once", false, run_echo, -1},
      // Read-only intents over the IB gateway (worker/intents/gateway_intents.hpp). The last
      // field is the job's message cost on a persistent session (docs/gateway.md):
      // summary = reqPositions + reqAllOpenOrders + reqExecutions + reqAccountSummary +
      // cancelPositions + cancelAccountSummary.
      {"summary", true, run_summary, 6},
      {"positions", true, run_positions, 2},
      {"open_orders", true, run_open_orders, 1},
      {"executions", true, run_executions, 1},
      {"account_summary", true, run_account_summary, 2},
      {"contract_details", true, run_contract_details, 1},
      {"current_time", true, run_current_time, 1},
  };
  return catalog;
}

}  // namespace intentq
