#include "common/params_schema.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include <msgpack.hpp>

#include "common/market_data_params.hpp"
#include "common/strings.hpp"

// The schema table below uses designated initializers and leaves the members it does not need at
// their defaults; -Wextra's missing-field-initializers would flag every row of it.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace intentq::params {
namespace {

constexpr size_t kMaxDepth = 64;  // as the envelope rules (common/msgpack_codec.hpp)

// A msgpack-c stream appending to a string (the canonical form).
struct Out {
  std::string& bytes;
  void write(const char* data, size_t n) { bytes.append(data, n); }
};

[[noreturn]] void fail(std::string_view name, std::string_view what) {
  throw ParamsError("param '" + std::string(name) + "' " + std::string(what));
}

// IB's execution filter time: "yyyymmdd hh:mm:ss" or "yyyymmdd-hh:mm:ss", optionally followed by
// a space and a time zone ("US/Eastern", "UTC").
std::string check_filter_time(const Value& v) {
  const std::string_view t = std::get<std::string>(v);
  auto digit = [&](size_t i) {
    return i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]));
  };
  bool ok = true;
  for (size_t i = 0; i < 8; ++i) ok = ok && digit(i);
  ok = ok && t.size() >= 17 && (t[8] == ' ' || t[8] == '-') && digit(9) && digit(10) &&
       t[11] == ':' && digit(12) && digit(13) && t[14] == ':' && digit(15) && digit(16) &&
       (t.size() == 17 || (t[17] == ' ' && t.size() > 18));
  return ok ? "" : "must look like \"yyyymmdd hh:mm:ss\" (optionally followed by a time zone)";
}

std::string check_tags(const Value& v) {
  const auto& list = std::get<std::vector<std::string>>(v);
  if (list.empty()) return "must name at least one tag";
  for (const auto& tag : list) {
    const bool ledger = tag == "$LEDGER" || tag == "$LEDGER:ALL" ||
                        (tag.size() == 11 && tag.rfind("$LEDGER:", 0) == 0 &&
                         std::all_of(tag.begin() + 8, tag.end(), [](char c) {
                           return std::isupper(static_cast<unsigned char>(c));
                         }));
    if (!ledger && std::find(kKnownAccountTags.begin(), kKnownAccountTags.end(), tag) ==
                       kKnownAccountTags.end())
      return "unknown account summary tag '" + tag + "' (known: " + join(kKnownAccountTags, ", ") +
             ", $LEDGER, $LEDGER:ALL, $LEDGER:<CURRENCY>)";
  }
  return "";
}

std::string check_contract_identity(const Parsed& p) {
  const bool by_id = p.integer("con_id").value_or(0) > 0;
  const bool by_symbol =
      !p.string("sec_type").value_or("").empty() &&
      (!p.string("symbol").value_or("").empty() || !p.string("local_symbol").value_or("").empty());
  const bool by_sec_id =
      !p.string("sec_id_type").value_or("").empty() && !p.string("sec_id").value_or("").empty();
  if (by_id || by_symbol || by_sec_id) return "";
  return "contract_details needs param 'con_id', or 'symbol' (or 'local_symbol') with "
         "'sec_type', or 'sec_id_type' with 'sec_id'";
}

// The market-data intents (issue 19): a contract as reqHistoricalData / reqHeadTimestamp /
// reqMktData take it (no secId fields), named as contract_details names its params.
std::string check_market_contract(const Parsed& p, std::string_view intent) {
  const bool by_id = p.integer("con_id").value_or(0) > 0;
  const bool by_symbol = !p.string("sec_type").value_or("").empty() &&
                         (!p.string("symbol").value_or("").empty() ||
                          !p.string("local_symbol").value_or("").empty()) &&
                         !p.string("exchange").value_or("").empty() &&
                         !p.string("currency").value_or("").empty();
  if (by_id || by_symbol) return "";
  return std::string(intent) +
         " needs param 'con_id', or 'symbol' (or 'local_symbol') with 'sec_type', 'exchange' and "
         "'currency'";
}

std::string check_historical_bars(const Parsed& p) {
  if (auto e = check_market_contract(p, "historical_bars"); !e.empty()) return e;
  if (!p.string("duration")) return "historical_bars needs param 'duration' (e.g. \"1 D\")";
  if (!p.string("bar_size")) return "historical_bars needs param 'bar_size' (e.g. \"1 min\")";
  if (auto e = market_data::step_error(*p.string("bar_size"), *p.string("duration")); !e.empty())
    return e;
  return "";
}
std::string check_head_timestamp(const Parsed& p) {
  return check_market_contract(p, "head_timestamp");
}
std::string check_quote(const Parsed& p) {
  return check_market_contract(p, "quote");
}

