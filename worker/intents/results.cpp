#include "worker/intents/results.hpp"

#include <charconv>
#include <cmath>

namespace intentq::intents {
namespace {

using json = nlohmann::json;

// Builds one result map, leaving out what IB left unset.
class Map {
 public:
  Map& text(const char* key, const std::string& v) {
    if (!v.empty()) j_[key] = v;
    return *this;
  }
  Map& num(const char* key, double v) {
    j_[key] = v;
    return *this;
  }
  Map& opt(const char* key, const std::optional<double>& v) {
    if (v && std::isfinite(*v)) j_[key] = *v;
    return *this;
  }
  Map& opt(const char* key, const std::optional<int>& v) {
    if (v) j_[key] = *v;
    return *this;
  }
  Map& integer(const char* key, int64_t v) {
    j_[key] = v;
    return *this;
  }
  // IB uses 0 for "no such id" (parent_id, under_con_id, con_id of a request by symbol).
  Map& id(const char* key, int64_t v) {
    if (v != 0) j_[key] = v;
    return *this;
  }
  Map& flag(const char* key, bool v) {
    j_[key] = v;
    return *this;
  }
  Map& pairs(const char* key, const std::vector<std::pair<std::string, std::string>>& v) {
    if (v.empty()) return *this;
    json m = json::object();
    for (const auto& [k, val] : v) m[k] = val;
    j_[key] = std::move(m);
    return *this;
  }
  Map& sub(const char* key, json v) {
    j_[key] = std::move(v);
    return *this;
  }
  json done() { return std::move(j_); }

