// Message-id dispatch for both directions. Unknown ids are not errors: the frame was already
// delimited by its length, so the caller can skip it and stay in sync.
#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {

ServerMessage decode_server_message(int sv, std::string_view payload) {
  detail::check_server_version(sv);
  FieldReader r(payload);
  const int id = r.i32();
  using namespace detail;
  switch (id) {
    case msg_id::kManagedAccts:
      return decode_managed_accounts(sv, r);
    case msg_id::kNextValidId:
      return decode_next_valid_id(sv, r);
    case msg_id::kErrMsg:
      return decode_error(sv, r);
    case msg_id::kPositionData:
      return decode_position(sv, r);
    case msg_id::kPositionEnd:
      r.str();
      return PositionEnd{};
    case msg_id::kAccountSummary:
      return decode_account_summary(sv, r);
    case msg_id::kAccountSummaryEnd:
      return AccountSummaryEnd{decode_version_and_req_id(r)};
    case msg_id::kExecutionData:
      return decode_exec_details(sv, r);
    case msg_id::kCommissionReport:
      return decode_commission_report(sv, r);
    case msg_id::kExecutionDataEnd:
      return ExecDetailsEnd{decode_version_and_req_id(r)};
    case msg_id::kOpenOrder:
      return decode_open_order(sv, r);
    case msg_id::kOrderStatus:
      return decode_order_status(sv, r);
    case msg_id::kOpenOrderEnd:
      r.str();
      return OpenOrderEnd{};
    case msg_id::kCurrentTime:
      return decode_current_time(sv, r);
    case msg_id::kContractData:
      return decode_contract_data(sv, r);
    case msg_id::kContractDataEnd:
      return ContractDataEnd{decode_version_and_req_id(r)};
    case msg_id::kHistoricalData:
      return decode_historical_data(sv, r);
    case msg_id::kHistoricalDataEnd:
      return decode_historical_data_end(sv, r);
    case msg_id::kHistoricalDataUpdate:
      return decode_historical_data_update(sv, r);
    case msg_id::kHeadTimestamp:
      return decode_head_timestamp(sv, r);
    case msg_id::kTickReqParams:
      return decode_tick_req_params(sv, r);
    case msg_id::kMarketDataType:
      return decode_market_data_type(sv, r);
    case msg_id::kTickPrice:
      return decode_tick_price(sv, r);
    case msg_id::kTickSize:
      return decode_tick_size(sv, r);
    case msg_id::kTickGeneric:
      return decode_tick_generic(sv, r);
    case msg_id::kTickString:
      return decode_tick_string(sv, r);
    case msg_id::kTickSnapshotEnd:
      return TickSnapshotEnd{decode_version_and_req_id(r)};
    default:
      return UnknownMessage{id};
  }
}

ClientMessage decode_client_message(int sv, std::string_view payload) {
  detail::check_server_version(sv);
  FieldReader r(payload);
  const int id = r.i32();
  using namespace detail;
  switch (id) {
    case msg_id::kStartApi:
      return decode_start_api(sv, r);
    case msg_id::kReqPositions:
      r.str();
      return ReqPositions{};
    case msg_id::kCancelPositions:
      r.str();
      return CancelPositions{};
    case msg_id::kReqAccountSummary:
      return decode_req_account_summary(sv, r);
    case msg_id::kCancelAccountSummary:
      return decode_cancel_account_summary(sv, r);
    case msg_id::kReqExecutions:
      return decode_req_executions(sv, r);
    case msg_id::kReqAllOpenOrders:
      r.str();
      return ReqAllOpenOrders{};
    case msg_id::kReqOpenOrders:
      r.str();
      return ReqOpenOrders{};
    case msg_id::kReqCurrentTime:
      r.str();
      return ReqCurrentTime{};
    case msg_id::kReqContractData:
      return decode_req_contract_details(sv, r);
    case msg_id::kReqHistoricalData:
      return decode_req_historical_data(sv, r);
    case msg_id::kCancelHistoricalData:
      return CancelHistoricalData{decode_version_and_req_id(r)};
    case msg_id::kReqHeadTimestamp:
      return decode_req_head_timestamp(sv, r);
    case msg_id::kCancelHeadTimestamp:
      return CancelHeadTimestamp{r.i32()};  // no version field
    case msg_id::kReqMarketDataType:
      return ReqMarketDataType{decode_version_and_req_id(r)};  // version, type
    case msg_id::kReqMktData:
      return decode_req_mkt_data(sv, r);
    case msg_id::kCancelMktData:
      return CancelMktData{decode_version_and_req_id(r)};
    default:
      return UnknownRequest{id};
  }
}

}  // namespace intentq::gw