std::string check_duration(const Value& v) {
  return market_data::duration_error(std::get<std::string>(v));
}
std::string check_end(const Value& v) {
  return market_data::iso_error(std::get<std::string>(v));
}

const std::vector<std::string_view> kSecTypes{
    "STK", "OPT",  "FUT",  "CASH",  "BOND", "CFD",  "FOP",   "WAR", "IOPT", "FWD", "BAG",
    "IND", "BILL", "FUND", "FIXED", "SLB",  "NEWS", "CMDTY", "BSK", "ICU",  "ICS", "CRYPTO"};

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// The params every intent shares.
Param account() {
  return {.name = "account", .trim = true, .non_empty = true};
}
Param text(std::string_view name) {  // a free string field; "" is the same as absent
  return {.name = name, .trim = true, .default_value = Value(std::string())};
}
Param sec_type() {
  // Upper-cased but not trimmed, as the worker always did: " STK" is refused, not guessed.
  return {.name = "sec_type", .upper = true, .allowed = kSecTypes};
}
// A trimmed, upper-cased choice among `allowed`; `aliases` take other spellings to them.
Param choice(std::string_view name,
             std::vector<std::pair<std::string_view, std::string_view>> aliases,
             std::vector<std::string_view> allowed, std::string_view not_allowed = {}) {
  return {.name = name,
          .trim = true,
          .upper = true,
          .aliases = std::move(aliases),
          .allowed = std::move(allowed),
          .not_allowed = not_allowed};
}
// The contract fields conId .. tradingClass, in the order contract_details lists them.
std::vector<Param> contract_fields() {
  return {
      {.name = "con_id", .kind = Kind::kInteger, .min = 1, .max = kInt64Max},
      text("symbol"),
      sec_type(),
      text("last_trade_date"),
      {.name = "strike", .kind = Kind::kNumber, .positive = true},
      choice("right", {{"CALL", "C"}, {"PUT", "P"}}, {"C", "P"}, "must be C or P (or CALL/PUT)"),
      text("multiplier"),
      text("exchange"),
      text("primary_exchange"),
      text("currency"),
      text("local_symbol"),
      text("trading_class")};
}
Param include_expired() {
  return {.name = "include_expired", .kind = Kind::kBoolean, .default_value = Value(false)};
}
// The contract params of the market-data intents.
std::vector<Param> market_contract() {
  auto params = contract_fields();
  params.push_back(include_expired());
  return params;
}
// contract_details: the contract fields, a security id, include_expired.
std::vector<Param> contract_details_params() {
  auto params = contract_fields();
  params.push_back(text("sec_id_type"));
  params.push_back(text("sec_id"));
  params.push_back(include_expired());
  return params;
}
Param bar_size() {
  const auto sizes = market_data::bar_sizes();
  const auto aliases = market_data::bar_size_aliases();
  Param p{.name = "bar_size", .trim = true, .aliases = {aliases.begin(), aliases.end()}};
  for (const auto& b : sizes) p.allowed.push_back(b.name);
  return p;
}
Param what_to_show() {
  const auto values = market_data::what_to_show_values();
  auto p = choice("what_to_show", {}, {values.begin(), values.end()});
  p.default_value = Value("TRADES");
  return p;
}
// IB's names (LIVE, ...) are taken too; the canonical form is lower case.
Param market_data_type() {
  auto p = choice("market_data_type",
                  {{"LIVE", "live"},
                   {"FROZEN", "frozen"},
                   {"DELAYED", "delayed"},
                   {"DELAYED_FROZEN", "delayed_frozen"}},
                  {"live", "frozen", "delayed", "delayed_frozen"});
  p.default_value = Value("live");
  return p;
}
Param use_rth() {
  return {.name = "use_rth", .kind = Kind::kBoolean, .default_value = Value(true)};
}
// Pins the job to the workers of one gateway (their --gateway-id); docs/protocol.md §6.7.
Param gateway() {
  return {.name = "gateway", .trim = true, .non_empty = true};
}
std::vector<Param> with(std::vector<Param> params, std::initializer_list<Param> more) {
  params.insert(params.end(), more.begin(), more.end());
  return params;
}