 private:
  json j_ = json::object();
};

}  // namespace

json contract_json(const gw::Contract& c) {
  Map m;
  m.id("con_id", c.con_id).text("symbol", c.symbol).text("sec_type", c.sec_type);
  m.text("last_trade_date", c.last_trade_date);
  // IB sends strike 0 for contracts that have none; no real option has a zero strike.
  if (c.strike && *c.strike != 0) m.opt("strike", c.strike);
  if (c.right != "?" && c.right != "0") m.text("right", c.right);
  m.text("multiplier", c.multiplier)
      .text("exchange", c.exchange)
      .text("primary_exchange", c.primary_exchange)
      .text("currency", c.currency)
      .text("local_symbol", c.local_symbol)
      .text("trading_class", c.trading_class);
  return m.done();
}

json position_json(const gw::Position& p) {
  Map m;
  m.text("account", p.account).sub("contract", contract_json(p.contract));
  m.num("position", p.position).opt("avg_cost", p.avg_cost);
  return m.done();
}

json open_order_json(const gw::OpenOrderWithStatus& o) {
  const auto& order = o.open_order.order;
  const auto& state = o.open_order.state;
  Map m;
  m.integer("order_id", order.order_id)
      .integer("client_id", order.client_id)
      .id("perm_id", order.perm_id)
      .id("parent_id", order.parent_id)
      .text("account", order.account)
      .sub("contract", contract_json(o.open_order.contract))
      .text("action", order.action)
      .num("total_quantity", order.total_quantity)
      .text("order_type", order.order_type)
      .opt("lmt_price", order.lmt_price)
      .opt("aux_price", order.aux_price)
      .text("tif", order.tif)
      .text("oca_group", order.oca_group)
      .text("open_close", order.open_close)
      .integer("origin", order.origin)
      .text("order_ref", order.order_ref)
      .flag("outside_rth", order.outside_rth)
      .flag("hidden", order.hidden)
      .text("good_after_time", order.good_after_time)
      .text("good_till_date", order.good_till_date)
      .text("model_code", order.model_code)
      .opt("trail_stop_price", order.trail_stop_price)
      .opt("trailing_percent", order.trailing_percent)
      .text("algo_strategy", order.algo_strategy)
      .pairs("algo_params", order.algo_params)
      .flag("what_if", order.what_if)
      .opt("cash_qty", order.cash_qty);
  // The latest orderStatus is fresher than the state that came with openOrder.
  m.text("status", o.status && !o.status->status.empty() ? o.status->status : state.status);
  if (o.status) {
    const auto& s = *o.status;
    m.num("filled", s.filled)
        .num("remaining", s.remaining)
        .opt("avg_fill_price", s.avg_fill_price)
        .opt("last_fill_price", s.last_fill_price)
        .text("why_held", s.why_held)
        .opt("mkt_cap_price", s.mkt_cap_price);
  }
  m.opt("commission", state.commission)
      .opt("min_commission", state.min_commission)
      .opt("max_commission", state.max_commission)
      .text("commission_currency", state.commission_currency)
      .text("warning_text", state.warning_text);
  return m.done();
}

json fill_json(const gw::Fill& f) {
  const auto& e = f.execution;
  Map m;
  m.text("exec_id", e.exec_id)
      .integer("order_id", e.order_id)
      .id("perm_id", e.perm_id)
      .integer("client_id", e.client_id)
      .text("account", e.account)
      .sub("contract", contract_json(e.contract))
      .text("time", e.time)
      .text("exchange", e.exchange)
      .text("side", e.side)
      .num("shares", e.shares)
      .num("price", e.price)
      .num("cum_qty", e.cum_qty)
      .num("avg_price", e.avg_price)
      .integer("liquidation", e.liquidation)
      .text("order_ref", e.order_ref)
      .text("ev_rule", e.ev_rule)
      .opt("ev_multiplier", e.ev_multiplier)
      .text("model_code", e.model_code)
      .opt("last_liquidity", e.last_liquidity)
      .flag("pending_price_revision", e.pending_price_revision)
      .text("submitter", e.submitter);
  if (f.commission) {
    const auto& c = *f.commission;
    m.opt("commission", c.commission)
        .text("commission_currency", c.currency)
        .opt("realized_pnl", c.realized_pnl)
        .opt("yield", c.yield)
        .opt("yield_redemption_date", c.yield_redemption_date);
  }
  return m.done();
}

json contract_details_json(const gw::ContractDetails& d) {
  Map m;
  m.sub("contract", contract_json(d.contract))
      .text("market_name", d.market_name)
      .opt("min_tick", d.min_tick)
      .text("order_types", d.order_types)
      .text("valid_exchanges", d.valid_exchanges)
      .integer("price_magnifier", d.price_magnifier)
      .id("under_con_id", d.under_con_id)
      .text("long_name", d.long_name)
      .text("contract_month", d.contract_month)
      .text("industry", d.industry)
      .text("category", d.category)
      .text("subcategory", d.subcategory)
      .text("time_zone_id", d.time_zone_id)
      .text("trading_hours", d.trading_hours)
      .text("liquid_hours", d.liquid_hours)
      .text("ev_rule", d.ev_rule)
      .opt("ev_multiplier", d.ev_multiplier)
      .pairs("sec_id_list", d.sec_id_list)
      .integer("agg_group", d.agg_group)
      .text("under_symbol", d.under_symbol)
      .text("under_sec_type", d.under_sec_type)
      .text("market_rule_ids", d.market_rule_ids)
      .text("real_expiration_date", d.real_expiration_date)
      .text("last_trade_date", d.last_trade_date)
      .text("stock_type", d.stock_type)
      .opt("min_size", d.min_size)
      .opt("size_increment", d.size_increment)
      .opt("suggested_size_increment", d.suggested_size_increment)
      .pairs("ineligibility_reasons", d.ineligibility_reasons);
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
  Map m;
  m.text("account", v.account).text("tag", v.tag);
  json out = m.done();
  if (auto value = account_value(v.value)) out["value"] = std::move(*value);
  if (!v.currency.empty()) out["currency"] = v.currency;
  return out;
}

}  // namespace intentq::intents
