// `contract_details`: reqContractDetails for a con_id, or symbol + sec_type (+ exchange,
// currency, ...). Nothing found is IB error 200, reported as GATEWAY_ERROR with gateway_code 200.
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

awaitable<nlohmann::json> fetch_contract_details(JobContext& job, gw::Contract contract,
                                                 std::shared_ptr<gw::Session> session) {
  auto fetch = intents::timed(job, "contract_details", session->contract_details(contract));
  auto details = co_await std::move(fetch);
  nlohmann::json contracts = nlohmann::json::array();
  for (const auto& d : details) contracts.push_back(intents::contract_details_json(d));
  co_return nlohmann::json{{"contracts", std::move(contracts)}};
}

}  // namespace

awaitable<nlohmann::json> run_contract_details(JobContext& job) {
  return intents::run_on_session(job, fetch_contract_details, intents::parse_contract_params(job));
}

}  // namespace intentq
