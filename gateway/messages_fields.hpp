// Internal to the codec: one field sequence per message, walked by an encoding or a decoding
// visitor. Each message defines `template <class V> void fields(V& v, int sv, T& m)`; the same
// function both writes and reads, so the two directions cannot drift apart. Conditional groups
// test values that the visitor has already produced (read from the wire, or taken from the
// struct being written), which is exactly how the official decoders branch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/server_versions.hpp"
#include "gateway/types.hpp"
#include "gateway/wire.hpp"

namespace intentq::gw::detail {

// How a writer spells an unset optional number. Readers accept every spelling.
enum class Unset {
  kEmpty,    // ""  (what clients send, and most gateway fields)
  kMaxInt,   // "2147483647"
  kMaxDbl,   // "1.7976931348623157E308"
  kMinLong,  // "-9223372036854775808" (an unset Decimal as captured in openOrder, sv >= 195)
};
// How a writer prints a double: shortest ("0", "201.94") or Java-style ("0.0", "201.94").
enum class Fmt { kShort, kJava };

class Writer {
 public:
  static constexpr bool kDecoding = false;
  Writer(int sv, int msg_id) : sv_(sv) { w_.i64(msg_id); }
  int sv() const { return sv_; }

  void version(int n) { w_.i64(n); }
  void str(std::string& s) { w_.str(s); }
  // Several string fields in a row.
  template <class... S>
  void strs(S&... s) {
    (str(s), ...);
  }
  void text(std::string& s) { w_.str(escape_unicode(s)); }  // IB's "\uXXXX" escaping
  void i64(int64_t& v) { w_.i64(v); }
  void i32(int& v) { w_.i64(v); }
  void boolean(bool& b) { w_.boolean(b); }
  void dbl(double& v, Fmt f = Fmt::kShort) { f == Fmt::kJava ? w_.java_dbl(v) : w_.dbl(v); }
  void decimal(double& v) { w_.decimal(v); }
  void opt_i64(std::optional<int64_t>& v, Unset u = Unset::kEmpty) {
    if (v) return (void)w_.i64(*v);
    unset(u);
  }
  void opt_i32(std::optional<int>& v, Unset u = Unset::kEmpty) {
    if (v) return (void)w_.i64(*v);
    unset(u);
  }
  void opt_dbl(std::optional<double>& v, Unset u = Unset::kEmpty, Fmt f = Fmt::kShort) {
    if (v) return dbl(*v, f);
    unset(u);
  }
  void opt_decimal(std::optional<double>& v, Unset u = Unset::kEmpty) {
    if (v) return (void)w_.decimal(*v);
    unset(u);
  }
  // A count before a repeated group; returns how many items follow.
  size_t count(size_t n) {
    w_.i64(static_cast<int64_t>(n));
    return n;
  }
  size_t count(size_t n, size_t /*fields_per_item*/, size_t /*max_items*/) { return count(n); }
  std::string payload() const { return w_.payload(); }
  size_t fields() const { return w_.fields(); }

 private:
  void unset(Unset u) {
    // Each Unset's spelling, in the enum's order.
    static constexpr std::string_view kSpellings[] = {"", "2147483647", "1.7976931348623157E308",
                                                      "-9223372036854775808"};
    w_.str(kSpellings[static_cast<size_t>(u)]);
  }
  int sv_;
  FieldWriter w_;
};

class Reader {
 public:
  static constexpr bool kDecoding = true;
  // `r` is positioned after the message id.
  Reader(int sv, FieldReader& r) : sv_(sv), r_(r) {}
  int sv() const { return sv_; }

