// `quote`: a market data snapshot (reqMktData, snapshot=1) for a contract with
// `market_data_type` live, frozen, delayed or delayed_frozen; done at tickSnapshotEnd, which IB
// sends about 11 s after the request. The session sends reqMarketDataType only when the
// connection has another type than the job needs. Without a live subscription IB's 10167 warning
// is followed by delayed ticks: the result holds them with `delayed: true`. 10168/10186/354/10089
// (no permission) and 200 (unknown contract) are GATEWAY_ERROR naming IB's code.
// docs/protocol.md §9.11.
#include "worker/intents/intent_spec.hpp"
#include "worker/intents/market_data.hpp"
#include "worker/intents/market_data_results.hpp"

namespace intentq::intents {
namespace {

QuoteParams parse(const JobContext& job) {
  auto p = parse_quote_params(job);
  check_gateway(p.gateway, job);
  return p;
}

awaitable<nlohmann::json> fetch(JobContext& job, QuoteParams p,
                                std::shared_ptr<gw::Session> session) {
  gw::MarketDataRequest request;
  request.contract = p.contract;
  request.snapshot = true;
  // A deadline that passes while the snapshot runs is TIMEOUT with this said (issue 19).
  job.timeout_note =
      "while waiting for the quote snapshot's end (tickSnapshotEnd), which IB sends about 11 s "
      "after the request: give quote a deadline_ms above that";
  auto fetch = timed(job, "market_data_snapshot",
                     session->snapshot(std::move(request), p.market_data_type_code));
  auto snapshot = co_await std::move(fetch);
  job.timeout_note.clear();
  co_return quote_json(snapshot, p.market_data_type_code);
}

}  // namespace

IntentInfo quote_intent() {
  return gateway_intent<QuoteParams>(
      {.name = "quote",
       .cost = request_cost::of(gw::RequestKind::kMarketDataSnapshot),
       .historical = request_pacing::historical(gw::RequestKind::kMarketDataSnapshot),
       .parse = parse,
       .fetch = fetch});
}

}  // namespace intentq::intents
