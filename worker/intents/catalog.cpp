// The intent catalog: every intent this worker serves, in the order READY lists them.
// Keep it a plain list: each intent adds one line here (and its header to the includes).
#include "worker/intent.hpp"
#include "worker/intents/echo.hpp"
#include "worker/intents/gateway_intents.hpp"

namespace intentq {

const std::vector<IntentInfo>& intent_catalog() {
  static const std::vector<IntentInfo> catalog{
      {"echo", true, run_echo},
      // Same as echo but registered as not safe to run twice: the broker must answer it
      // WORKER_LOST instead of re-running it when its worker dies. Tests use it.
      {"echo_once", false, run_echo},
      // Read-only intents over the IB gateway (worker/intents/gateway_intents.hpp).
      {"summary", true, run_summary},
      {"positions", true, run_positions},
      {"open_orders", true, run_open_orders},
      {"executions", true, run_executions},
      {"account_summary", true, run_account_summary},
      {"contract_details", true, run_contract_details},
      {"current_time", true, run_current_time},
  };
  return catalog;
}

}  // namespace intentq
