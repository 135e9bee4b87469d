// The intent catalog: every intent this worker serves, in the order READY lists them.
// One line per intent: the intent's own file (worker/intents/<name>.cpp) defines everything else
// (docs/extending.md "Adding an intent").
#include "worker/intent.hpp"
#include "worker/intents/echo.hpp"

namespace intentq {
namespace intents {
// Each defined in worker/intents/<name>.cpp.
IntentInfo summary_intent();
IntentInfo positions_intent();
IntentInfo open_orders_intent();
IntentInfo executions_intent();
IntentInfo account_summary_intent();
IntentInfo contract_details_intent();
IntentInfo current_time_intent();
IntentInfo historical_bars_intent();
IntentInfo head_timestamp_intent();
IntentInfo quote_intent();
#ifdef INTENTQ_TEST_INTENTS
IntentInfo position_count_intent();  // tests/intents/position_count.cpp
#endif
}  // namespace intents

const std::vector<IntentInfo>& intent_catalog() {
  static const std::vector<IntentInfo> catalog{
      {"echo", true, run_echo, -1},
      // Same as echo but registered as not safe to run twice: the broker must answer it
      // WORKER_LOST instead of re-running it when its worker dies. Tests use it.
      {"echo_once", false, run_echo, -1},
      intents::summary_intent(),
      intents::positions_intent(),
      intents::open_orders_intent(),
      intents::executions_intent(),
      intents::account_summary_intent(),
      intents::contract_details_intent(),
      intents::current_time_intent(),
      intents::historical_bars_intent(),
      intents::head_timestamp_intent(),
      intents::quote_intent(),
#ifdef INTENTQ_TEST_INTENTS
      // Test builds only (intentq-worker-test): docs/extending.md's worked example.
      intents::position_count_intent(),
#endif
  };
  return catalog;
}

}  // namespace intentq
