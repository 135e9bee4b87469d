// `head_timestamp`: reqHeadTimestamp (formatDate 2; the session always follows the answer with
// cancelHeadTimestamp) for a contract, `what_to_show` and `use_rth` -> the first time IB has data
// for, as ISO-8601 UTC (`head_timestamp`) and epoch seconds (`epoch`). docs/protocol.md §9.10.
#include "common/market_data_params.hpp"
#include "worker/intents/market_data_intent.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, HeadTimestampParams p,
                                std::shared_ptr<gw::Session> session) {
  gw::HeadTimestampRequest request{.contract = p.contract,
                                   .use_rth = p.use_rth,
                                   .what_to_show = p.what_to_show,
                                   .format_date = 2};
  auto fetch = timed(job, "head_timestamp", session->head_timestamp(std::move(request)));
  const std::string answer = co_await std::move(fetch);
  const auto iso = params::market_data::iso_from_ib(answer);
  if (!iso)
    throw gw::GatewayError(gw::GatewayError::Kind::kProtocol,
                           "head timestamp '" + answer.substr(0, 64) + "' is not a time");
  nlohmann::json out{{"contract", contract_json(p.contract)},
                     {"what_to_show", p.what_to_show},
                     {"use_rth", p.use_rth},
                     {"head_timestamp", *iso}};
  if (iso->size() > 10) out["epoch"] = params::market_data::parse_iso_utc(*iso).value_or(0);
  co_return out;
}

}  // namespace

IntentInfo head_timestamp_intent() {
  return market_data_intent<parse_head_timestamp_params>("head_timestamp",
                                                         gw::RequestKind::kHeadTimestamp, fetch);
}

}  // namespace intentq::intents
