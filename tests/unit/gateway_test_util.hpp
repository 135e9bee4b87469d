// Helpers for the codec tests: the docs write payloads with '|' for each NUL terminator.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/messages.hpp"

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
using test::field_count;
using test::nul;
using test::pipes;
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
