// Helpers for the codec tests: the docs write payloads with '|' for each NUL terminator.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/messages_orders.hpp"

namespace intentq::gw::test {

// "15|1|DU1|" -> "15\0" "1\0" "DU1\0"
inline std::string nul(std::string_view pipes) {
  std::string s(pipes);
  for (char& c : s)
    if (c == '|') c = '\0';
  return s;
}

// The reverse, for readable assertion messages.
inline std::string pipes(std::string_view payload) {
  std::string s(payload);
  for (char& c : s)
    if (c == '\0') c = '|';
  return s;
}

inline size_t field_count(std::string_view payload) {
  size_t n = 0;
  for (char c : payload) n += c == '\0';
  return n;
}

// The alternative T of a decoded message, or a test failure (and T{}) when it is another.
template <class T, class Message>
T alternative_as(const Message& m, std::string_view payload) {
  const T* p = std::get_if<T>(&m);
  if (p == nullptr) {
    ADD_FAILURE() << "decoded to alternative #" << m.index() << ": " << pipes(payload);
    return T{};
  }
  return *p;
}

// Decodes a server (client) payload and insists on the expected alternative.
template <class T>
T server_as(int sv, std::string_view payload) {
  return alternative_as<T>(decode_server_message(sv, payload), payload);
}
template <class T>
T client_as(int sv, std::string_view payload) {
  return alternative_as<T>(decode_client_message(sv, payload), payload);
}

// The sample contracts of the codec tests: AAPL stock as a client asks for it (no contract id),
// and an AAPL call option with every field an option carries.
inline Contract aapl_stock() {
  Contract c;
  c.symbol = "AAPL";
  c.sec_type = "STK";
  c.exchange = "SMART";
  c.primary_exchange = "NASDAQ";
  c.currency = "USD";
  return c;
}
inline Contract aapl_call() {
  Contract c = aapl_stock();
  c.con_id = 812345678;
  c.sec_type = "OPT";
  c.last_trade_date = "20260619";
  c.strike = 210.5;
  c.right = "C";
  c.multiplier = "100";
  c.primary_exchange.clear();
  c.local_symbol = "AAPL  260619C00210500";
  c.trading_class = "AAPL";
  return c;
}

// An optional value as text, "-" when unset.
template <class T>
std::string or_dash(const std::optional<T>& v) {
  if (!v) return "-";
  std::ostringstream s;
  s << *v;
  return s.str();
}

// The fields of a contract that are set, in one line: "con_id=265598 symbol=AAPL sec_type=STK
// exchange=NASDAQ currency=USD local_symbol=AAPL trading_class=NMS", an option's strike last
// (the request-side fields are left out: answers do not carry them).
inline std::string contract_line(const Contract& c) {
  static const std::pair<const char*, std::string Contract::*> kText[] = {
      {"symbol", &Contract::symbol},
      {"sec_type", &Contract::sec_type},
      {"last_trade_date", &Contract::last_trade_date},
      {"right", &Contract::right},
      {"multiplier", &Contract::multiplier},
      {"exchange", &Contract::exchange},
      {"primary_exchange", &Contract::primary_exchange},
      {"currency", &Contract::currency},
      {"local_symbol", &Contract::local_symbol},
      {"trading_class", &Contract::trading_class}};
  std::vector<std::string> set;
  if (c.con_id != 0) set.push_back("con_id=" + std::to_string(c.con_id));
  for (const auto& [name, field] : kText)
    if (!(c.*field).empty()) set.push_back(name + ("=" + c.*field));
  if (c.strike) set.push_back("strike=" + or_dash(c.strike));
  std::string line;
  for (const auto& item : set) line += (line.empty() ? "" : " ") + item;
  return line;
}

// A recorded openOrder frame (written with '|') decodes to what the full encoder writes back byte
// for byte; the model-only encoder writes it too, but for the pieces of text only the extras
// carry: `plain` replaces each (the first place it stands) with what that encoder writes there.
inline void expect_order_frame_reencodes(
    int sv, const std::string& recording,
    const std::vector<std::pair<std::string, std::string>>& plain) {
  OpenOrderFull full = decode_open_order_full(sv, nul(recording));
  EXPECT_EQ(pipes(encode_open_order_full(sv, full.open_order, full.extras)), recording);
  std::string expected = recording;
  for (const auto& [text, written] : plain) {
    size_t at = expected.find(text);
    ASSERT_NE(at, std::string::npos) << text;
    expected.replace(at, text.size(), written);
  }
  EXPECT_EQ(pipes(encode_open_order(sv, full.open_order)), expected);
}

// An order in one line, as a trader reads it, for the tests of recorded frames:
// "#211 SELL 1 AAPL LMT 2000 PreSubmitted (client 1, perm 900211, parent 210, cash 0)". An
// option's right follows its symbol; an unset limit price or cash quantity reads "-".
inline std::string order_line(const OpenOrder& o) {
  std::ostringstream s;
  s << '#' << o.order.order_id << ' ' << o.order.action << ' ' << o.order.total_quantity << ' '
    << o.contract.symbol << (o.contract.right.empty() ? "" : " " + o.contract.right) << ' '
    << o.order.order_type << ' ' << or_dash(o.order.lmt_price) << ' ' << o.state.status
    << " (client " << o.order.client_id << ", perm " << o.order.perm_id << ", parent "
    << o.order.parent_id << ", cash " << or_dash(o.order.cash_qty) << ')';
  return s.str();
}

// An execution in one line, likewise: "0000e0d5.67fe667b.01.01 20250415  19:38:31 DU1234567 BOT
// 100 AAPL @ 201.94 on IEX (order 5, perm 600745656, client 100, cum 100 @ 201.94, liquidity 2)".
inline std::string execution_line(const Execution& e) {
  std::ostringstream s;
  s << e.exec_id << ' ' << e.time << ' ' << e.account << ' ' << e.side << ' ' << e.shares << ' '
    << e.contract.symbol << " @ " << e.price << " on " << e.exchange << " (order " << e.order_id
    << ", perm " << e.perm_id << ", client " << e.client_id << ", cum " << e.cum_qty << " @ "
    << e.avg_price << ", liquidity " << or_dash(e.last_liquidity) << ')';
  return s.str();
}

// Decodes a recorded openOrder frame (written with '|') at sv, which has `fields` fields and
// reads as `line` (see order_line), and returns the order for the checks of its other fields.
inline OpenOrder recorded_order(int sv, const std::string& recording, size_t fields,
                                const std::string& line) {
  const std::string payload = nul(recording);
  EXPECT_EQ(field_count(payload), fields);
  OpenOrder o = server_as<OpenOrder>(sv, payload);
  EXPECT_EQ(order_line(o), line);
  return o;
}

// An error message as the gateway sends it (id -1 for one about no request).
inline ErrorMessage error(int64_t id, int code, std::string text) {
  ErrorMessage e;
  e.id = id;
  e.code = code;
  e.message = std::move(text);
  return e;
}

}  // namespace intentq::gw::test

