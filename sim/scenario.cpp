#include "sim/scenario.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/enum_names.hpp"
#include "gateway/request_specs.hpp"

namespace intentq::sim {
namespace {

using json = nlohmann::json;

std::string type_name(const json& j) {
  if (j.is_number_integer()) return "integer";
  if (j.is_number()) return "number";
  return j.type_name();
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ScenarioError(path + ": " + what);
}

// Reads one JSON object field by field, remembering which keys were used so that finish() can
// reject unknown keys: a misspelt key would otherwise silently fall back to a default.
class Obj {
 public:
  Obj(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_, "expected an object, got " + type_name(j_));
  }

  std::string at(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The value under key, or nullptr when absent (null counts as absent).
  const json* get(std::string_view key) {
    used_.insert(std::string(key));
    auto it = j_.find(std::string(key));
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  const json& require(std::string_view key) {
    const json* v = get(key);
    if (!v) fail(at(key), "missing");
    return *v;
  }
  bool has(std::string_view key) const {
    auto it = j_.find(std::string(key));
    return it != j_.end() && !it->is_null();
  }

  // The value under key into `out` when present, checked for out's type.
  void read(std::string_view key, std::string& out) {
    if (const json* v = get(key)) out = as_str(*v, at(key));
  }
  void read(std::string_view key, int64_t& out) {
    if (const json* v = get(key)) out = as_i64(*v, at(key));
  }
  void read(std::string_view key, int& out) {
    if (const json* v = get(key)) out = as_i32(*v, at(key));
  }
  void read(std::string_view key, double& out) {
    if (const json* v = get(key)) out = as_dbl(*v, at(key));
  }
  void read(std::string_view key, std::optional<double>& out) {
    if (const json* v = get(key)) out = as_dbl(*v, at(key));
  }
  void read(std::string_view key, std::optional<int>& out) {
    if (const json* v = get(key)) out = as_i32(*v, at(key));
  }
  void read(std::string_view key, bool& out) {
    if (const json* v = get(key)) {
      if (!v->is_boolean()) fail(at(key), "expected true/false, got " + type_name(*v));
      out = v->get<bool>();
    }
  }
  // [["tag", "value"], ...]
  void read(std::string_view key, std::vector<std::pair<std::string, std::string>>& out) {
    const json* v = get(key);
    if (!v) return;
    const std::string p = at(key);
    if (!v->is_array()) fail(p, "expected an array of [tag, value] pairs");
    for (size_t i = 0; i < v->size(); ++i) {
      const json& e = (*v)[i];
      const std::string ep = p + "[" + std::to_string(i) + "]";
      if (!e.is_array() || e.size() != 2) fail(ep, "expected a [tag, value] pair");
      out.emplace_back(as_str(e[0], ep + "[0]"), as_str(e[1], ep + "[1]"));
    }
  }

  // Like read(), but the key must be there.
  template <typename T>
  void read_required(std::string_view key, T& out) {
    require(key);
    read(key, out);
  }

  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!used_.count(it.key())) fail(at(it.key()), "unknown key");
    }
  }

  static std::string as_str(const json& v, const std::string& path) {
    if (!v.is_string()) fail(path, "expected a string, got " + type_name(v));
    return v.get<std::string>();
  }
  static int64_t as_i64(const json& v, const std::string& path) {
    if (!v.is_number_integer()) fail(path, "expected an integer, got " + type_name(v));
    return v.get<int64_t>();
  }
  static int as_i32(const json& v, const std::string& path) {
    int64_t x = as_i64(v, path);
    if (x < INT32_MIN || x > INT32_MAX) fail(path, "integer out of range");
    return static_cast<int>(x);
  }
  static double as_dbl(const json& v, const std::string& path) {
    if (!v.is_number()) fail(path, "expected a number, got " + type_name(v));
    return v.get<double>();
  }

 private:
  const json& j_;
  std::string path_;
  std::set<std::string> used_;
};

// Calls fn(element, path) for every element of the array under key (absent = empty).
template <typename Fn>
void each(Obj& o, std::string_view key, Fn&& fn) {
  const json* v = o.get(key);
  if (!v) return;
  if (!v->is_array()) fail(o.at(key), "expected an array, got " + type_name(*v));
  for (size_t i = 0; i < v->size(); ++i) fn((*v)[i], o.at(key) + "[" + std::to_string(i) + "]");
}

// One field of a struct, read from the JSON key of the member's name.
template <typename T>
struct Field {
  std::string_view key;
  std::variant<std::string T::*, int64_t T::*, int T::*, double T::*, std::optional<double> T::*,
               std::optional<int> T::*, bool T::*,
               std::vector<std::pair<std::string, std::string>> T::*>
      member;
  bool required = false;
};

