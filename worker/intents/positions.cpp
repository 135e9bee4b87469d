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
  auto params = intents::parse_account_params(job);
  // Named locals, not temporaries inside the co_await expression: g++ 12 mis-destroys
  // non-trivial temporaries that live across a suspension point.
  intents::SessionBody body = [&job, params](std::shared_ptr<gw::Session> session) {
    return fetch_positions(job, params, std::move(session));
  };
  auto task = intents::with_session(job, std::move(body));
  co_return co_await std::move(task);
}

}  // namespace intentq