  void version(int) { r_.str(); }  // message versions are implied by sv; read and ignore
  void str(std::string& s) { s = std::string(r_.str()); }
  template <class... S>
  void strs(S&... s) {
    (str(s), ...);
  }
  void text(std::string& s) { s = unescape_unicode(r_.str()); }
  void i64(int64_t& v) { v = r_.i64(); }
  void i32(int& v) { v = r_.i32(); }
  void boolean(bool& b) { b = r_.boolean(); }
  void dbl(double& v, Fmt = Fmt::kShort) { v = r_.dbl(); }
  void decimal(double& v) { v = r_.decimal(); }
  void opt_i64(std::optional<int64_t>& v, Unset = Unset::kEmpty) { v = r_.opt_i64(); }
  void opt_i32(std::optional<int>& v, Unset = Unset::kEmpty) { v = r_.opt_i32(); }
  void opt_dbl(std::optional<double>& v, Unset = Unset::kEmpty, Fmt = Fmt::kShort) {
    v = r_.opt_dbl();
  }
  void opt_decimal(std::optional<double>& v, Unset = Unset::kEmpty) { v = r_.opt_decimal(); }
  size_t count(size_t) {
    int64_t n = r_.i64();
    // Every item takes at least one field, so a count beyond the remaining fields is garbage;
    // checking here also stops a hostile count from allocating gigabytes.
    if (n < 0 || static_cast<uint64_t>(n) > r_.remaining_fields())
      throw CodecError("field #" + std::to_string(r_.field_index()) + ": bad count " +
                       std::to_string(n));
    return static_cast<size_t>(n);
  }
  // A count whose items take at least `fields_per_item` fields each, and at most `max_items` of
  // them: a hostile count cannot make the decoder allocate more than the payload could fill.
  size_t count(size_t, size_t fields_per_item, size_t max_items) {
    int64_t n = r_.i64();
    if (n < 0 || static_cast<uint64_t>(n) > max_items ||
        static_cast<uint64_t>(n) * fields_per_item > r_.remaining_fields())
      throw CodecError("field #" + std::to_string(r_.field_index()) + ": bad count " +
                       std::to_string(n));
    return static_cast<size_t>(n);
  }

