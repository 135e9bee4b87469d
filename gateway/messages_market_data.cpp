// Market-data messages: historical bars (reqHistoricalData / HISTORICAL_DATA in both layouts /
// HISTORICAL_DATA_END / HISTORICAL_DATA_UPDATE / cancelHistoricalData), head timestamp
// (reqHeadTimestamp / HEAD_TIMESTAMP / cancelHeadTimestamp), and quote snapshots
// (reqMarketDataType, reqMktData / the tick messages / TICK_SNAPSHOT_END / cancelMktData).
// Layouts: IB's official clients at server versions 176..200 (none of these messages has a
// version gate inside that range except HISTORICAL_DATA's at 196).
#include <cmath>

#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

// From this version HISTORICAL_DATA no longer carries the range; HISTORICAL_DATA_END (108) does.
constexpr int kMinSvHistoricalDataEnd = 196;

constexpr int kReqMktDataVersion = 11;
constexpr int kCancelMktDataVersion = 2;
constexpr int kTickVersion = 6;  // what gateways send in TICK_PRICE/SIZE/GENERIC/STRING
constexpr size_t kBarFields = 8;
constexpr size_t kLegFields = 4;
constexpr size_t kMaxLegs = 64;

// The contract of reqHistoricalData, reqHeadTimestamp and reqMktData: conId .. tradingClass.
// Official clients print an unset strike as "0.0" here (see the captured requests).
template <class V>
void request_contract(V& v, Contract& c) {
  v.i64(c.con_id);
  v.str(c.symbol);
  v.str(c.sec_type);
  v.str(c.last_trade_date);
  strike(v, c.strike, Fmt::kJava);
  right(v, c.right, "");
  v.str(c.multiplier);
  v.str(c.exchange);
  v.str(c.primary_exchange);
  v.str(c.currency);
  v.str(c.local_symbol);
  v.str(c.trading_class);
}

// A BAG contract's legs (only for sec_type BAG).
template <class V>
void combo_legs(V& v, const Contract& c, std::vector<ComboLegRef>& legs) {
  if (c.sec_type != "BAG") return;
  size_t n = v.count(legs.size(), kLegFields, kMaxLegs);
  resize_for(v, legs, n);
  for (auto& leg : legs) {
    v.i64(leg.con_id);
    v.i32(leg.ratio);
    v.str(leg.action);
    v.str(leg.exchange);
  }
}

template <class V>
void req_historical_data_fields(V& v, ReqHistoricalData& m) {
  HistoricalDataRequest& r = m.request;
  v.i32(m.req_id);
  request_contract(v, r.contract);
  v.boolean(r.contract.include_expired);
  v.str(r.end_date_time);
  v.str(r.bar_size);  // bar size before duration on the wire (the API call has them reversed)
  v.str(r.duration);
  v.boolean(r.use_rth);
  v.str(r.what_to_show);
  v.i32(r.format_date);
  combo_legs(v, r.contract, r.legs);
  v.boolean(r.keep_up_to_date);
  v.str(r.chart_options);
}

template <class V>
void req_head_timestamp_fields(V& v, ReqHeadTimestamp& m) {
  HeadTimestampRequest& r = m.request;
  v.i32(m.req_id);
  request_contract(v, r.contract);
  v.boolean(r.contract.include_expired);
  v.boolean(r.use_rth);
  v.str(r.what_to_show);
  v.i32(r.format_date);
}

template <class V>
void req_mkt_data_fields(V& v, ReqMktData& m) {
  MarketDataRequest& r = m.request;
  v.version(kReqMktDataVersion);
  v.i32(m.req_id);
  request_contract(v, r.contract);
  combo_legs(v, r.contract, r.legs);
  bool has_delta_neutral = r.delta_neutral.has_value();
  v.boolean(has_delta_neutral);
  if (has_delta_neutral) {
    if constexpr (V::kDecoding) r.delta_neutral.emplace();
    v.i64(r.delta_neutral->con_id);
    v.dbl(r.delta_neutral->delta);
    v.dbl(r.delta_neutral->price);
  }
  v.str(r.generic_ticks);
  v.boolean(r.snapshot);
  v.boolean(r.regulatory_snapshot);
  v.str(r.options);
}

template <class V>
void bar_fields(V& v, Bar& b) {
  v.str(b.time);
  v.dbl(b.open);
  v.dbl(b.high);
  v.dbl(b.low);
  v.dbl(b.close);
  v.str(b.volume);
  v.str(b.wap);
  v.i32(b.count);
}

template <class V>
void historical_data_fields(V& v, HistoricalDataMsg& m) {
  v.i32(m.req_id);
  if (v.sv() < kMinSvHistoricalDataEnd) {
    v.str(m.start);
    v.str(m.end);
  }
  size_t n = v.count(m.bars.size(), kBarFields, kMaxBarsPerMessage);
  resize_for(v, m.bars, n);
  for (auto& b : m.bars) bar_fields(v, b);
  if constexpr (V::kDecoding) m.ends_answer = v.sv() < kMinSvHistoricalDataEnd;
}