// Reads the fields of `out` in table order (the first problem is the one reported).
template <typename T>
void read_fields(Obj& o, T& out, std::initializer_list<Field<T>> fields) {
  for (const auto& f : fields) {
    std::visit(
        [&](auto member) {
          if (f.required)
            o.read_required(f.key, out.*member);
          else
            o.read(f.key, out.*member);
        },
        f.member);
  }
}

// A struct that is just its fields, and no other key.
template <typename S>
S read_struct(const json& j, const std::string& path, std::initializer_list<Field<S>> fields) {
  Obj o(j, path);
  S out;
  read_fields(o, out, fields);
  o.finish();
  return out;
}

// The field tables below name their struct S: OPT(x) reads key "x" into S::x when present,
// REQ(x) requires it.
// clang-format off
#define OPT(name) Field<S>{#name, &S::name, false}
#define REQ(name) Field<S>{#name, &S::name, true}
// clang-format on

gw::Contract read_contract(const json& j, const std::string& path) {
  Obj o(j, path);
  gw::Contract c;
  using S = gw::Contract;
  read_fields(o, c,
              {OPT(con_id), OPT(symbol), OPT(sec_type), OPT(last_trade_date), OPT(strike),
               OPT(right), OPT(multiplier), OPT(exchange), OPT(primary_exchange), OPT(currency),
               OPT(local_symbol), OPT(trading_class)});
  o.finish();
  if (c.symbol.empty() && c.con_id == 0) fail(path, "a contract needs a symbol or a con_id");
  return c;
}

gw::Position read_position(const json& j, const std::string& path) {
  Obj o(j, path);
  gw::Position p;
  p.account = Obj::as_str(o.require("account"), o.at("account"));
  p.contract = read_contract(o.require("contract"), o.at("contract"));
  using S = gw::Position;
  read_fields(o, p, {REQ(position), OPT(avg_cost)});
  o.finish();
  return p;
}

gw::AccountValue read_account_value(const json& j, const std::string& path) {
  using S = gw::AccountValue;
  return read_struct<S>(j, path, {REQ(account), REQ(tag), REQ(value), OPT(currency)});
}

gw::Order read_order(const json& j, const std::string& path) {
  using S = gw::Order;
  // clang-format off
  return read_struct<S>(j, path, {
      REQ(order_id), OPT(client_id), OPT(perm_id), OPT(parent_id), REQ(action),
      REQ(total_quantity), REQ(order_type), OPT(lmt_price), OPT(aux_price), OPT(tif),
      OPT(oca_group), OPT(account), OPT(open_close), OPT(origin), OPT(order_ref),
      OPT(outside_rth), OPT(hidden), OPT(good_after_time), OPT(good_till_date),
      OPT(model_code), OPT(trail_stop_price), OPT(trailing_percent), OPT(algo_strategy),
      OPT(algo_params), OPT(what_if), OPT(cash_qty)});
  // clang-format on
}

gw::OrderState read_order_state(const json& j, const std::string& path) {
  using S = gw::OrderState;
  return read_struct<S>(j, path,
                        {REQ(status), OPT(commission), OPT(min_commission), OPT(max_commission),
                         OPT(commission_currency), OPT(warning_text)});
}

// orderStatus fields default to the order's own values, so a scenario only states what differs.
gw::OrderStatus read_order_status(const json* j, const std::string& path, const gw::Order& order,
                                  const gw::OrderState& state) {
  gw::OrderStatus s;
  s.order_id = order.order_id;
  s.status = state.status;
  s.perm_id = order.perm_id;
  s.parent_id = order.parent_id;
  s.client_id = order.client_id;
  bool remaining_given = false;
  if (j) {
    Obj o(*j, path);
    remaining_given = o.has("remaining");
    using S = gw::OrderStatus;
    read_fields(
        o, s,
        {OPT(order_id), OPT(status), OPT(filled), OPT(remaining), OPT(avg_fill_price), OPT(perm_id),
         OPT(parent_id), OPT(last_fill_price), OPT(client_id), OPT(why_held), OPT(mkt_cap_price)});
    o.finish();
  }
  if (!remaining_given) s.remaining = order.total_quantity - s.filled;
  return s;
}

OpenOrderEntry read_open_order(const json& j, const std::string& path) {
  Obj o(j, path);
  OpenOrderEntry e;
  e.open_order.contract = read_contract(o.require("contract"), o.at("contract"));
  e.open_order.order = read_order(o.require("order"), o.at("order"));
  e.open_order.state = read_order_state(o.require("state"), o.at("state"));
  e.status = read_order_status(o.get("order_status"), o.at("order_status"), e.open_order.order,
                               e.open_order.state);
  o.finish();
  return e;
}