Param group() {
  return {.name = "group", .trim = true, .non_empty = true, .default_value = Value("All")};
}
Param tags() {
  return {.name = "tags",
          .kind = Kind::kStringList,
          .check = check_tags,
          .default_value = Value(kDefaultAccountTags)};
}

}  // namespace

const std::vector<std::string> kDefaultAccountTags{
    "AccountType",    "NetLiquidation",      "TotalCashValue",     "SettledCash",
    "BuyingPower",    "EquityWithLoanValue", "GrossPositionValue", "InitMarginReq",
    "MaintMarginReq", "AvailableFunds",      "ExcessLiquidity",    "Cushion",
    "Leverage"};

const std::vector<std::string> kKnownAccountTags{
    "AccountType",
    "NetLiquidation",
    "TotalCashValue",
    "SettledCash",
    "AccruedCash",
    "BuyingPower",
    "EquityWithLoanValue",
    "PreviousEquityWithLoanValue",
    "GrossPositionValue",
    "ReqTEquity",
    "ReqTMargin",
    "SMA",
    "InitMarginReq",
    "MaintMarginReq",
    "AvailableFunds",
    "ExcessLiquidity",
    "Cushion",
    "FullInitMarginReq",
    "FullMaintMarginReq",
    "FullAvailableFunds",
    "FullExcessLiquidity",
    "LookAheadNextChange",
    "LookAheadInitMarginReq",
    "LookAheadMaintMarginReq",
    "LookAheadAvailableFunds",
    "LookAheadExcessLiquidity",
    "HighestSeverity",
    "DayTradesRemaining",
    "Leverage",
};

const std::vector<IntentParams>& intents() {
  static const std::vector<IntentParams> all{
      {.intent = "positions", .params = {account()}},
      {.intent = "open_orders", .params = {account()}},
      {.intent = "executions",
       .params = {account(),
                  text("symbol"),
                  sec_type(),
                  text("exchange"),
                  // IB's filter takes BUY/SELL; executions report BOT/SLD. Both spellings work.
                  choice("side", {{"BOT", "BUY"}, {"SLD", "SELL"}}, {"BUY", "SELL"},
                         "must be BUY or SELL (or BOT/SLD)"),
                  {.name = "time", .check = check_filter_time},
                  {.name = "client_id",
                   .kind = Kind::kInteger,
                   .min = 0,
                   .max = kInt32Max,
                   .default_value = Value(int64_t{0})},  // 0 = any client
                  {.name = "last_n_days", .kind = Kind::kInteger, .min = 1, .max = 365}}},
      {.intent = "account_summary", .params = {account(), group(), tags()}},
      {.intent = "summary", .params = {account(), group(), tags()}},
      {.intent = "contract_details",
       .params = contract_details_params(),
       .check = check_contract_identity},
      {.intent = "current_time", .params = {}},
      {.intent = "historical_bars",
       .params = with(market_contract(),
                      {{.name = "end", .trim = true, .upper = true, .check = check_end},
                       {.name = "duration", .trim = true, .upper = true, .check = check_duration},
                       bar_size(),
                       what_to_show(),
                       use_rth(),
                       gateway()}),
       .check = check_historical_bars},
      {.intent = "head_timestamp",
       .params = with(market_contract(), {what_to_show(), use_rth(), gateway()}),
       .check = check_head_timestamp},
      {.intent = "quote",
       .params = with(market_contract(), {market_data_type(), gateway()}),
       .check = check_quote},
  };
  return all;
}

const IntentParams* find_intent(std::string_view intent) {
  for (const auto& i : intents())
    if (i.intent == intent) return &i;
  return nullptr;
}

