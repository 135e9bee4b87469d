// Market-data messages: historical bars (reqHistoricalData / HISTORICAL_DATA in both layouts /
// HISTORICAL_DATA_END / HISTORICAL_DATA_UPDATE / cancelHistoricalData), head timestamp
// (reqHeadTimestamp / HEAD_TIMESTAMP / cancelHeadTimestamp), and quote snapshots
// (reqMarketDataType, reqMktData / the tick messages / TICK_SNAPSHOT_END / cancelMktData).
// Layouts: IB's official clients at server versions 176..200 (none of these messages has a
// version gate inside that range except HISTORICAL_DATA's at 196).
#include <cmath>
#include <type_traits>
#include <utility>

#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

constexpr int kReqMktDataVersion = 11;
constexpr int kCancelMktDataVersion = 2;
constexpr int kTickVersion = 6;  // what gateways send in TICK_PRICE/SIZE/GENERIC/STRING
constexpr size_t kBarFields = 8;
constexpr size_t kLegFields = 4;
constexpr size_t kMaxLegs = 64;

// A BAG contract's legs (only for sec_type BAG).
template <class V>
void combo_legs(V& v, const Contract& c, std::vector<ComboLegRef>& legs) {
  if (c.sec_type != "BAG") return;
  size_t n = v.count(legs.size(), kLegFields, kMaxLegs);
  resize_for(v, legs, n);
  for (auto& leg : legs) {
    v.i64(leg.con_id);
    v.i32(leg.ratio);
    v.strs(leg.action, leg.exchange);
  }
}

template <class V>
void req_historical_data_fields(V& v, ReqHistoricalData& m) {
  HistoricalDataRequest& r = m.request;
  v.i32(m.req_id);
  request_contract(v, r.contract, Fmt::kJava);
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
  request_contract(v, r.contract, Fmt::kJava);
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
  request_contract(v, r.contract, Fmt::kJava);
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
  v.strs(b.volume, b.wap);
  v.i32(b.count);
}

template <class V>
void historical_data_fields(V& v, HistoricalDataMsg& m) {
  v.i32(m.req_id);
  if (v.sv() < kMinSvHistoricalDataEnd) {
    v.strs(m.start, m.end);
  }
  size_t n = v.count(m.bars.size(), kBarFields, kMaxBarsPerMessage);
  resize_for(v, m.bars, n);
  for (auto& b : m.bars) bar_fields(v, b);
  if constexpr (V::kDecoding) m.ends_answer = v.sv() < kMinSvHistoricalDataEnd;
}

template <class V>
void historical_data_end_fields(V& v, HistoricalDataEnd& m) {
  v.i32(m.req_id);
  v.strs(m.start, m.end);
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
  v.strs(b.wap, b.volume);
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

// The four tick messages: version, req id and tick type, then their value fields.
template <class V, class Tick>
void tick_fields(V& v, Tick& m) {
  v.version(kTickVersion);
  v.i32(m.req_id);
  v.i32(m.tick_type);
  if constexpr (std::is_same_v<Tick, TickPrice>) {
    v.dbl(m.price);
    v.str(m.size);
    v.i32(m.attr_mask);
  } else if constexpr (std::is_same_v<Tick, TickSize>) {
    v.str(m.size);
  } else if constexpr (std::is_same_v<Tick, TickGeneric>) {
    v.dbl(m.value);
  } else {
    static_assert(std::is_same_v<Tick, TickString>);
    v.str(m.value);
  }
}

// Decoder and encoder of one message from its field sequence. The encoder runs the sequence on
// the caller's message itself instead of a copy (encode_with's way): the writing visitor only
// reads, and a 10,000-bar answer is not worth copying to print it.
#define INTENTQ_MD_CODEC(Type, name, fields)                                 \
  Type decode_##name(int sv, FieldReader& r) {                               \
    return decode_with<Type>(sv, r, [](auto& v, auto& m) { fields(v, m); }); \
  }                                                                          \
  std::string encode_##name##_payload(int sv, int id, const Type& m) {       \
    check_server_version(sv);                                                \
    Writer w(sv, id);                                                        \
    fields(w, const_cast<Type&>(m));                                         \
    return w.payload();                                                      \
  }

}  // namespace

