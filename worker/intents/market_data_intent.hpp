// The catalog entry of a market-data intent (historical_bars, head_timestamp, quote): one IB
// request, params that may pin the job to a gateway. Its file gives the params parser, the
// request kind and the fetch; cost and pacing class come from the request's spec.
#pragma once

#include <memory>
#include <string_view>
#include <type_traits>

#include "gateway/request_specs.hpp"
#include "worker/intents/intent_spec.hpp"
#include "worker/intents/market_data.hpp"

namespace intentq::intents {

// `Parse`, then the worker's own check of the `gateway` pin (check_gateway).
template <auto Parse>
auto parse_pinned(const JobContext& job) {
  auto p = Parse(job);
  check_gateway(p.gateway, job);
  return p;
}

template <auto Parse, typename Params = std::invoke_result_t<decltype(Parse), const JobContext&>>
IntentInfo market_data_intent(std::string_view name, gw::RequestKind kind,
                              awaitable<nlohmann::json> (*fetch)(JobContext&, Params,
                                                                 std::shared_ptr<gw::Session>)) {
  return gateway_intent<Params>({.name = name,
                                 .cost = request_cost::of(kind),
                                 .historical = request_pacing::historical(kind),
                                 .parse = parse_pinned<Parse>,
                                 .fetch = fetch});
}

}  // namespace intentq::intents