ExecutionEntry read_execution_entry(const json& j, const std::string& path) {
  Obj o(j, path);
  ExecutionEntry e;
  {
    const std::string p = o.at("execution");
    Obj x(o.require("execution"), p);
    gw::Execution& ex = e.execution;
    using S = gw::Execution;
    ex.order_id = Obj::as_i64(x.require("order_id"), x.at("order_id"));
    ex.contract = read_contract(x.require("contract"), x.at("contract"));
    read_fields(x, ex, {REQ(exec_id), REQ(time), REQ(account), OPT(exchange), REQ(side)});
    if (ex.side != "BOT" && ex.side != "SLD") fail(x.at("side"), "expected \"BOT\" or \"SLD\"");
    read_fields(x, ex, {REQ(shares), REQ(price), OPT(perm_id), OPT(client_id), OPT(liquidation)});
    // A single fill is its own cumulative quantity and average price unless stated otherwise.
    ex.cum_qty = ex.shares;
    ex.avg_price = ex.price;
    read_fields(
        x, ex,
        {OPT(cum_qty), OPT(avg_price), OPT(order_ref), OPT(ev_rule), OPT(ev_multiplier),
         OPT(model_code), OPT(last_liquidity), OPT(pending_price_revision), OPT(submitter)});
    x.finish();
  }
  if (const json* c = o.get("commission")) {
    Obj x(*c, o.at("commission"));
    gw::CommissionReport r;
    r.exec_id = e.execution.exec_id;
    using S = gw::CommissionReport;
    read_fields(x, r,
                {OPT(exec_id), OPT(commission), OPT(currency), OPT(realized_pnl), OPT(yield),
                 OPT(yield_redemption_date)});
    x.finish();
    e.commission = std::move(r);
  }
  o.finish();
  return e;
}

// "2004-01-02", "2004-01-02T14:30:00Z" or epoch seconds -> UTC seconds.
int64_t read_utc_time(const json& v, const std::string& path) {
  if (v.is_number_integer()) return v.get<int64_t>();
  auto t = parse_utc_time(Obj::as_str(v, path));
  if (!t) fail(path, "expected \"yyyy-mm-dd\", \"yyyy-mm-ddThh:mm:ssZ\" or epoch seconds");
  return *t;
}

void read_market_data(const json& j, const std::string& path, MarketDataSpec& md) {
  Obj o(j, path);
  if (const json* v = o.get("hours")) {
    const std::string name = Obj::as_str(*v, o.at("hours"));
    auto k = hours_from_string(name);
    if (!k)
      fail(o.at("hours"),
           "unknown hours \"" + name + "\" (us_stock, us_option, futures, fx, always)");
    md.hours = *k;
  }
  if (const json* v = o.get("permission")) {
    const std::string name = Obj::as_str(*v, o.at("permission"));
    auto p = permission_from_string(name);
    if (!p) fail(o.at("permission"), "unknown permission \"" + name + "\" (live, delayed, none)");
    md.permission = *p;
  }
  if (const json* v = o.get("head_timestamp"))
    md.head_timestamp = read_utc_time(*v, o.at("head_timestamp"));
  o.read("base_price", md.series.base_price);
  if (!(md.series.base_price > 0)) fail(o.at("base_price"), "must be positive");
  o.read("volume_per_second", md.series.volume_per_second);
  if (md.series.volume_per_second < 1) fail(o.at("volume_per_second"), "must be at least 1");
  if (const json* v = o.get("seed"))
    md.series.seed = static_cast<uint64_t>(Obj::as_i64(*v, o.at("seed")));
  o.finish();
}

gw::ContractDetails read_contract_details(const json& j, const std::string& path,
                                          MarketDataSpec& md) {
  Obj o(j, path);
  gw::ContractDetails d;
  d.contract = read_contract(o.require("contract"), o.at("contract"));
  using S = gw::ContractDetails;
  // clang-format off
  read_fields(o, d, {
      OPT(market_name), OPT(min_tick), OPT(order_types), OPT(valid_exchanges), OPT(price_magnifier),
      OPT(under_con_id), OPT(long_name), OPT(contract_month), OPT(industry), OPT(category),
      OPT(subcategory), OPT(time_zone_id), OPT(trading_hours), OPT(liquid_hours), OPT(ev_rule),
      OPT(ev_multiplier), OPT(sec_id_list), OPT(agg_group), OPT(under_symbol), OPT(under_sec_type),
      OPT(market_rule_ids), OPT(real_expiration_date), OPT(last_trade_date), OPT(stock_type),
      OPT(min_size), OPT(size_increment), OPT(suggested_size_increment)});
  // clang-format on
  md = default_market_data(d);
  if (const json* m = o.get("market_data")) read_market_data(*m, o.at("market_data"), md);
  o.finish();
  return d;
}

#undef OPT
#undef REQ

int read_ms(const json& v, const std::string& path) {
  int ms = Obj::as_i32(v, path);
  if (ms < 0) fail(path, "must not be negative");
  return ms;
}

