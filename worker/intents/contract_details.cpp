// `contract_details`: reqContractDetails for a con_id, or symbol + sec_type (+ exchange,
// currency, ...). Nothing found is IB error 200, reported as GATEWAY_ERROR with gateway_code 200.
#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, gw::Contract contract,
                                std::shared_ptr<gw::Session> session) {
  auto fetch = timed(job, "contract_details", session->contract_details(contract));
  auto details = co_await std::move(fetch);
  nlohmann::json contracts = nlohmann::json::array();
  for (const auto& d : details) contracts.push_back(contract_details_json(d));
  co_return nlohmann::json{{"contracts", std::move(contracts)}};
}

}  // namespace

IntentInfo contract_details_intent() {
  return gateway_intent<gw::Contract>({.name = "contract_details",
                                       .cost = request_cost::of(gw::RequestKind::kContractDetails),
                                       .parse = parse_contract_params,
                                       .fetch = fetch});
}

}  // namespace intentq::intents
