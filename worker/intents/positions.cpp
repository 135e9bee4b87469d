// `positions`: reqPositions; optional `account` filter.
#include "worker/intents/gateway_intents.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/intents/params.hpp"
#include "worker/intents/results.hpp"

namespace intentq {
namespace {

awaitable<nlohmann::json> fetch_positions(JobContext& job, intents::AccountParams p,
                                          std::shared_ptr<gw::Session> session) {
  intents::check_account(p.account, session->accounts());
  auto fetch = intents::timed(job, "positions", session->positions());
  auto positions = co_await std::move(fetch);
  co_return nlohmann::json{{"positions", intents::positions_json(positions, p.account)}};
}

}  // namespace

awaitable<nlohmann::json> run_positions(JobContext& job) {
  return intents::run_on_session(job, fetch_positions, intents::parse_account_params(job));
}

}  // namespace intentq