// The codec tests live in intentq::gw and use these helpers unqualified.
namespace intentq::gw {
using test::aapl_call;
using test::aapl_stock;
using test::client_as;
using test::contract_line;
using test::execution_line;
using test::expect_order_frame_reencodes;
using test::field_count;
using test::nul;
using test::order_line;
using test::pipes;
using test::recorded_order;
using test::server_as;
}  // namespace intentq::gw

// gtest printers: show a value as its sv-200 wire form, so a failed comparison reads like a frame
// instead of a byte dump.
namespace intentq::gw {
inline void PrintTo(const Contract& c, std::ostream* os) {
  *os << test::pipes(encode_req_contract_details(kMaxServerVersion, 0, c));
}
inline void PrintTo(const Position& p, std::ostream* os) {
  *os << test::pipes(encode_position(kMaxServerVersion, p));
}
inline void PrintTo(const AccountValue& v, std::ostream* os) {
  *os << test::pipes(encode_account_summary(kMaxServerVersion, 0, v));
}
inline void PrintTo(const ExecutionFilter& f, std::ostream* os) {
  *os << test::pipes(encode_req_executions(kMaxServerVersion, 0, f));
}
inline void PrintTo(const Execution& e, std::ostream* os) {
  *os << test::pipes(encode_exec_details(kMaxServerVersion, 0, e));
}
inline void PrintTo(const CommissionReport& c, std::ostream* os) {
  *os << test::pipes(encode_commission_report(kMaxServerVersion, c));
}
inline void PrintTo(const OpenOrder& o, std::ostream* os) {
  *os << test::pipes(encode_open_order(kMaxServerVersion, o));
}
inline void PrintTo(const OrderStatus& s, std::ostream* os) {
  *os << test::pipes(encode_order_status(kMaxServerVersion, s));
}
inline void PrintTo(const ContractDetails& d, std::ostream* os) {
  *os << test::pipes(encode_contract_data(kMaxServerVersion, 0, d));
}
inline void PrintTo(const ErrorMessage& e, std::ostream* os) {
  *os << test::pipes(encode_error(kMaxServerVersion, e));
}
}  // namespace intentq::gw
