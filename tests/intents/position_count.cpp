// `position_count`: the worked example of docs/extending.md "Adding an intent", and the test that
// an intent is one file plus one catalog line. It counts positions per account over the existing
// reqPositions request, optionally only those of `account` whose size is at least `min_size`:
//   {"count": 2, "by_account": {"DU7000001": 2}}
// Only the test worker (intentq-worker-test) lists it (worker/intents/catalog.cpp,
// INTENTQ_TEST_INTENTS).
#include <cmath>

#include "worker/intents/intent_spec.hpp"

// The schema below uses designated initializers and leaves the members it does not need at their
// defaults, as common/params_schema.cpp does; -Wextra's missing-field-initializers would flag it.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace intentq::intents {
namespace {

// Its params. A product intent's entry goes in common/params_schema.cpp, where the broker reads
// it too; this one is known to the worker alone, so the broker takes the schema-less path for it
// (docs/extending.md says why).
const params::IntentParams kSchema{
    .intent = "position_count",
    .params = {{.name = "account", .trim = true, .non_empty = true},
               {.name = "min_size", .kind = params::Kind::kNumber, .positive = true}}};

struct Params {
  std::optional<std::string> account;
  std::optional<double> min_size;
};

Params parse(const JobContext& job) {
  const auto p = parsed_params(job, kSchema);
  return {.account = p.string("account"), .min_size = p.number("min_size")};
}

awaitable<nlohmann::json> fetch(JobContext& job, Params p, std::shared_ptr<gw::Session> session) {
  check_account(p.account, session->accounts());
  auto request = timed(job, "positions", session->positions());
  auto positions = co_await std::move(request);
  nlohmann::json by_account = nlohmann::json::object();
  int64_t count = 0;
  for (const auto& position : positions) {
    if (p.account && position.account != *p.account) continue;
    if (p.min_size && std::fabs(position.position) < *p.min_size) continue;
    by_account[position.account] = by_account.value(position.account, int64_t{0}) + 1;
    ++count;
  }
  co_return nlohmann::json{{"count", count}, {"by_account", std::move(by_account)}};
}

}  // namespace

IntentInfo position_count_intent() {
  return gateway_intent<Params>(
      {.name = "position_count", .cost = request_cost::positions(), .parse = parse, .fetch = fetch});
}

}  // namespace intentq::intents
