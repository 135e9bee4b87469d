// `historical_bars`: one reqHistoricalData for a contract, `end` (ISO-8601 UTC, absent = now),
// `duration`, `bar_size`, `what_to_show`, `use_rth`; always formatDate 2 (epoch seconds), so
// every time in the result is UTC. IB's "no data in range" (162 HMDS query returned no data) is
// an ok result with no bars; no permission, a bad step and an unknown contract (200) are
// GATEWAY_ERROR with IB's code and text; a pacing refusal (162 pacing, 322) is GATEWAY_PACING.
// docs/protocol.md §9.9.
#include "worker/intents/market_data_intent.hpp"
#include "worker/intents/market_data_results.hpp"

namespace intentq::intents {
namespace {

awaitable<nlohmann::json> fetch(JobContext& job, HistoricalBarsParams p,
                                std::shared_ptr<gw::Session> session) {
  // formatDate 2, epoch seconds: UTC whatever the gateway's time zone.
  gw::HistoricalDataRequest request;
  request.contract = p.contract;
  request.end_date_time = p.end_date_time;
  request.bar_size = p.bar_size;
  request.duration = p.duration;
  request.use_rth = p.use_rth;
  request.what_to_show = p.what_to_show;
  request.format_date = 2;
  job.timeout_note = "while waiting for historical bars (" + p.duration + " of " + p.bar_size +
                     "; the gateway may be pacing historical requests)";
  auto fetch = timed(job, "historical_data", session->historical_data(std::move(request)));
  auto answer = co_await std::move(fetch);
  job.timeout_note.clear();
  co_return historical_bars_json(p, answer);
}

}  // namespace

IntentInfo historical_bars_intent() {
  return market_data_intent<parse_historical_bars_params>("historical_bars",
                                                          gw::RequestKind::kHistoricalData, fetch);
}

}  // namespace intentq::intents
