// Plain data that crosses the TWS API: what the codec decodes into, what the simulator serves
// from its scenario, and what intents turn into result maps.
//
// Conventions:
// - A value IB may send as "unset" (empty field, 1.7976931348623157E308, 2147483647,
//   9223372036854775807) is a std::optional that stays empty; the sentinel never leaves the codec.
// - IB's decimal quantities (positions, shares, filled/remaining) are doubles here; the codec
//   reads and writes them as decimal strings.
// - Names mirror IB's, in snake_case, so the result maps can use them unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace intentq::gw {

// The server versions this codec speaks. 201+ switches to binary message ids and protobuf.
inline constexpr int kMinServerVersion = 176;
inline constexpr int kMaxServerVersion = 200;

struct Contract {
  int64_t con_id = 0;
  std::string symbol;
  std::string sec_type;         // STK, FUT, OPT, CASH, ...
  std::string last_trade_date;  // IB's lastTradeDateOrContractMonth
  std::optional<double> strike;
  std::string right;  // C/P; empty when none (IB sends "?" or "" on the wire)
  std::string multiplier;
  std::string exchange;
  std::string primary_exchange;
  std::string currency;
  std::string local_symbol;
  std::string trading_class;
  bool include_expired = false;  // request-side only
  std::string sec_id_type;       // request-side only
  std::string sec_id;            // request-side only
  std::string issuer_id;         // request-side only (sv >= 176)

  bool operator==(const Contract&) const = default;
};

struct Position {
  std::string account;
  Contract contract;
  double position = 0;
  std::optional<double> avg_cost;

  bool operator==(const Position&) const = default;
};

struct AccountValue {  // one accountSummary row
  std::string account;
  std::string tag;
  std::string value;  // text as IB sends it ("246447.83", "INDIVIDUAL")
  std::string currency;

  bool operator==(const AccountValue&) const = default;
};

struct ExecutionFilter {
  int client_id = 0;  // 0 = any
  std::string account;
  std::string time;  // "yyyymmdd hh:mm:ss"
  std::string symbol;
  std::string sec_type;
  std::string exchange;
  std::string side;
  std::optional<int> last_n_days;   // sv >= 200
  std::vector<int> specific_dates;  // sv >= 200, yyyymmdd

  bool operator==(const ExecutionFilter&) const = default;
};

struct Execution {
  int64_t order_id = 0;
  Contract contract;
  std::string exec_id;
  std::string time;
  std::string account;
  std::string exchange;
  std::string side;  // BOT / SLD
  double shares = 0;
  double price = 0;
  int64_t perm_id = 0;
  int client_id = 0;
  int liquidation = 0;
  double cum_qty = 0;
  double avg_price = 0;
  std::string order_ref;
  std::string ev_rule;
  std::optional<double> ev_multiplier;
  std::string model_code;
  std::optional<int> last_liquidity;
  bool pending_price_revision = false;  // sv >= 178
  std::string submitter;                // sv >= 198

  bool operator==(const Execution&) const = default;
};

struct CommissionReport {
  std::string exec_id;
  std::optional<double> commission;
  std::string currency;
  std::optional<double> realized_pnl;
  std::optional<double> yield;
  std::optional<int> yield_redemption_date;  // yyyymmdd

  bool operator==(const CommissionReport&) const = default;
};

// The order fields intentq reports. The codec decodes every field of openOrder in sequence (so
// that it never drifts) but keeps only these; the rest are read and dropped.
struct Order {
  int64_t order_id = 0;
  int client_id = 0;
  int64_t perm_id = 0;
  int64_t parent_id = 0;
  std::string action;  // BUY / SELL
  double total_quantity = 0;
  std::string order_type;
  std::optional<double> lmt_price;
  std::optional<double> aux_price;
  std::string tif;
  std::string oca_group;
  std::string account;
  std::string open_close;
  int origin = 0;
  std::string order_ref;
  bool outside_rth = false;
  bool hidden = false;
  std::string good_after_time;
  std::string good_till_date;
  std::string model_code;
  std::optional<double> trail_stop_price;
  std::optional<double> trailing_percent;
  std::string algo_strategy;
  std::vector<std::pair<std::string, std::string>> algo_params;
  bool what_if = false;
  std::optional<double> cash_qty;

  bool operator==(const Order&) const = default;
};

struct OrderState {
  std::string status;  // PreSubmitted, Submitted, Filled, ...
  std::optional<double> commission;
  std::optional<double> min_commission;
  std::optional<double> max_commission;
  std::string commission_currency;
  std::string warning_text;

  bool operator==(const OrderState&) const = default;
};

struct OpenOrder {  // one openOrder message
  Contract contract;
  Order order;
  OrderState state;

  bool operator==(const OpenOrder&) const = default;
};

struct OrderStatus {  // one orderStatus message
  int64_t order_id = 0;
  std::string status;
  double filled = 0;
  double remaining = 0;
  std::optional<double> avg_fill_price;
  int64_t perm_id = 0;
  int64_t parent_id = 0;
  std::optional<double> last_fill_price;
  int client_id = 0;
  std::string why_held;
  std::optional<double> mkt_cap_price;

  bool operator==(const OrderStatus&) const = default;
};

struct ContractDetails {  // one contractData message
  Contract contract;
  std::string market_name;
  std::optional<double> min_tick;
  std::string order_types;
  std::string valid_exchanges;
  int price_magnifier = 0;
  int64_t under_con_id = 0;
  std::string long_name;
  std::string contract_month;
  std::string industry;
  std::string category;
  std::string subcategory;
  std::string time_zone_id;
  std::string trading_hours;
  std::string liquid_hours;
  std::string ev_rule;
  std::optional<double> ev_multiplier;
  std::vector<std::pair<std::string, std::string>> sec_id_list;
  int agg_group = 0;
  std::string under_symbol;
  std::string under_sec_type;
  std::string market_rule_ids;
  std::string real_expiration_date;
  std::string last_trade_date;  // sv >= 182, separate from contract.last_trade_date
  std::string stock_type;
  std::optional<double> min_size;
  std::optional<double> size_increment;
  std::optional<double> suggested_size_increment;
  std::vector<std::pair<std::string, std::string>> ineligibility_reasons;  // (id, text), sv >= 186

  bool operator==(const ContractDetails&) const = default;
};

struct Fill {  // an execution joined with its commission report (if one arrived)
  Execution execution;
  std::optional<CommissionReport> commission;
};

struct OpenOrderWithStatus {  // openOrder merged with the latest orderStatus for that order
  OpenOrder open_order;
  std::optional<OrderStatus> status;
};

// An error/notice message (id 4). id -1 = system notice; otherwise a request or order id.
struct ErrorMessage {
  int64_t id = -1;
  int code = 0;
  std::string message;
  std::string advanced_order_reject_json;
  std::optional<int64_t> error_time_ms;  // sv >= 194

  bool operator==(const ErrorMessage&) const = default;
};

}  // namespace intentq::gw