namespace {

std::string_view str_of(const msgpack::object& o) {
  return {o.via.str.ptr, o.via.str.size};
}

std::string checked_string(std::string_view name, const msgpack::object& o) {
  if (o.type != msgpack::type::STR) fail(name, "must be a string");
  const auto s = str_of(o);
  // The TWS protocol ends every field with a NUL: one inside a value would split the field.
  if (s.find('\0') != std::string_view::npos) fail(name, "must not contain a NUL byte");
  return std::string(s);
}

std::vector<std::string> checked_list(std::string_view name, const msgpack::object& o) {
  std::vector<std::string> out;
  auto add = [&](std::string_view item) {
    item = trim(item);
    if (item.empty()) fail(name, "must not contain empty entries");
    if (item.find('\0') != std::string_view::npos) fail(name, "must not contain a NUL byte");
    out.emplace_back(item);
  };
  if (o.type == msgpack::type::STR) {
    std::string_view s = str_of(o);
    while (true) {
      const auto comma = s.find(',');
      add(s.substr(0, comma));
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
  } else if (o.type == msgpack::type::ARRAY) {
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      const auto& item = o.via.array.ptr[i];
      if (item.type != msgpack::type::STR) fail(name, "must be a string or a list of strings");
      add(str_of(item));
    }
  } else {
    fail(name, "must be a string or a list of strings");
  }
  return out;
}

// One param's value, checked and normalised as the worker always read it.
Value read_value(const Param& p, const msgpack::object& o) {
  switch (p.kind) {
    case Kind::kString: {
      std::string s = checked_string(p.name, o);
      if (p.trim) s = std::string(trim(s));
      if (p.non_empty && s.empty()) fail(p.name, "must not be empty");
      std::string v = p.upper ? upper(s) : s;
      for (const auto& [from, to] : p.aliases)
        if (v == from) v = std::string(to);
      if (!p.allowed.empty() && std::find(p.allowed.begin(), p.allowed.end(), v) == p.allowed.end())
        fail(p.name, p.not_allowed.empty() ? "must be one of " + join(p.allowed, ", ") + " (got '" +
                                                 std::string(str_of(o)) + "')"
                                           : std::string(p.not_allowed));
      return v;
    }
    case Kind::kInteger: {
      int64_t n = 0;
      if (o.type == msgpack::type::POSITIVE_INTEGER) {
        if (o.via.u64 > static_cast<uint64_t>(kInt64Max))
          fail(p.name, "must be at most " + std::to_string(p.max));
        n = static_cast<int64_t>(o.via.u64);
      } else if (o.type == msgpack::type::NEGATIVE_INTEGER) {
        n = o.via.i64;
      } else {
        fail(p.name, "must be an integer");
      }
      if (n < p.min || n > p.max)
        fail(p.name, "must be between " + std::to_string(p.min) + " and " + std::to_string(p.max));
      return n;
    }
    case Kind::kNumber: {
      double d = 0;
      if (o.type == msgpack::type::POSITIVE_INTEGER)
        d = static_cast<double>(o.via.u64);
      else if (o.type == msgpack::type::NEGATIVE_INTEGER)
        d = static_cast<double>(o.via.i64);
      else if (o.type == msgpack::type::FLOAT32 || o.type == msgpack::type::FLOAT64)
        d = o.via.f64;
      else
        fail(p.name, "must be a number");
      // NaN and infinities are no price IB knows, and NaN would make equal requests unequal.
      if (!std::isfinite(d)) fail(p.name, "must be a finite number");
      if (p.positive && d <= 0) fail(p.name, "must be positive");
      return d;
    }
    case Kind::kBoolean:
      if (o.type != msgpack::type::BOOLEAN) fail(p.name, "must be a boolean");
      return o.via.boolean;
    case Kind::kStringList:
      return checked_list(p.name, o);
  }
  fail(p.name, "has an unknown kind");
}

msgpack::object_handle unpack(std::string_view bytes) {
  try {
    return msgpack::unpack(bytes.data(), bytes.size(), nullptr, nullptr,
                           msgpack::unpack_limit(bytes.size(), bytes.size(), bytes.size(),
                                                 bytes.size(), bytes.size(), kMaxDepth));
  } catch (const std::exception& e) {
    throw ParamsError(std::string("params are not valid msgpack: ") + e.what());
  }
}

}  // namespace

