// gw_market_data_probe: intentq's side of the @stoqey/ib market-data conformance check
// (gwsim_conformance.mjs). Connects to a simulator with intentq's gateway session (the client
// library the worker uses) at a given highest server version, makes the market-data requests
// given as JSON, and prints what the session decoded as one JSON line, so the node test can
// compare it field by field with what @stoqey/ib decoded for the same requests.
//
// Usage: gw_market_data_probe PORT MAX_VERSION CLIENT_ID REQUESTS_JSON
//   REQUESTS_JSON: [{"kind": "bars", "con_id": N, "exchange": "SMART", "end": "...",
//                    "duration": "1 D", "bar_size": "1 hour", "what": "TRADES", "use_rth": true,
//                    "format_date": 2},
//                   {"kind": "head", "con_id": N, "exchange": "...", "what": "TRADES",
//                    "use_rth": true, "format_date": 2},
//                   {"kind": "snapshot", "con_id": N, "exchange": "...", "type": 1}]
// Output: {"server_version": N, "answers": [...]} with, per request, {"start", "end", "bars":
// [{"time", "open", "high", "low", "close", "volume", "wap", "count"}]} (volume/wap as IB's
// decimal text), {"timestamp"}, or {"prices": {type: price}, "sizes": {type: text}, "strings":
// {type: text}, "market_data_type", "min_tick", "bbo_exchange", "snapshot_permissions"}; an IB
// error as {"error": code}. Exit 0 on success, 1 on a connection failure, 2 on bad arguments.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "gateway/session.hpp"
// With the market-data intents in the tree, the probe also prints the worker's result maps (the
// historical_bars and quote intents' mapping of what the session decoded), so the conformance
// test compares @stoqey/ib's values with what the worker would return.
// (tests/sim.cmake defines INTENTQ_PROBE_WORKER_RESULTS when the header exists: a definition,
// unlike __has_include, is part of the compiler cache's key.)
#ifdef INTENTQ_PROBE_WORKER_RESULTS
#include "worker/intents/market_data_results.hpp"
#endif

#include <spdlog/spdlog.h>

