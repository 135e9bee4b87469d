// Typed TWS API messages, gated by the negotiated server version sv (176..200).
//
// Encoders return a PAYLOAD (callers wrap it with frame()). Decoders take one payload and throw
// CodecError on truncated or malformed input; unknown message ids decode to UnknownMessage /
// UnknownRequest so a reader can skip them. Trailing extra fields are tolerated (a newer gateway
// may append fields we do not know).
//
// Client -> server messages are encoded for the session and decoded for the simulator; server ->
// client messages the other way round. Both directions of each message share one field sequence
// (see messages_*.cpp), so the two sides cannot drift apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/types.hpp"
#include "gateway/wire.hpp"

namespace intentq::gw {

// Oldest layout the codec encodes/decodes. The session negotiates kMinServerVersion..200; the
// codec also accepts 164..175 so that recorded sv-173 gateway traffic can be checked against it.
inline constexpr int kOldestLayoutVersion = 164;

namespace msg_id {
// Incoming (server -> client).
inline constexpr int kTickPrice = 1;
inline constexpr int kTickSize = 2;
inline constexpr int kOrderStatus = 3;
inline constexpr int kErrMsg = 4;
inline constexpr int kOpenOrder = 5;
inline constexpr int kAcctValue = 6;
inline constexpr int kPortfolioValue = 7;
inline constexpr int kAcctUpdateTime = 8;
inline constexpr int kNextValidId = 9;
inline constexpr int kContractData = 10;
inline constexpr int kExecutionData = 11;
inline constexpr int kManagedAccts = 15;
inline constexpr int kCurrentTime = 49;
inline constexpr int kContractDataEnd = 52;
inline constexpr int kOpenOrderEnd = 53;
inline constexpr int kExecutionDataEnd = 55;
inline constexpr int kCommissionReport = 59;
inline constexpr int kPositionData = 61;
inline constexpr int kPositionEnd = 62;
inline constexpr int kAccountSummary = 63;
inline constexpr int kAccountSummaryEnd = 64;
// Outgoing (client -> server).
inline constexpr int kReqOpenOrders = 5;
inline constexpr int kReqExecutions = 7;
inline constexpr int kReqContractData = 9;
inline constexpr int kReqAllOpenOrders = 16;
inline constexpr int kReqCurrentTime = 49;
inline constexpr int kReqPositions = 61;
inline constexpr int kReqAccountSummary = 62;
inline constexpr int kCancelAccountSummary = 63;
inline constexpr int kCancelPositions = 64;
inline constexpr int kStartApi = 71;
}  // namespace msg_id

// ---- Client -> server encoders (payloads) ----
std::string encode_start_api(int sv, int client_id, std::string_view optional_capabilities = "");
std::string encode_req_positions(int sv);
std::string encode_cancel_positions(int sv);
std::string encode_req_account_summary(int sv, int req_id, std::string_view group,
                                       std::string_view tags);
std::string encode_cancel_account_summary(int sv, int req_id);
std::string encode_req_executions(int sv, int req_id, const ExecutionFilter& filter);
std::string encode_req_all_open_orders(int sv);
std::string encode_req_open_orders(int sv);
std::string encode_req_current_time(int sv);
std::string encode_req_contract_details(int sv, int req_id, const Contract& contract);

// ---- Client -> server decoding (used by the simulator) ----
// Each message type names its id (kId): the simulator finds its request spec by it.
struct StartApi {
  static constexpr int kId = msg_id::kStartApi;
  int client_id = 0;
  std::string optional_capabilities;
  bool operator==(const StartApi&) const = default;
};
struct ReqPositions {
  static constexpr int kId = msg_id::kReqPositions;
  bool operator==(const ReqPositions&) const = default;
};
struct CancelPositions {
  static constexpr int kId = msg_id::kCancelPositions;
  bool operator==(const CancelPositions&) const = default;
};
struct ReqAccountSummary {
  static constexpr int kId = msg_id::kReqAccountSummary;
  int req_id = 0;
  std::string group;
  std::string tags;
  bool operator==(const ReqAccountSummary&) const = default;
};
struct CancelAccountSummary {
  static constexpr int kId = msg_id::kCancelAccountSummary;
  int req_id = 0;
  bool operator==(const CancelAccountSummary&) const = default;
};
struct ReqExecutions {
  static constexpr int kId = msg_id::kReqExecutions;
  int req_id = 0;
  ExecutionFilter filter;
  bool operator==(const ReqExecutions&) const = default;
};
struct ReqAllOpenOrders {
  static constexpr int kId = msg_id::kReqAllOpenOrders;
  bool operator==(const ReqAllOpenOrders&) const = default;
};
struct ReqOpenOrders {
  static constexpr int kId = msg_id::kReqOpenOrders;
  bool operator==(const ReqOpenOrders&) const = default;
};
struct ReqCurrentTime {
  static constexpr int kId = msg_id::kReqCurrentTime;
  bool operator==(const ReqCurrentTime&) const = default;
};
struct ReqContractDetails {
  static constexpr int kId = msg_id::kReqContractData;
  int req_id = 0;
  Contract contract;
  bool operator==(const ReqContractDetails&) const = default;
};
struct UnknownRequest {
  int id = 0;
  bool operator==(const UnknownRequest&) const = default;
};
using ClientMessage =
    std::variant<StartApi, ReqPositions, CancelPositions, ReqAccountSummary, CancelAccountSummary,
                 ReqExecutions, ReqAllOpenOrders, ReqOpenOrders, ReqCurrentTime, ReqContractDetails,
                 UnknownRequest>;
ClientMessage decode_client_message(int sv, std::string_view payload);  // throws CodecError

// ---- Server -> client encoders (used by the simulator; payloads) ----
std::string encode_server_version(int sv, std::string_view connection_time);  // handshake answer
std::string encode_managed_accounts(int sv, const std::vector<std::string>& accounts);
std::string encode_next_valid_id(int sv, int64_t order_id);
std::string encode_error(int sv, const ErrorMessage& e);  // layout changes at 194
std::string encode_position(int sv, const Position& p);
std::string encode_position_end(int sv);
std::string encode_account_summary(int sv, int req_id, const AccountValue& v);
std::string encode_account_summary_end(int sv, int req_id);
std::string encode_exec_details(int sv, int req_id, const Execution& e);
std::string encode_commission_report(int sv, const CommissionReport& c);
std::string encode_exec_details_end(int sv, int req_id);
std::string encode_open_order(int sv, const OpenOrder& o);  // the full ~150-field layout
std::string encode_order_status(int sv, const OrderStatus& s);
std::string encode_open_order_end(int sv);
std::string encode_current_time(int sv, int64_t epoch_seconds);
std::string encode_contract_data(int sv, int req_id, const ContractDetails& d);
std::string encode_contract_data_end(int sv, int req_id);

// ---- Server -> client decoding (used by the client session) ----
struct ServerVersion {
  int version = 0;
  std::string connection_time;
  bool operator==(const ServerVersion&) const = default;
};
ServerVersion decode_server_version(std::string_view payload);  // throws CodecError
struct ManagedAccounts {
  std::vector<std::string> accounts;
  bool operator==(const ManagedAccounts&) const = default;
};
struct NextValidId {
  int64_t order_id = 0;
  bool operator==(const NextValidId&) const = default;
};
struct PositionMsg {
  Position position;
  bool operator==(const PositionMsg&) const = default;
};
struct PositionEnd {
  bool operator==(const PositionEnd&) const = default;
};
struct AccountSummaryMsg {
  int req_id = 0;
  AccountValue value;
  bool operator==(const AccountSummaryMsg&) const = default;
};
struct AccountSummaryEnd {
  int req_id = 0;
  bool operator==(const AccountSummaryEnd&) const = default;
};
struct ExecDetailsMsg {
  int req_id = 0;
  Execution execution;
  bool operator==(const ExecDetailsMsg&) const = default;
};
struct ExecDetailsEnd {
  int req_id = 0;
  bool operator==(const ExecDetailsEnd&) const = default;
};
struct OpenOrderEnd {
  bool operator==(const OpenOrderEnd&) const = default;
};
struct CurrentTime {
  int64_t epoch_seconds = 0;
  bool operator==(const CurrentTime&) const = default;
};
struct ContractDataMsg {
  int req_id = 0;
  ContractDetails details;
  bool operator==(const ContractDataMsg&) const = default;
};
struct ContractDataEnd {
  int req_id = 0;
  bool operator==(const ContractDataEnd&) const = default;
};
struct UnknownMessage {  // skipped by length, never fatal
  int id = 0;
  bool operator==(const UnknownMessage&) const = default;
};
using ServerMessage =
    std::variant<ManagedAccounts, NextValidId, ErrorMessage, PositionMsg, PositionEnd,
                 AccountSummaryMsg, AccountSummaryEnd, ExecDetailsMsg, CommissionReport,
                 ExecDetailsEnd, OpenOrder, OrderStatus, OpenOrderEnd, CurrentTime, ContractDataMsg,
                 ContractDataEnd, UnknownMessage>;
ServerMessage decode_server_message(int sv, std::string_view payload);  // throws CodecError

// The message id of a server message type (0 for the ones no request collects): the request
// table finds the spec an answer belongs to by it (RequestSpec::row_ids / end_id).
template <class T>
inline constexpr int kAnswerId = 0;
template <>
inline constexpr int kAnswerId<PositionMsg> = msg_id::kPositionData;
template <>
inline constexpr int kAnswerId<PositionEnd> = msg_id::kPositionEnd;
template <>
inline constexpr int kAnswerId<AccountSummaryMsg> = msg_id::kAccountSummary;
template <>
inline constexpr int kAnswerId<AccountSummaryEnd> = msg_id::kAccountSummaryEnd;
template <>
inline constexpr int kAnswerId<ExecDetailsMsg> = msg_id::kExecutionData;
template <>
inline constexpr int kAnswerId<ExecDetailsEnd> = msg_id::kExecutionDataEnd;
template <>
inline constexpr int kAnswerId<OpenOrder> = msg_id::kOpenOrder;
template <>
inline constexpr int kAnswerId<OrderStatus> = msg_id::kOrderStatus;
template <>
inline constexpr int kAnswerId<OpenOrderEnd> = msg_id::kOpenOrderEnd;
template <>
inline constexpr int kAnswerId<CurrentTime> = msg_id::kCurrentTime;
template <>
inline constexpr int kAnswerId<ContractDataMsg> = msg_id::kContractData;
template <>
inline constexpr int kAnswerId<ContractDataEnd> = msg_id::kContractDataEnd;

}  // namespace intentq::gw