 private:
  int sv_;
  FieldReader& r_;
};

// Sizes a vector for a counted group: the reader makes room, the writer keeps what it has.
template <class V, class T>
void resize_for(V& v, std::vector<T>& items, size_t n) {
  if constexpr (V::kDecoding) items.assign(n, T{});
}

// A contract's strike: IB sends 0 (or empty / DBL_MAX) when there is none; the model keeps
// std::nullopt for all of those.
template <class V>
void strike(V& v, std::optional<double>& s, Fmt f) {
  if constexpr (V::kDecoding) {
    std::optional<double> o;
    v.opt_dbl(o);
    s = (o && *o != 0) ? o : std::nullopt;
  } else {
    double d = s.value_or(0.0);
    v.dbl(d, f);
  }
}

// An option right: IB sends "?" (openOrder) or "" for none; the model keeps "".
template <class V>
void right(V& v, std::string& r, std::string_view none_as) {
  if constexpr (V::kDecoding) {
    v.str(r);
    if (r == "?") r.clear();
  } else {
    std::string out = r.empty() ? std::string(none_as) : r;
    v.str(out);
  }
}

// The 11 contract fields position, execDetails and openOrder share (after conId... tradingClass).
// Gateways print the strike differently per message, hence `strike_fmt` and `right_none`.
template <class V>
void short_contract(V& v, Contract& c, Fmt strike_fmt, std::string_view right_none) {
  v.i64(c.con_id);
  v.strs(c.symbol, c.sec_type, c.last_trade_date);
  strike(v, c.strike, strike_fmt);
  right(v, c.right, right_none);
  v.strs(c.multiplier, c.exchange, c.currency, c.local_symbol, c.trading_class);
}

// The contract as requests carry it (reqContractDetails, reqHistoricalData, reqHeadTimestamp,
// reqMktData): conId .. tradingClass, with the primary exchange. Official clients print an unset
// strike as "0" in reqContractDetails and as "0.0" in the market-data requests, hence `strike_fmt`.
template <class V>
void request_contract(V& v, Contract& c, Fmt strike_fmt) {
  v.i64(c.con_id);
  v.strs(c.symbol, c.sec_type, c.last_trade_date);
  strike(v, c.strike, strike_fmt);
  right(v, c.right, "");
  v.strs(c.multiplier, c.exchange, c.primary_exchange, c.currency, c.local_symbol, c.trading_class);
}

// A counted list of (tag, value) string pairs: secIdList, algo params, smart-combo routing
// params, ineligibility reasons.
template <class V>
void tag_values(V& v, std::vector<std::pair<std::string, std::string>>& items) {
  size_t n = v.count(items.size());
  resize_for(v, items, n);
  for (auto& [tag, value] : items) {
    v.strs(tag, value);
  }
}

// Throws CodecError unless sv is a layout this codec knows
// (kOldestLayoutVersion..kMaxServerVersion).
void check_server_version(int sv);

// Runs `fields` over a copy of `m` and returns the payload; throws for an unknown sv.
template <class T, class F>
std::string encode_with(int sv, int msg_id, const T& m, F&& fields) {
  check_server_version(sv);
  Writer w(sv, msg_id);
  T copy = m;
  fields(w, copy);
  return w.payload();
}

// Runs `fields` to fill a fresh T from `r` (positioned after the message id).
template <class T, class F>
T decode_with(int sv, FieldReader& r, F&& fields) {
  Reader rd(sv, r);
  T m{};
  fields(rd, m);
  return m;
}

// The many messages that are just "id, version 1 [, req id]".
inline std::string version_only(int sv, int id) {
  check_server_version(sv);
  return FieldWriter().i64(id).i64(1).payload();
}
inline std::string version_and_req_id(int sv, int id, int req_id) {
  check_server_version(sv);
  return FieldWriter().i64(id).i64(1).i64(req_id).payload();
}

// Per-family decoders behind decode_server_message / decode_client_message; `r` is positioned
// after the message id.
ManagedAccounts decode_managed_accounts(int sv, FieldReader& r);
NextValidId decode_next_valid_id(int sv, FieldReader& r);
ErrorMessage decode_error(int sv, FieldReader& r);
CurrentTime decode_current_time(int sv, FieldReader& r);
StartApi decode_start_api(int sv, FieldReader& r);
PositionMsg decode_position(int sv, FieldReader& r);
AccountSummaryMsg decode_account_summary(int sv, FieldReader& r);
ReqAccountSummary decode_req_account_summary(int sv, FieldReader& r);
ExecDetailsMsg decode_exec_details(int sv, FieldReader& r);
CommissionReport decode_commission_report(int sv, FieldReader& r);
ReqExecutions decode_req_executions(int sv, FieldReader& r);
OpenOrder decode_open_order(int sv, FieldReader& r);
OrderStatus decode_order_status(int sv, FieldReader& r);
ContractDataMsg decode_contract_data(int sv, FieldReader& r);
ReqContractDetails decode_req_contract_details(int sv, FieldReader& r);
// Market data (messages_market_data.cpp).
ReqHistoricalData decode_req_historical_data(int sv, FieldReader& r);
ReqHeadTimestamp decode_req_head_timestamp(int sv, FieldReader& r);
ReqMktData decode_req_mkt_data(int sv, FieldReader& r);
HistoricalDataMsg decode_historical_data(int sv, FieldReader& r);
HistoricalDataEnd decode_historical_data_end(int sv, FieldReader& r);
HistoricalDataUpdate decode_historical_data_update(int sv, FieldReader& r);
HeadTimestampMsg decode_head_timestamp(int sv, FieldReader& r);
TickReqParams decode_tick_req_params(int sv, FieldReader& r);
MarketDataTypeMsg decode_market_data_type(int sv, FieldReader& r);
TickPrice decode_tick_price(int sv, FieldReader& r);
TickSize decode_tick_size(int sv, FieldReader& r);
TickGeneric decode_tick_generic(int sv, FieldReader& r);
TickString decode_tick_string(int sv, FieldReader& r);
// The ends and the field-less requests: `version` then (for some) a req id.
int decode_version_and_req_id(FieldReader& r);

}  // namespace intentq::gw::detail