namespace {

using intentq::awaitable;
using json = nlohmann::json;
namespace gw = intentq::gw;
namespace asio = boost::asio;

gw::Contract contract_of(const json& r) {
  gw::Contract c;
  c.con_id = r.at("con_id").get<int64_t>();
  c.exchange = r.value("exchange", "SMART");
  return c;
}

// Plain functions build the JSON: GCC 12 mishandles braced json initialisers inside coroutines.
json bars_json(const gw::HistoricalBars& a) {
  json bars = json::array();
  for (const auto& b : a.bars) {
    bars.push_back({{"time", b.time},
                    {"open", b.open},
                    {"high", b.high},
                    {"low", b.low},
                    {"close", b.close},
                    {"volume", b.volume},
                    {"wap", b.wap},
                    {"count", b.count}});
  }
  return {{"start", a.start}, {"end", a.end}, {"bars", bars}, {"no_data", a.no_data}};
}

json snapshot_json(const gw::MarketDataSnapshot& snap) {
  json prices = json::object(), sizes = json::object(), strings = json::object();
  for (const auto& [t, p] : snap.prices) prices[std::to_string(t)] = p.price;
  for (const auto& [t, v] : snap.sizes) sizes[std::to_string(t)] = v;
  for (const auto& [t, v] : snap.strings) strings[std::to_string(t)] = v;
  json warnings = json::array();
  for (const auto& w : snap.warnings) warnings.push_back(w.code);
  return {{"prices", prices},
          {"sizes", sizes},
          {"strings", strings},
          {"market_data_type", snap.market_data_type.value_or(-1)},
          {"min_tick", snap.min_tick.value_or(-1)},
          {"bbo_exchange", snap.bbo_exchange},
          {"snapshot_permissions", snap.snapshot_permissions.value_or(-1)},
          {"warnings", warnings}};
}

json head_json(const std::string& timestamp) {
  json j = json::object();
  j["timestamp"] = timestamp;
  return j;
}

json error_json(const gw::GatewayError& e) {
  json j = json::object();
  j["error"] = e.ib_code;
  j["message"] = e.what();
  return j;
}

// The worker's result maps, when the intents are built in ("worker_result" / "worker_quote").
json with_worker_result(json j, const gw::HistoricalDataRequest& q, const gw::HistoricalBars& a) {
#ifdef INTENTQ_PROBE_WORKER_RESULTS
  // The worker always asks for epoch times (formatDate 2): its mapping reads no other.
  if (q.format_date != 2) return j;
  intentq::intents::HistoricalBarsParams p;
  p.contract = q.contract;
  p.end_date_time = q.end_date_time;
  p.duration = q.duration;
  p.bar_size = q.bar_size;
  p.what_to_show = q.what_to_show;
  p.use_rth = q.use_rth;
  j["worker_result"] = intentq::intents::historical_bars_json(p, a);
#else
  (void)q, (void)a;
#endif
  return j;
}

json with_worker_quote(json j, const gw::MarketDataSnapshot& snap, int type) {
#ifdef INTENTQ_PROBE_WORKER_RESULTS
  j["worker_quote"] = intentq::intents::quote_json(snap, type);
#else
  (void)snap, (void)type;
#endif
  return j;
}

awaitable<json> answer(gw::Session& s, const json& r) {
  const std::string kind = r.at("kind").get<std::string>();
  if (kind == "bars") {
    gw::HistoricalDataRequest q;
    q.contract = contract_of(r);
    q.end_date_time = r.value("end", "");
    q.duration = r.at("duration").get<std::string>();
    q.bar_size = r.at("bar_size").get<std::string>();
    q.what_to_show = r.value("what", "TRADES");
    q.use_rth = r.value("use_rth", true);
    q.format_date = r.value("format_date", 2);
    auto a = co_await s.historical_data(q);
    co_return with_worker_result(bars_json(a), q, a);
  }
  if (kind == "head") {
    gw::HeadTimestampRequest q;
    q.contract = contract_of(r);
    q.what_to_show = r.value("what", "TRADES");
    q.use_rth = r.value("use_rth", true);
    q.format_date = r.value("format_date", 2);
    auto t = co_await s.head_timestamp(q);
    co_return head_json(t);
  }
  gw::MarketDataRequest q;
  q.contract = contract_of(r);
  auto snap = co_await s.snapshot(q, r.value("type", 1));
  co_return with_worker_quote(snapshot_json(snap), snap, r.value("type", 1));
}

json result_json(int sv, json answers) {
  json j = json::object();
  j["server_version"] = sv;
  j["answers"] = std::move(answers);
  return j;
}

awaitable<json> probe(gw::SessionOptions o, json requests) {
  auto s = co_await gw::Session::connect(o);
  json answers = json::array();
  for (const auto& r : requests) {
    try {
      answers.push_back(co_await answer(*s, r));
    } catch (const gw::GatewayError& e) {
      if (e.kind != gw::GatewayError::Kind::kIb) throw;
      answers.push_back(error_json(e));
    }
  }
  json out = result_json(s->server_version(), std::move(answers));
  co_await s->close();
  co_return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: gw_market_data_probe PORT MAX_VERSION CLIENT_ID REQUESTS_JSON\n";
    return 2;
  }
  gw::SessionOptions o;
  json requests;
  try {
    o.port = static_cast<uint16_t>(std::stoi(argv[1]));
    o.max_version = std::stoi(argv[2]);
    o.client_id = std::stoi(argv[3]);
    requests = json::parse(argv[4]);
  } catch (const std::exception& e) {
    std::cerr << "gw_market_data_probe: bad arguments: " << e.what() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::off);  // stdout carries the one JSON line
  asio::io_context io;
  std::optional<json> result;
  std::string failure;
  asio::co_spawn(io, probe(o, requests), [&](std::exception_ptr ep, json out) {
    if (ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        failure = e.what();
      }
    } else {
      result = std::move(out);
    }
  });
  io.run_for(std::chrono::seconds(60));
  if (!result) {
    std::cerr << "gw_market_data_probe: " << (failure.empty() ? "timed out" : failure) << "\n";
    return 1;
  }
  std::cout << result->dump() << std::endl;
  return 0;
}
