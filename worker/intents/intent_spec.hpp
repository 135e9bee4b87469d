// What one gateway intent is, in one place: the file of the intent (worker/intents/<name>.cpp)
// fills a GatewayIntent and the catalog lists what gateway_intent() makes of it:
//
//   IntentInfo contract_details_intent() {
//     return gateway_intent<gw::Contract>(
//         {.name = "contract_details",
//          .cost = request_cost::of(gw::RequestKind::kContractDetails),
//          .parse = parse_contract_params,
//          .fetch = fetch});
//   }
//
// An intent that lists one kind of row per account needs only its request (account_rows_intent).
//
// - name: the MDP service; also the shared params schema entry (common/params_schema) `parse`
//   validates with, so the broker canonicalises exactly what the worker reads.
// - retryable: whether the broker may run the job again after its worker died.
// - cost: the gateway messages one job sends (request_costs.hpp), the READY @cost.
// - historical: some request it makes is in IB's historical pacing class (READY @historical).
// - parse: job params -> typed request; BAD_REQUEST on any problem. Runs before the session opens.
// - fetch: the fetch plan and result mapping, run on the job's session (gateway_job.hpp).
// docs/extending.md walks through adding one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "worker/intent.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/request_costs.hpp"
#include "worker/intents/results.hpp"

namespace intentq::intents {

template <typename Params>
struct GatewayIntent {
  std::string_view name;
  bool retryable = true;  // read-only intents are
  int cost = 0;
  // Some request the intent makes is in IB's historical pacing class (request_pacing::historical
  // over its requests' specs): READY's @historical=<name>.
  bool historical = false;
  Params (*parse)(const JobContext&) = nullptr;
  awaitable<nlohmann::json> (*fetch)(JobContext&, Params, std::shared_ptr<gw::Session>) = nullptr;
};

// The catalog entry of an intent: parse, then fetch on the job's session (run_on_session).
template <typename Params, typename Fetch>
IntentInfo make_intent(std::string_view name, bool retryable, int cost,
                       Params (*parse)(const JobContext&), Fetch fetch, bool historical = false) {
  auto run = [parse, fetch](JobContext& job) {
    // Parsed before the coroutine starts: a bad param throws out of run (see run_on_session).
    return run_on_session(job, fetch, parse(job));
  };
  return IntentInfo{std::string(name), retryable, std::move(run), cost, historical};
}

template <typename Params>
IntentInfo gateway_intent(const GatewayIntent<Params>& spec) {
  return make_intent(spec.name, spec.retryable, spec.cost, spec.parse, spec.fetch, spec.historical);
}

// The fetch of an intent that lists one kind of row per account (positions, open orders, fills,
// account summary rows): checks `account` against the gateway's accounts, times `request` as
// `timing`, keeps the rows of `account` (all when none) and answers {key: [row, ...]}. The
// account filter is applied here even when IB filtered already, so a gateway that ignores a
// filter cannot leak another account's rows into the result.
template <typename Request>
awaitable<nlohmann::json> account_rows_fetch(JobContext& job, std::shared_ptr<gw::Session> session,
                                             std::optional<std::string> account, std::string timing,
                                             std::string key, Request request) {
  check_account(account, session->accounts());
  auto fetch = timed(job, std::move(timing), request(*session));
  auto rows = co_await std::move(fetch);
  co_return nlohmann::json{{std::move(key), account_rows(rows, account)}};
}

// A whole account-rows intent (retryable): `request(session, params)` starts its one fetch,
// timed under the intent's name; the rows go under `key`. Params has an `account` member.
template <typename Params, typename Request>
IntentInfo account_rows_intent(std::string_view name, int cost, Params (*parse)(const JobContext&),
                               std::string key, Request request) {
  auto fetch = [timing = std::string(name), key, request](JobContext& job, Params p,
                                                          std::shared_ptr<gw::Session> session) {
    return account_rows_fetch(job, std::move(session), p.account, timing, key,
                              [request, p](gw::Session& s) { return request(s, p); });
  };
  return make_intent(name, true, cost, parse, std::move(fetch));
}

}  // namespace intentq::intents
