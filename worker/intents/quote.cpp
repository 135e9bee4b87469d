// `quote`: a market data snapshot (reqMktData, snapshot=1) for a contract with
// `market_data_type` live, frozen, delayed or delayed_frozen; done at tickSnapshotEnd, which IB
// sends about 11 s after the request. The session sends reqMarketDataType only when the
// connection has another type than the job needs. Without a live subscription IB's 10167 warning
// is followed by delayed ticks: the result holds them with `delayed: true`. 10168/10186/354/10089
// (no permission) and 200 (unknown contract) are GATEWAY_ERROR naming IB's code.
// docs/protocol.md §9.11.
#include <algorithm>
#include <chrono>

#include "worker/intents/market_data_intent.hpp"
#include "worker/intents/market_data_results.hpp"

namespace intentq::intents {
namespace {

// How long before the job's deadline the snapshot is given up, so that the worker's TIMEOUT
// (which says why) reaches the caller before the broker's plain one. A quarter of the time left
// (50..500 ms): the reply has to cross the worker's and the broker's queues on a loaded host.
std::chrono::milliseconds give_up_margin(std::chrono::milliseconds left) {
  return std::clamp(left / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(500));
}

awaitable<nlohmann::json> fetch(JobContext& job, QuoteParams p,
                                std::shared_ptr<gw::Session> session) {
  gw::MarketDataRequest request;
  request.contract = p.contract;
  request.snapshot = true;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      job.deadline - std::chrono::steady_clock::now());
  // A deadline that passes while the snapshot runs is TIMEOUT saying so (issue 19): just before
  // it, the snapshot is abandoned (the session cancels it with cancelMktData) and the job answers.
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, job.deadline - give_up_margin(left));
  auto gave_up = std::make_shared<bool>(false);
  timer->async_wait([timer, gave_up, session](const boost::system::error_code& ec) {
    if (ec) return;
    *gave_up = true;
    session->abort();
  });
  auto fetch = timed(job, "market_data_snapshot",
                     session->snapshot(std::move(request), p.market_data_type_code));
  gw::MarketDataSnapshot snapshot;
  try {
    snapshot = co_await std::move(fetch);
  } catch (const gw::GatewayError&) {
    if (!*gave_up) throw;
  }
  timer->cancel();
  if (*gave_up)
    throw JobFailure(ErrorCode::kTimeout,
                     "the quote snapshot did not end within the job's deadline (" +
                         std::to_string(left.count()) +
                         " ms left when it was asked): IB ends a snapshot (tickSnapshotEnd) "
                         "about 11 s after the request; give quote a longer deadline_ms");
  co_return quote_json(snapshot, p.market_data_type_code);
}

}  // namespace

IntentInfo quote_intent() {
  return market_data_intent<parse_quote_params>("quote", gw::RequestKind::kMarketDataSnapshot,
                                                fetch);
}

}  // namespace intentq::intents
