#include "bench/history_load.hpp"

#include <algorithm>
#include <array>

#include "bench/scenarios.hpp"
#include "bench/zmq_load.hpp"
#include "common/market_data_params.hpp"

namespace intentq::bench {
namespace {

namespace md = params::market_data;
using json = nlohmann::json;
constexpr int64_t kWeek = 7 * 86400;

const md::BarSize& one_minute() {
  return *md::find_bar_size("1 min");
}

HistoryService stock(std::string name, const std::string& symbol, const std::string& sec_type,
                     const std::string& exchange) {
  HistoryService s;
  s.name = std::move(name);
  s.contract = {
      {"symbol", symbol}, {"sec_type", sec_type}, {"exchange", exchange}, {"currency", "USD"}};
  s.gw_contract.symbol = symbol;
  s.gw_contract.sec_type = sec_type;
  s.gw_contract.exchange = exchange;
  s.gw_contract.currency = "USD";
  return s;
}

gw::HistoricalDataRequest request(const gw::Contract& contract, int64_t end,
                                  const std::string& duration) {
  gw::HistoricalDataRequest r;
  r.contract = contract;
  r.end_date_time = md::ib_end_date_time(md::iso_utc(end));
  r.duration = duration;
  r.bar_size = "1 min";
  r.use_rth = true;
  r.what_to_show = "TRADES";
  r.format_date = 2;
  return r;
}

// Twelve charts a day, half an hour apart, then the same hours a week earlier: never identical,
// always within trading hours.
int64_t chart_end(int64_t first, int k) {
  return first - (k / 12) * kWeek - (k % 12) * 1800;
}

// The counts a run reports per service and summed over its services, by their keys.
struct SummedCount {
  const char* per_service;
  const char* total;
  int ServiceResult::*member;
};
constexpr SummedCount kSummedCounts[] = {
    {"chunks", "chunks", &ServiceResult::chunks},
    {"requests_sent", "requests_sent", &ServiceResult::asked},
    {"answered", "chunks_answered", &ServiceResult::answered},
    {"first_pass_answered", "first_pass_answered", &ServiceResult::first_pass_answered},
    {"missing", "chunks_missing", &ServiceResult::missing},
};

}  // namespace

std::chrono::milliseconds HistoryLoad::window() const {
  return std::chrono::milliseconds(static_cast<int64_t>(600000 * time_scale));
}

HistoryLoad HistoryLoad::make(int chunks, double time_scale, int max_passes) {
  HistoryLoad load;
  load.max_passes = max_passes;
  load.time_scale = time_scale;
  // A fixed range in the past (reproducible): `chunks` whole weeks ending on a week border.
  const int64_t to = *md::parse_iso_utc("2026-11-30T00:00:00Z") / kWeek * kWeek;
  const int64_t from = to - chunks * kWeek;
  const auto plan = cli::history::plan_chunks(from, to, one_minute());
  load.bulk = {stock("svc-a", "AAPL", "STK", "SMART"), stock("svc-b", "AAPL", "STK", "SMART"),
               stock("svc-c", "MSFT", "STK", "SMART"), stock("svc-d", "BTC", "CRYPTO", "PAXOS")};
  for (auto& s : load.bulk) s.chunks = plan;
  load.interactive = stock("svc-i", "AAPL", "STK", "SMART");
  // "every few seconds" of the bench: six charts per (scaled) 10-minute window, a tenth of it.
  load.interactive_every = std::max(std::chrono::milliseconds(50), load.window() / 6);
  load.interactive_end = *md::parse_iso_utc("2026-11-25T20:00:00Z");
  return load;
}

json HistoryLoad::chunk_params(const HistoryService& s, const HistoryChunk& c) const {
  json p = s.contract;
  p["end"] = md::iso_utc(c.end);
  p["duration"] = *cli::history::chunk_duration(c);
  p["bar_size"] = "1 min";
  p["what_to_show"] = "TRADES";
  p["use_rth"] = true;
  return p;
}

gw::HistoricalDataRequest HistoryLoad::chunk_request(const HistoryService& s,
                                                     const HistoryChunk& c) const {
  return request(s.gw_contract, c.end, *cli::history::chunk_duration(c));
}

json HistoryLoad::interactive_params(int k) const {
  json p = interactive.contract;
  p["end"] = md::iso_utc(chart_end(interactive_end, k));
  p["duration"] = "1800 S";
  p["bar_size"] = "1 min";
  p["what_to_show"] = "TRADES";
  p["use_rth"] = true;
  return p;
}

gw::HistoricalDataRequest HistoryLoad::interactive_request(int k) const {
  return request(interactive.gw_contract, chart_end(interactive_end, k), "1800 S");
}

json run_figures(const HistoryRun& run) {
  json j;
  const auto& v = run.sim_historical.value("violations", json::object());
  uint64_t violations = 0;
  for (const char* rule : {"identical_15s", "same_contract_2s", "window_10min"})
    violations += v.value(rule, uint64_t{0});
  j["violations"] = violations;
  j["violations_by_rule"] = v;
  j["open_limit_322"] = run.sim_historical.value("open_limit_322", uint64_t{0});
  j["sim_requests"] = run.sim_historical.value("requests", uint64_t{0});
  // Each service's counts, and their sums over the services.
  std::array<int, std::size(kSummedCounts)> sums{};
  int passes = 0;
  uint64_t bars = 0;
  json services = json::object();
  for (const auto& s : run.services) {
    json& figures = services[s.name];
    for (size_t k = 0; k < sums.size(); ++k) {
      figures[kSummedCounts[k].per_service] = s.*kSummedCounts[k].member;
      sums[k] += s.*kSummedCounts[k].member;
    }
    figures["passes"] = s.passes;
    figures["bars"] = s.bars;
    figures["finish_s"] = round_to(s.finish_s, 2);
    figures["errors"] = s.errors;
    passes = std::max(passes, s.passes);
    bars += s.bars;
  }
  j["services"] = services;
  for (size_t k = 0; k < sums.size(); ++k) j[kSummedCounts[k].total] = sums[k];
  j["passes"] = passes;
  j["complete"] = j["chunks_missing"].get<int>() == 0;
  j["bars"] = bars;
  j["seconds"] = round_to(run.seconds, 2);
  j["useful_bars_per_s"] =
      run.seconds > 0 ? round_to(static_cast<double>(bars) / run.seconds, 0) : 0.0;
  const auto& i = run.interactive;
  j["interactive"] = {{"asked", i.asked},
                      {"answered", i.answered},
                      {"latency_p50_ms", round_to(percentile(i.latency_ms, 0.5), 1)},
                      {"latency_p99_ms", round_to(percentile(i.latency_ms, 0.99), 1)},
                      {"errors", i.errors}};
  return j;
}

}  // namespace intentq::bench