void read_latency(const json& v, const std::string& path, Scenario& s) {
  if (v.is_number()) {
    s.latency_ms = read_ms(v, path);
    return;
  }
  if (!v.is_object()) fail(path, "expected milliseconds or an object of them per request");
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string p = path + "." + it.key();
    if (it.key() == "default") {
      s.latency_ms = read_ms(it.value(), p);
    } else if (is_request_family(it.key())) {
      s.request_latency_ms[it.key()] = read_ms(it.value(), p);
    } else {
      std::string known = "default";
      for (auto family : gw::request_families()) known += ", " + std::string(family);
      fail(p, "unknown request kind (" + known + ")");
    }
  }
}

void check_account(const Scenario& s, const std::string& account, const std::string& path) {
  for (const auto& a : s.accounts) {
    if (a == account) return;
  }
  fail(path, "account \"" + account + "\" is not in \"accounts\"");
}

Scenario read_scenario(const json& root) {
  Obj o(root, "");
  Scenario s;
  o.get("description");  // free text for humans
  each(o, "accounts", [&](const json& v, const std::string& p) {
    s.accounts.push_back(Obj::as_str(v, p));
    if (s.accounts.back().empty() || s.accounts.back().find(',') != std::string::npos) {
      fail(p, "an account id must be non-empty and must not contain ','");
    }
  });
  if (s.accounts.empty()) fail("accounts", "at least one account is required");
  if (const json* g = o.get("groups")) {
    if (!g->is_object()) fail("groups", "expected an object of group name -> accounts");
    for (auto it = g->begin(); it != g->end(); ++it) {
      const std::string p = "groups." + it.key();
      if (!it.value().is_array()) fail(p, "expected an array of accounts");
      auto& members = s.groups[it.key()];
      for (size_t i = 0; i < it.value().size(); ++i) {
        const std::string ep = p + "[" + std::to_string(i) + "]";
        members.push_back(Obj::as_str(it.value()[i], ep));
        check_account(s, members.back(), ep);
      }
    }
  }
  o.read("next_valid_id", s.next_valid_id);
  each(o, "positions", [&](const json& v, const std::string& p) {
    s.positions.push_back(read_position(v, p));
    check_account(s, s.positions.back().account, p + ".account");
  });
  each(o, "account_values", [&](const json& v, const std::string& p) {
    s.account_values.push_back(read_account_value(v, p));
    check_account(s, s.account_values.back().account, p + ".account");
  });
  each(o, "open_orders", [&](const json& v, const std::string& p) {
    s.open_orders.push_back(read_open_order(v, p));
    const auto& acct = s.open_orders.back().open_order.order.account;
    if (!acct.empty()) check_account(s, acct, p + ".order.account");
  });
  each(o, "executions", [&](const json& v, const std::string& p) {
    s.executions.push_back(read_execution_entry(v, p));
    check_account(s, s.executions.back().execution.account, p + ".execution.account");
  });
  each(o, "contracts", [&](const json& v, const std::string& p) {
    MarketDataSpec md;
    s.contracts.push_back(read_contract_details(v, p, md));
    s.market_data.push_back(md);
  });
  if (const json* l = o.get("latency_ms")) read_latency(*l, "latency_ms", s);
  if (const json* jt = o.get("jitter_ms")) s.jitter_ms = read_ms(*jt, "jitter_ms");
  each(o, "faults", [&](const json& v, const std::string& p) {
    const std::string name = Obj::as_str(v, p);
    auto f = fault_from_string(name);
    if (!f) fail(p, "unknown fault \"" + name + "\"");
    s.faults.insert(*f);
  });
  o.finish();
  return s;
}

}  // namespace

namespace {

// In declaration order.
constexpr std::string_view kFaultNames[] = {
    "refuse",           "close-after-handshake", "close-mid-answer", "garbage",          "silence",
    "positions-no-end", "error-flood",           "slow-frame",       "historical-no-end"};
static_assert(std::size(kFaultNames) == enum_count(Fault::kHistoricalNoEnd));

}  // namespace

std::optional<Fault> fault_from_string(std::string_view name) {
  return value_of<Fault>(kFaultNames, name);
}

std::string_view to_string(Fault f) {
  return name_of(kFaultNames, f);
}

bool is_request_family(std::string_view name) {
  for (auto family : gw::request_families())
    if (family == name) return true;
  return false;
}

Scenario parse_scenario(std::string_view json_text) {
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    // nlohmann's message already names the byte position and what it expected.
    throw ScenarioError(std::string("scenario is not valid JSON: ") + e.what());
  }
  return read_scenario(root);
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError("cannot read scenario file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_scenario(text.str());
  } catch (const ScenarioError& e) {
    throw ScenarioError(path + ": " + e.what());
  }
}

Scenario default_scenario() {
  return parse_scenario(default_scenario_json());
}

}  // namespace intentq::sim
