#include "worker/intents/results.hpp"

#include <charconv>
#include <cmath>
#include <type_traits>
#include <variant>

namespace intentq::intents {
namespace {

using json = nlohmann::json;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// Builds one result map, leaving out what IB left unset. The key order of the map is its own
// (nlohmann::json sorts keys), not the order of the calls.
class Map {
 public:
  // A member written as its type says: text only when not empty, optionals only when set (and
  // finite), numbers, integers and booleans always, (key, value) pairs as a map when any.
  Map& put(const char* key, const std::string& v) {
    if (!v.empty()) j_[key] = v;
    return *this;
  }
  Map& put(const char* key, double v) {
    j_[key] = v;
    return *this;
  }
  Map& put(const char* key, const std::optional<double>& v) {
    if (v && std::isfinite(*v)) j_[key] = *v;
    return *this;
  }
  Map& put(const char* key, const std::optional<int>& v) {
    if (v) j_[key] = *v;
    return *this;
  }
  Map& put(const char* key, int64_t v) {
    j_[key] = v;
    return *this;
  }
  Map& put(const char* key, int v) { return put(key, int64_t{v}); }
  Map& put(const char* key, bool v) {
    j_[key] = v;
    return *this;
  }
  Map& put(const char* key, const Pairs& v) {
    if (v.empty()) return *this;
    json m = json::object();
    for (const auto& [k, val] : v) m[k] = val;
    j_[key] = std::move(m);
    return *this;
  }
  // IB uses 0 for "no such id" (parent_id, under_con_id, con_id of a request by symbol).
  Map& id(const char* key, int64_t v) {
    if (v != 0) j_[key] = v;
    return *this;
  }
  Map& sub(const char* key, json v) {
    j_[key] = std::move(v);
    return *this;
  }

  // One member of T, written under the key of its name; `id`: an IB id, left out when 0.
  template <typename T>
  struct Field {
    const char* key;
    std::variant<std::string T::*, double T::*, std::optional<double> T::*, std::optional<int> T::*,
                 int64_t T::*, int T::*, bool T::*, Pairs T::*>
        member;
    bool id = false;
  };
  // The members of `from` that `fields` lists.
  template <typename T>
  Map& fields(const T& from, std::initializer_list<Field<T>> fields) {
    for (const auto& f : fields) {
      std::visit(
          [&](auto member) {
            if constexpr (std::is_same_v<decltype(member), int64_t T::*>) {
              if (f.id) {
                id(f.key, from.*member);
                return;
              }
            }
            put(f.key, from.*member);
          },
          f.member);
    }
    return *this;
  }

  json done() { return std::move(j_); }