template <class V>
void historical_data_end_fields(V& v, HistoricalDataEnd& m) {
  v.i32(m.req_id);
  v.str(m.start);
  v.str(m.end);
}

template <class V>
void historical_data_update_fields(V& v, HistoricalDataUpdate& m) {
  Bar& b = m.bar;
  v.i32(m.req_id);
  v.i32(m.bar_count);
  v.str(b.time);
  v.dbl(b.open);  // IB's order here: open, close, high, low, wap, volume
  v.dbl(b.close);
  v.dbl(b.high);
  v.dbl(b.low);
  v.str(b.wap);
  v.str(b.volume);
}

template <class V>
void head_timestamp_fields(V& v, HeadTimestampMsg& m) {
  v.i32(m.req_id);
  v.str(m.timestamp);
}

template <class V>
void tick_req_params_fields(V& v, TickReqParams& m) {
  v.i32(m.req_id);
  v.opt_dbl(m.min_tick);
  v.str(m.bbo_exchange);
  v.opt_i32(m.snapshot_permissions);
}

template <class V>
void market_data_type_fields(V& v, MarketDataTypeMsg& m) {
  v.version(1);
  v.i32(m.req_id);
  v.i32(m.type);
}

template <class V>
void tick_price_fields(V& v, TickPrice& m) {
  v.version(kTickVersion);
  v.i32(m.req_id);
  v.i32(m.tick_type);
  v.dbl(m.price);
  v.str(m.size);
  v.i32(m.attr_mask);
}

template <class V>
void tick_size_fields(V& v, TickSize& m) {
  v.version(kTickVersion);
  v.i32(m.req_id);
  v.i32(m.tick_type);
  v.str(m.size);
}

template <class V>
void tick_generic_fields(V& v, TickGeneric& m) {
  v.version(kTickVersion);
  v.i32(m.req_id);
  v.i32(m.tick_type);
  v.dbl(m.value);
}

template <class V>
void tick_string_fields(V& v, TickString& m) {
  v.version(kTickVersion);
  v.i32(m.req_id);
  v.i32(m.tick_type);
  v.str(m.value);
}

// Decoder and encoder of one message from its field sequence. The encoder runs the sequence on
// the caller's message itself instead of a copy (encode_with's way): the writing visitor only
// reads, and a 10,000-bar answer is not worth copying to print it.
#define INTENTQ_MD_CODEC(Type, fields_fn)                                                \
  Type decode_##fields_fn(int sv, FieldReader& r) {                                      \
    return decode_with<Type>(sv, r, [](auto& v, auto& m) { fields_fn##_fields(v, m); }); \
  }                                                                                      \
  std::string encode_##fields_fn##_payload(int sv, int id, const Type& m) {              \
    check_server_version(sv);                                                            \
    Writer w(sv, id);                                                                    \
    fields_fn##_fields(w, const_cast<Type&>(m));                                         \
    return w.payload();                                                                  \
  }

}  // namespace

INTENTQ_MD_CODEC(ReqHistoricalData, req_historical_data)
INTENTQ_MD_CODEC(ReqHeadTimestamp, req_head_timestamp)
INTENTQ_MD_CODEC(ReqMktData, req_mkt_data)
INTENTQ_MD_CODEC(HistoricalDataMsg, historical_data)
INTENTQ_MD_CODEC(HistoricalDataEnd, historical_data_end)
INTENTQ_MD_CODEC(HistoricalDataUpdate, historical_data_update)
INTENTQ_MD_CODEC(HeadTimestampMsg, head_timestamp)
INTENTQ_MD_CODEC(TickReqParams, tick_req_params)
INTENTQ_MD_CODEC(MarketDataTypeMsg, market_data_type)
INTENTQ_MD_CODEC(TickPrice, tick_price)
INTENTQ_MD_CODEC(TickSize, tick_size)
INTENTQ_MD_CODEC(TickGeneric, tick_generic)
INTENTQ_MD_CODEC(TickString, tick_string)

#undef INTENTQ_MD_CODEC

}  // namespace detail

using detail::version_and_req_id;

std::string encode_req_historical_data(int sv, int req_id, const HistoricalDataRequest& r) {
  return detail::encode_req_historical_data_payload(sv, msg_id::kReqHistoricalData,
                                                    ReqHistoricalData{req_id, r});
}
std::string encode_cancel_historical_data(int sv, int req_id) {
  return version_and_req_id(sv, msg_id::kCancelHistoricalData, req_id);
}
std::string encode_req_head_timestamp(int sv, int req_id, const HeadTimestampRequest& r) {
  return detail::encode_req_head_timestamp_payload(sv, msg_id::kReqHeadTimestamp,
                                                   ReqHeadTimestamp{req_id, r});
}
std::string encode_cancel_head_timestamp(int sv, int req_id) {
  detail::check_server_version(sv);  // no version field: just the id
  return FieldWriter().i64(msg_id::kCancelHeadTimestamp).i64(req_id).payload();
}
std::string encode_req_market_data_type(int sv, int type) {
  detail::check_server_version(sv);
  return FieldWriter().i64(msg_id::kReqMarketDataType).i64(1).i64(type).payload();
}
std::string encode_req_mkt_data(int sv, int req_id, const MarketDataRequest& r) {
  return detail::encode_req_mkt_data_payload(sv, msg_id::kReqMktData, ReqMktData{req_id, r});
}
std::string encode_cancel_mkt_data(int sv, int req_id) {
  detail::check_server_version(sv);
  return FieldWriter()
      .i64(msg_id::kCancelMktData)
      .i64(detail::kCancelMktDataVersion)
      .i64(req_id)
      .payload();
}

