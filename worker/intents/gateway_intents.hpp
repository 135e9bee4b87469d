// The intents served over the IB gateway (docs/protocol.md "Intents and result schemas").
// Each runs on the job's io_context: it validates its params, opens a session for the job
// (gateway_job.hpp), fetches, maps the answers to a result map and closes the session.
#pragma once

#include <nlohmann/json.hpp>

#include "worker/intent.hpp"

namespace intentq {

// positions, all open orders, executions and the account summary AT ONCE on one session.
awaitable<nlohmann::json> run_summary(JobContext& job);
awaitable<nlohmann::json> run_positions(JobContext& job);
awaitable<nlohmann::json> run_open_orders(JobContext& job);
awaitable<nlohmann::json> run_executions(JobContext& job);
awaitable<nlohmann::json> run_account_summary(JobContext& job);
awaitable<nlohmann::json> run_contract_details(JobContext& job);
awaitable<nlohmann::json> run_current_time(JobContext& job);

}  // namespace intentq