INTENTQ_MD_CODEC(ReqHistoricalData, req_historical_data, req_historical_data_fields)
INTENTQ_MD_CODEC(ReqHeadTimestamp, req_head_timestamp, req_head_timestamp_fields)
INTENTQ_MD_CODEC(ReqMktData, req_mkt_data, req_mkt_data_fields)
INTENTQ_MD_CODEC(HistoricalDataMsg, historical_data, historical_data_fields)
INTENTQ_MD_CODEC(HistoricalDataEnd, historical_data_end, historical_data_end_fields)
INTENTQ_MD_CODEC(HistoricalDataUpdate, historical_data_update, historical_data_update_fields)
INTENTQ_MD_CODEC(HeadTimestampMsg, head_timestamp, head_timestamp_fields)
INTENTQ_MD_CODEC(TickReqParams, tick_req_params, tick_req_params_fields)
INTENTQ_MD_CODEC(MarketDataTypeMsg, market_data_type, market_data_type_fields)
INTENTQ_MD_CODEC(TickPrice, tick_price, tick_fields)
INTENTQ_MD_CODEC(TickSize, tick_size, tick_fields)
INTENTQ_MD_CODEC(TickGeneric, tick_generic, tick_fields)
INTENTQ_MD_CODEC(TickString, tick_string, tick_fields)

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

// The server messages whose encoder is their field sequence under their id.
#define INTENTQ_MD_ENCODE(Type, name, id)              \
  std::string encode_##name(int sv, const Type& m) {   \
    return detail::encode_##name##_payload(sv, id, m); \
  }
INTENTQ_MD_ENCODE(HistoricalDataMsg, historical_data, msg_id::kHistoricalData)
INTENTQ_MD_ENCODE(HistoricalDataUpdate, historical_data_update, msg_id::kHistoricalDataUpdate)
INTENTQ_MD_ENCODE(HeadTimestampMsg, head_timestamp, msg_id::kHeadTimestamp)
INTENTQ_MD_ENCODE(TickReqParams, tick_req_params, msg_id::kTickReqParams)
INTENTQ_MD_ENCODE(MarketDataTypeMsg, market_data_type, msg_id::kMarketDataType)
INTENTQ_MD_ENCODE(TickPrice, tick_price, msg_id::kTickPrice)
INTENTQ_MD_ENCODE(TickSize, tick_size, msg_id::kTickSize)
INTENTQ_MD_ENCODE(TickGeneric, tick_generic, msg_id::kTickGeneric)
INTENTQ_MD_ENCODE(TickString, tick_string, msg_id::kTickString)
#undef INTENTQ_MD_ENCODE

std::string encode_historical_data_end(int sv, const HistoricalDataEnd& m) {
  if (sv < detail::kMinSvHistoricalDataEnd)
    throw CodecError("HISTORICAL_DATA_END does not exist below server version 196 (sv " +
                     std::to_string(sv) + ")");
  return detail::encode_historical_data_end_payload(sv, msg_id::kHistoricalDataEnd, m);
}
std::string encode_tick_snapshot_end(int sv, const TickSnapshotEnd& m) {
  return version_and_req_id(sv, msg_id::kTickSnapshotEnd, m.req_id);
}

// ---- market_data.hpp helpers ----

bool is_delayed_tick(int t) {
  return (t >= tick::kDelayedBid && t <= tick::kDelayedOpen) || t == tick::kDelayedLastTimestamp;
}

namespace {

// Each delayed tick type and the live type it stands for.
constexpr std::pair<int, int> kDelayedToLive[] = {
    {tick::kDelayedBid, tick::kBid},         {tick::kDelayedAsk, tick::kAsk},
    {tick::kDelayedLast, tick::kLast},       {tick::kDelayedBidSize, tick::kBidSize},
    {tick::kDelayedAskSize, tick::kAskSize}, {tick::kDelayedLastSize, tick::kLastSize},
    {tick::kDelayedHigh, tick::kHigh},       {tick::kDelayedLow, tick::kLow},
    {tick::kDelayedVolume, tick::kVolume},   {tick::kDelayedClose, tick::kClose},
    {tick::kDelayedOpen, tick::kOpen},       {tick::kDelayedLastTimestamp, tick::kLastTimestamp},
};

// Each price tick type and the size tick type that goes with it.
constexpr std::pair<int, int> kPriceToSize[] = {
    {tick::kBid, tick::kBidSize},
    {tick::kAsk, tick::kAskSize},
    {tick::kLast, tick::kLastSize},
    {tick::kDelayedBid, tick::kDelayedBidSize},
    {tick::kDelayedAsk, tick::kDelayedAskSize},
    {tick::kDelayedLast, tick::kDelayedLastSize},
};

template <size_t N>
int lookup(const std::pair<int, int> (&table)[N], int key, int otherwise) {
  for (auto [k, v] : table)
    if (k == key) return v;
  return otherwise;
}

}  // namespace

int live_tick_type(int t) {
  return lookup(kDelayedToLive, t, t);
}

int size_tick_for_price(int t) {
  return lookup(kPriceToSize, t, -1);
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