Parsed parse(const IntentParams& schema, std::string_view params, std::string_view intent) {
  Parsed out;
  out.schema_ = &schema;
  msgpack::object_handle handle;
  std::vector<std::pair<std::string_view, const msgpack::object*>> keys;  // sorted by key
  if (!params.empty()) {
    handle = unpack(params);
    const auto& map = handle.get();
    if (map.type != msgpack::type::MAP && map.type != msgpack::type::NIL)
      throw ParamsError("params must be a map");
    if (map.type == msgpack::type::MAP) {
      keys.reserve(map.via.map.size);
      for (uint32_t i = 0; i < map.via.map.size; ++i) {
        const auto& kv = map.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) throw ParamsError("params keys must be strings");
        keys.emplace_back(str_of(kv.key), &kv.val);
      }
      std::stable_sort(keys.begin(), keys.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      // A key given twice is refused, whatever its values: readers disagree on which one
      // counts (first, last, first non-nil), and that disagreement was issue 16's defect.
      for (size_t i = 1; i < keys.size(); ++i)
        if (keys[i].first == keys[i - 1].first)
          throw ParamsError("param '" + std::string(keys[i].first) + "' is given more than once");
    }
  }
  auto lookup = [&](std::string_view name) -> const msgpack::object* {
    auto it = std::lower_bound(keys.begin(), keys.end(), name,
                               [](const auto& kv, std::string_view n) { return kv.first < n; });
    if (it == keys.end() || it->first != name) return nullptr;
    return it->second;
  };
  for (const auto& p : schema.params) {
    const auto* o = lookup(p.name);
    if (!o) continue;
    // A nil value is refused, not read as "absent": a client that means the default leaves the
    // param out. Readers disagreed on nil before (issue 16), and one meaning per byte string
    // leaves nothing to disagree on.
    if (o->type == msgpack::type::NIL)
      fail(p.name, "must not be nil (leave the param out to use its default)");
    Value v = read_value(p, *o);
    if (p.check)
      if (auto what = p.check(v); !what.empty()) fail(p.name, what);
    if (p.default_value && v == *p.default_value) continue;
    out.values_.emplace_back(p.name, std::move(v));
  }
  for (const auto& entry : keys) {
    const std::string_view key =
        entry.first;  // not a structured binding: clang 14 cannot capture one
    const bool known = std::any_of(schema.params.begin(), schema.params.end(),
                                   [&](const Param& p) { return p.name == key; });
    if (known) continue;
    std::set<std::string_view> names;
    for (const auto& p : schema.params) names.insert(p.name);
    throw ParamsError(
        "param '" + std::string(key) + "' is not known to intent '" + std::string(intent) +
        "' (known: " + (names.empty() ? std::string("none") : join(names, ", ")) + ")");
  }
  if (schema.check)
    if (auto what = schema.check(out); !what.empty()) throw ParamsError(what);
  return out;
}

const Value* Parsed::find(std::string_view name, Kind kind) const {
  const Param* param = nullptr;
  for (const auto& p : schema_->params)
    if (p.name == name) param = &p;
  if (!param || param->kind != kind)
    throw std::logic_error("intent '" + std::string(schema_->intent) + "' has no param '" +
                           std::string(name) + "' of that kind");
  for (const auto& [n, v] : values_)
    if (n == name) return &v;
  return param->default_value ? &*param->default_value : nullptr;
}

std::optional<std::string> Parsed::string(std::string_view name) const {
  const auto* v = find(name, Kind::kString);
  return v ? std::optional(std::get<std::string>(*v)) : std::nullopt;
}
std::optional<int64_t> Parsed::integer(std::string_view name) const {
  const auto* v = find(name, Kind::kInteger);
  return v ? std::optional(std::get<int64_t>(*v)) : std::nullopt;
}
std::optional<double> Parsed::number(std::string_view name) const {
  const auto* v = find(name, Kind::kNumber);
  return v ? std::optional(std::get<double>(*v)) : std::nullopt;
}
std::optional<bool> Parsed::boolean(std::string_view name) const {
  const auto* v = find(name, Kind::kBoolean);
  return v ? std::optional(std::get<bool>(*v)) : std::nullopt;
}
std::optional<std::vector<std::string>> Parsed::string_list(std::string_view name) const {
  const auto* v = find(name, Kind::kStringList);
  return v ? std::optional(std::get<std::vector<std::string>>(*v)) : std::nullopt;
}

std::string Parsed::canonical() const {
  auto sorted = values_;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  Out sink{out};
  msgpack::packer<Out> w(sink);
  auto str = [&](std::string_view s) {
    w.pack_str(static_cast<uint32_t>(s.size()));
    w.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  };
  w.pack_map(static_cast<uint32_t>(sorted.size()));
  for (const auto& [name, value] : sorted) {
    str(name);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            str(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            w.pack_int64(v);  // msgpack-c packs the shortest form
          } else if constexpr (std::is_same_v<T, double>) {
            w.pack_double(v);
          } else if constexpr (std::is_same_v<T, bool>) {
            v ? w.pack_true() : w.pack_false();
          } else {
            w.pack_array(static_cast<uint32_t>(v.size()));
            for (const auto& s : v) str(s);
          }
        },
        value);
  }
  return out;
}

}  // namespace intentq::params