 private:
  json j_ = json::object();
};

// The field lists below name their struct S: FIELD(x) writes S::x under "x", ID(x) an IB id.
// clang-format off
#define FIELD(name) Map::Field<S>{#name, &S::name, false}
#define ID(name) Map::Field<S>{#name, &S::name, true}
// clang-format on

}  // namespace

json contract_json(const gw::Contract& c) {
  using S = gw::Contract;
  Map m;
  m.fields(c, {ID(con_id), FIELD(symbol), FIELD(sec_type), FIELD(last_trade_date)});
  // IB sends strike 0 for contracts that have none; no real option has a zero strike.
  if (c.strike && *c.strike != 0) m.put("strike", c.strike);
  if (c.right != "?" && c.right != "0") m.put("right", c.right);
  m.fields(c, {FIELD(multiplier), FIELD(exchange), FIELD(primary_exchange), FIELD(currency),
               FIELD(local_symbol), FIELD(trading_class)});
  return m.done();
}

json position_json(const gw::Position& p) {
  using S = gw::Position;
  Map m;
  m.sub("contract", contract_json(p.contract));
  m.fields(p, {FIELD(account), FIELD(position), FIELD(avg_cost)});
  return m.done();
}

json open_order_json(const gw::OpenOrderWithStatus& o) {
  Map m;
  {
    using S = gw::Order;
    m.fields(o.open_order.order,
             {FIELD(order_id),         FIELD(client_id),     ID(perm_id),
              ID(parent_id),           FIELD(account),       FIELD(action),
              FIELD(total_quantity),   FIELD(order_type),    FIELD(lmt_price),
              FIELD(aux_price),        FIELD(tif),           FIELD(oca_group),
              FIELD(open_close),       FIELD(origin),        FIELD(order_ref),
              FIELD(outside_rth),      FIELD(hidden),        FIELD(good_after_time),
              FIELD(good_till_date),   FIELD(model_code),    FIELD(trail_stop_price),
              FIELD(trailing_percent), FIELD(algo_strategy), FIELD(algo_params),
              FIELD(what_if),          FIELD(cash_qty)});
  }
  m.sub("contract", contract_json(o.open_order.contract));
  const auto& state = o.open_order.state;
  // The latest orderStatus is fresher than the state that came with openOrder.
  m.put("status", o.status && !o.status->status.empty() ? o.status->status : state.status);
  if (o.status) {
    using S = gw::OrderStatus;
    m.fields(*o.status, {FIELD(filled), FIELD(remaining), FIELD(avg_fill_price),
                         FIELD(last_fill_price), FIELD(why_held), FIELD(mkt_cap_price)});
  }
  using S = gw::OrderState;
  m.fields(state, {FIELD(commission), FIELD(min_commission), FIELD(max_commission),
                   FIELD(commission_currency), FIELD(warning_text)});
  return m.done();
}

json fill_json(const gw::Fill& f) {
  Map m;
  {
    using S = gw::Execution;
    m.fields(f.execution, {FIELD(exec_id),
                           FIELD(order_id),
                           ID(perm_id),
                           FIELD(client_id),
                           FIELD(account),
                           FIELD(time),
                           FIELD(exchange),
                           FIELD(side),
                           FIELD(shares),
                           FIELD(price),
                           FIELD(cum_qty),
                           FIELD(avg_price),
                           FIELD(liquidation),
                           FIELD(order_ref),
                           FIELD(ev_rule),
                           FIELD(ev_multiplier),
                           FIELD(model_code),
                           FIELD(last_liquidity),
                           FIELD(pending_price_revision),
                           FIELD(submitter)});
  }
  m.sub("contract", contract_json(f.execution.contract));
  if (f.commission) {
    using S = gw::CommissionReport;
    m.put("commission_currency", f.commission->currency);
    m.fields(*f.commission,
             {FIELD(commission), FIELD(realized_pnl), FIELD(yield), FIELD(yield_redemption_date)});
  }
  return m.done();
}

json contract_details_json(const gw::ContractDetails& d) {
  using S = gw::ContractDetails;
  Map m;
  m.sub("contract", contract_json(d.contract));
  m.fields(d, {FIELD(market_name),
               FIELD(min_tick),
               FIELD(order_types),
               FIELD(valid_exchanges),
               FIELD(price_magnifier),
               ID(under_con_id),
               FIELD(long_name),
               FIELD(contract_month),
               FIELD(industry),
               FIELD(category),
               FIELD(subcategory),
               FIELD(time_zone_id),
               FIELD(trading_hours),
               FIELD(liquid_hours),
               FIELD(ev_rule),
               FIELD(ev_multiplier),
               FIELD(sec_id_list),
               FIELD(agg_group),
               FIELD(under_symbol),
               FIELD(under_sec_type),
               FIELD(market_rule_ids),
               FIELD(real_expiration_date),
               FIELD(last_trade_date),
               FIELD(stock_type),
               FIELD(min_size),
               FIELD(size_increment),
               FIELD(suggested_size_increment),
               FIELD(ineligibility_reasons)});
  return m.done();
}

std::optional<json> account_value(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc() && ptr == end && std::isfinite(v)) return json(v);
  return json(text);
}

json account_value_json(const gw::AccountValue& v) {
  using S = gw::AccountValue;
  Map m;
  m.fields(v, {FIELD(account), FIELD(tag), FIELD(currency)});
  if (auto value = account_value(v.value)) m.sub("value", std::move(*value));
  return m.done();
}

#undef FIELD
#undef ID

}  // namespace intentq::intents
