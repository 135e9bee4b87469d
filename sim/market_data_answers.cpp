#include "sim/market_data_answers.hpp"

#include <array>
#include <charconv>
#include <optional>

#include "sim/answers.hpp"
#include "sim/historical_bars.hpp"
#include "sim/selection.hpp"

namespace intentq::sim {
namespace {

constexpr int64_t kDelaySeconds = 15 * 60;  // IB's delayed data: 15 minutes

std::string decimal_text(double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::to_string(v);
}

gw::Bar to_wire(const SimBar& b) {
  gw::Bar w;
  w.time = b.date;
  w.open = b.open, w.high = b.high, w.low = b.low, w.close = b.close;
  w.volume = b.volume < 0 ? "-1" : decimal_text(b.volume);
  w.wap = b.wap < 0 ? "-1" : decimal_text(b.wap);
  w.count = static_cast<int>(b.count);
  return w;
}

// The last session second (all hours) at or before `t`, searching 14 days back.
std::optional<int64_t> last_session_second(HoursKind k, int64_t t) {
  if (in_session(k, false, t)) return t;
  int64_t m = (t >= 0 ? t / 60 : (t - 59) / 60) * 60 - 60;
  for (int64_t limit = t - 14 * 86400; m >= limit; m -= 60) {
    if (in_session(k, false, m)) return m + 59;
  }
  return std::nullopt;
}

// A contract without market-data permission gets IB's 162 for historical requests too.
std::optional<RequestError> no_permission(const Scenario& s, int index) {
  if (s.market_data[static_cast<size_t>(index)].permission != LivePermission::kNone)
    return std::nullopt;
  const auto& c = s.contracts[static_cast<size_t>(index)].contract;
  return RequestError{162,
                      "Historical Market Data Service error message:No market data "
                      "permissions for " +
                          (c.primary_exchange.empty() ? c.exchange : c.primary_exchange) + " " +
                          c.sec_type};
}

}  // namespace

ContractLookup find_market_contract(const Scenario& s, const gw::Contract& query) {
  ContractLookup out;
  auto found = select_contracts(s, query);
  if (found.size() == 1) {
    out.index = static_cast<int>(found.front() - s.contracts.data());
    return out;
  }
  if (found.empty()) {
    out.error = RequestError{200, "No security definition has been found for the request"};
  } else {
    out.error = RequestError{
        200, "The contract description specified for " + query.symbol + " is ambiguous."};
  }
  return out;
}

std::string contract_label(const gw::Contract& c) {
  return (c.symbol.empty() ? std::to_string(c.con_id) : c.symbol) + "@" +
         (c.exchange.empty() ? std::string("SMART") : c.exchange);
}

std::vector<std::string> historical_data_answer(const Scenario& s, int sv,
                                                const gw::ReqHistoricalData& r, int64_t now) {
  auto found = find_market_contract(s, r.request.contract);
  if (found.error) return {error_payload(sv, r.req_id, found.error->code, found.error->message)};
  const auto& contract = s.contracts[static_cast<size_t>(found.index)].contract;
  if (auto e = no_permission(s, found.index))
    return {error_payload(sv, r.req_id, e->code, e->message)};
  HistoricalRequest q;
  q.end_date_time = r.request.end_date_time;
  q.duration = r.request.duration;
  q.bar_size = r.request.bar_size;
  q.what_to_show = r.request.what_to_show;
  q.use_rth = r.request.use_rth;
  q.format_date = r.request.format_date;
  auto a = answer_historical(s.market_data[static_cast<size_t>(found.index)], q, now,
                             contract_label(contract));
  if (a.error) return {error_payload(sv, r.req_id, a.error->code, a.error->message)};
  gw::HistoricalDataMsg m;
  m.req_id = r.req_id;
  m.start = a.start;
  m.end = a.end;
  m.bars.reserve(a.bars.size());
  for (const auto& b : a.bars) m.bars.push_back(to_wire(b));
  std::vector<std::string> out{gw::encode_historical_data(sv, m)};
  if (sv >= 196) {
    out.push_back(
        gw::encode_historical_data_end(sv, gw::HistoricalDataEnd{r.req_id, a.start, a.end}));
  }
  return out;
}

std::vector<std::string> head_timestamp_answer(const Scenario& s, int sv,
                                               const gw::ReqHeadTimestamp& r) {
  auto found = find_market_contract(s, r.request.contract);
  if (found.error) return {error_payload(sv, r.req_id, found.error->code, found.error->message)};
  const auto& contract = s.contracts[static_cast<size_t>(found.index)].contract;
  if (auto e = no_permission(s, found.index))
    return {error_payload(sv, r.req_id, e->code, e->message)};
  auto a =
      answer_head_timestamp(s.market_data[static_cast<size_t>(found.index)], r.request.what_to_show,
                            r.request.use_rth, r.request.format_date, contract_label(contract));
  if (a.error) return {error_payload(sv, r.req_id, a.error->code, a.error->message)};
  return {gw::encode_head_timestamp(sv, gw::HeadTimestampMsg{r.req_id, a.timestamp})};
}

Quote quote_at(const MarketDataSpec& md, int64_t now, bool delayed) {
  Quote q;
  auto t = last_session_second(md.hours, delayed ? now - kDelaySeconds : now);
  if (!t) return q;
  q.found = true;
  q.time = *t;
  const PriceSeries series(md.series);
  const Summary sec = series.second(*t);
  q.bid = series.price(sec.bid.o / 2.0);
  q.ask = series.price(sec.ask.o / 2.0);
  q.last = series.price(sec.trade.o / 2.0);
  q.last_size = sec.volume;
  q.bid_size = 100 * (1 + (*t * 7919) % 9);
  q.ask_size = 100 * (1 + (*t * 104729) % 9);
  // The day so far (all hours of the trading date up to t), and the previous day's close.
  const int date = trading_date(md.hours, *t);
  BarAccumulator day(WhatToShow::kTrades);
  int64_t first = *t - *t % 60;
  while (trading_date(md.hours, first - 60) == date && *t - first < 2 * 86400) first -= 60;
  for (int64_t m = first; m < *t - *t % 60; m += 60) {
    if (in_session(md.hours, false, m)) day.add(series.minute_summary(m / 60));
  }
  std::array<Summary, 60> block;
  series.minute_seconds(*t / 60, block);
  for (int64_t x = *t - *t % 60; x <= *t; ++x) day.add(block[static_cast<size_t>(x % 60)]);
  const auto d = day.bar(series);
  q.high = d.high, q.low = d.low, q.open = d.open;
  q.volume = static_cast<int64_t>(d.volume);
  if (auto prev = last_session_second(md.hours, first - 1)) {
    q.close = series.price(series.second(*prev).trade.c / 2.0);
  }
  return q;
}

SnapshotAnswer snapshot_answer(const Scenario& s, int sv, const gw::ReqMktData& r,
                               int market_data_type, int64_t now) {
  SnapshotAnswer out;
  auto error = [&](int code, std::string text) {
    out.payloads.push_back(error_payload(sv, r.req_id, code, std::move(text)));
    return out;
  };
  if (!r.request.generic_ticks.empty() && r.request.snapshot) {
    return error(321,
                 "Error validating request.-'bW' : cause - Snapshot market data "
                 "subscription is not applicable to generic ticks");
  }
  if (!r.request.options.empty()) {
    return error(321, "Error validating request.-'bW' : cause - mktDataOptions is not supported");
  }
  auto found = find_market_contract(s, r.request.contract);
  if (found.error) return error(found.error->code, found.error->message);
  const auto& details = s.contracts[static_cast<size_t>(found.index)];
  const auto& md = s.market_data[static_cast<size_t>(found.index)];
  if (md.permission == LivePermission::kNone) {
    return error(10168,
                 "Requested market data is not subscribed. Delayed market data is not "
                 "enabled.");
  }
  const bool delayed = md.permission == LivePermission::kDelayed;
  if (delayed) {
    out.payloads.push_back(
        error_payload(sv, r.req_id, 10167,
                      "Requested market data is not subscribed. Displaying delayed market data."));
  }
  const Quote q = quote_at(md, now, delayed);
  const bool frozen = (market_data_type == gw::market_data_type::kFrozen ||
                       market_data_type == gw::market_data_type::kDelayedFrozen) &&
                      !in_session(md.hours, false, now);
  int type = delayed ? gw::market_data_type::kDelayed : gw::market_data_type::kLive;
  if (frozen) type = delayed ? gw::market_data_type::kDelayedFrozen : gw::market_data_type::kFrozen;

  gw::TickReqParams params;
  params.req_id = r.req_id;
  params.min_tick = md.series.tick;
  params.bbo_exchange = "9c0001";
  params.snapshot_permissions = 3;
  out.payloads.push_back(gw::encode_tick_req_params(sv, params));
  out.payloads.push_back(gw::encode_market_data_type(sv, gw::MarketDataTypeMsg{r.req_id, type}));
  (void)details;
  if (q.found) {
    namespace t = gw::tick;
    auto tt = [&](int live, int late) { return delayed ? late : live; };
    auto price = [&](int tick_type, double p, std::string size, int attr) {
      out.payloads.push_back(
          gw::encode_tick_price(sv, gw::TickPrice{r.req_id, tick_type, p, std::move(size), attr}));
    };
    auto size = [&](int tick_type, int64_t v) {
      out.payloads.push_back(
          gw::encode_tick_size(sv, gw::TickSize{r.req_id, tick_type, std::to_string(v)}));
    };
    // As a gateway sends them: a price tick with its size riding along, then the size tick.
    price(tt(t::kBid, t::kDelayedBid), q.bid, std::to_string(q.bid_size), 1);
    size(tt(t::kBidSize, t::kDelayedBidSize), q.bid_size);
    price(tt(t::kAsk, t::kDelayedAsk), q.ask, std::to_string(q.ask_size), 1);
    size(tt(t::kAskSize, t::kDelayedAskSize), q.ask_size);
    price(tt(t::kLast, t::kDelayedLast), q.last, std::to_string(q.last_size), 0);
    size(tt(t::kLastSize, t::kDelayedLastSize), q.last_size);
    price(tt(t::kHigh, t::kDelayedHigh), q.high, "", 0);
    price(tt(t::kLow, t::kDelayedLow), q.low, "", 0);
    size(tt(t::kVolume, t::kDelayedVolume), q.volume);
    price(tt(t::kClose, t::kDelayedClose), q.close, "", 0);
    price(tt(t::kOpen, t::kDelayedOpen), q.open, "", 0);
    out.payloads.push_back(gw::encode_tick_string(
        sv, gw::TickString{r.req_id, tt(t::kLastTimestamp, t::kDelayedLastTimestamp),
                           std::to_string(q.time)}));
  }
  out.ends = true;
  return out;
}

}  // namespace intentq::sim
