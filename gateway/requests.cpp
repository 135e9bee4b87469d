#include "gateway/requests.hpp"

#include "gateway/messages.hpp"
#include "gateway/request_table.hpp"

namespace intentq::gw::req {

// Shared answers (Sharing::kJoin / kOneGroup) are copied: other callers may hold the same request.

std::string Positions::encode(int sv, int) const {
  return encode_req_positions(sv);
}
Positions::Result Positions::take(PendingRequest& done) {
  return done.positions;
}

std::string AccountSummary::encode(int sv, int req_id) const {
  return encode_req_account_summary(sv, req_id, group, tags);
}
AccountSummary::Result AccountSummary::take(PendingRequest& done) {
  return std::move(done.account_values);
}

std::string Executions::encode(int sv, int req_id) const {
  return encode_req_executions(sv, req_id, filter);
}
Executions::Result Executions::take(PendingRequest& done) {
  return std::move(done.fills);
}

std::string AllOpenOrders::encode(int sv, int) const {
  return encode_req_all_open_orders(sv);
}
AllOpenOrders::Result AllOpenOrders::take(PendingRequest& done) {
  return done.orders;
}

std::string OpenOrders::encode(int sv, int) const {
  return encode_req_open_orders(sv);
}
OpenOrders::Result OpenOrders::take(PendingRequest& done) {
  return done.orders;
}

std::string ContractDetails::encode(int sv, int req_id) const {
  return encode_req_contract_details(sv, req_id, contract);
}
ContractDetails::Result ContractDetails::take(PendingRequest& done) {
  return std::move(done.contracts);
}

std::string CurrentTime::encode(int sv, int) const {
  return encode_req_current_time(sv);
}
CurrentTime::Result CurrentTime::take(PendingRequest& done) {
  return done.current_time;
}

std::string HistoricalData::encode(int sv, int req_id) const {
  return encode_req_historical_data(sv, req_id, request);
}
HistoricalData::Result HistoricalData::take(PendingRequest& done) {
  HistoricalBars out = std::move(done.historical);
  out.warnings = std::move(done.warnings);
  return out;
}

std::string HeadTimestamp::encode(int sv, int req_id) const {
  return encode_req_head_timestamp(sv, req_id, request);
}
HeadTimestamp::Result HeadTimestamp::take(PendingRequest& done) {
  return std::move(done.head_timestamp);
}

std::string MarketDataSnapshot::encode(int sv, int req_id) const {
  MarketDataRequest r = request;
  r.snapshot = true;  // a streaming subscription would never end: this request is a snapshot
  r.generic_ticks.clear();
  r.options.clear();
  return encode_req_mkt_data(sv, req_id, r);
}
MarketDataSnapshot::Result MarketDataSnapshot::take(PendingRequest& done) {
  gw::MarketDataSnapshot out = std::move(done.snapshot);
  out.warnings = std::move(done.warnings);
  return out;
}

}  // namespace intentq::gw::req