std::string encode_historical_data(int sv, const HistoricalDataMsg& m) {
  return detail::encode_historical_data_payload(sv, msg_id::kHistoricalData, m);
}
std::string encode_historical_data_end(int sv, const HistoricalDataEnd& m) {
  if (sv < detail::kMinSvHistoricalDataEnd)
    throw CodecError("HISTORICAL_DATA_END does not exist below server version 196 (sv " +
                     std::to_string(sv) + ")");
  return detail::encode_historical_data_end_payload(sv, msg_id::kHistoricalDataEnd, m);
}
std::string encode_historical_data_update(int sv, const HistoricalDataUpdate& m) {
  return detail::encode_historical_data_update_payload(sv, msg_id::kHistoricalDataUpdate, m);
}
std::string encode_head_timestamp(int sv, const HeadTimestampMsg& m) {
  return detail::encode_head_timestamp_payload(sv, msg_id::kHeadTimestamp, m);
}
std::string encode_tick_req_params(int sv, const TickReqParams& m) {
  return detail::encode_tick_req_params_payload(sv, msg_id::kTickReqParams, m);
}
std::string encode_market_data_type(int sv, const MarketDataTypeMsg& m) {
  return detail::encode_market_data_type_payload(sv, msg_id::kMarketDataType, m);
}
std::string encode_tick_price(int sv, const TickPrice& m) {
  return detail::encode_tick_price_payload(sv, msg_id::kTickPrice, m);
}
std::string encode_tick_size(int sv, const TickSize& m) {
  return detail::encode_tick_size_payload(sv, msg_id::kTickSize, m);
}
std::string encode_tick_generic(int sv, const TickGeneric& m) {
  return detail::encode_tick_generic_payload(sv, msg_id::kTickGeneric, m);
}
std::string encode_tick_string(int sv, const TickString& m) {
  return detail::encode_tick_string_payload(sv, msg_id::kTickString, m);
}
std::string encode_tick_snapshot_end(int sv, const TickSnapshotEnd& m) {
  return version_and_req_id(sv, msg_id::kTickSnapshotEnd, m.req_id);
}

// ---- market_data.hpp helpers ----

bool is_delayed_tick(int t) {
  return (t >= tick::kDelayedBid && t <= tick::kDelayedOpen) || t == tick::kDelayedLastTimestamp;
}

int live_tick_type(int t) {
  switch (t) {
    case tick::kDelayedBid:
      return tick::kBid;
    case tick::kDelayedAsk:
      return tick::kAsk;
    case tick::kDelayedLast:
      return tick::kLast;
    case tick::kDelayedBidSize:
      return tick::kBidSize;
    case tick::kDelayedAskSize:
      return tick::kAskSize;
    case tick::kDelayedLastSize:
      return tick::kLastSize;
    case tick::kDelayedHigh:
      return tick::kHigh;
    case tick::kDelayedLow:
      return tick::kLow;
    case tick::kDelayedVolume:
      return tick::kVolume;
    case tick::kDelayedClose:
      return tick::kClose;
    case tick::kDelayedOpen:
      return tick::kOpen;
    case tick::kDelayedLastTimestamp:
      return tick::kLastTimestamp;
    default:
      return t;
  }
}

int size_tick_for_price(int t) {
  switch (t) {
    case tick::kBid:
      return tick::kBidSize;
    case tick::kAsk:
      return tick::kAskSize;
    case tick::kLast:
      return tick::kLastSize;
    case tick::kDelayedBid:
      return tick::kDelayedBidSize;
    case tick::kDelayedAsk:
      return tick::kDelayedAskSize;
    case tick::kDelayedLast:
      return tick::kDelayedLastSize;
    default:
      return -1;
  }
}

std::optional<double> decimal_value(std::string_view text) {
  if (text.empty() || text == "-1") return std::nullopt;
  // The field reader knows IB's unset spellings (types.hpp conventions): read `text` as a field.
  std::string s(text);
  s.push_back('\0');
  FieldReader r{std::string_view(s)};
  std::optional<double> v;
  try {
    v = r.opt_decimal();
  } catch (const CodecError&) {
    return std::nullopt;
  }
  if (!v || !std::isfinite(*v) || *v == -1) return std::nullopt;
  return v;
}

bool MarketDataSnapshot::delayed() const {
  for (int t : tick_types)
    if (is_delayed_tick(t)) return true;
  return false;
}

}  // namespace intentq::gw
