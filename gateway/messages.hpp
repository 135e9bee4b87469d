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

#include "gateway/market_data.hpp"
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
inline constexpr int kHistoricalData = 17;
inline constexpr int kTickGeneric = 45;
inline constexpr int kTickString = 46;
inline constexpr int kContractDataEnd = 52;
inline constexpr int kOpenOrderEnd = 53;
inline constexpr int kExecutionDataEnd = 55;
inline constexpr int kCommissionReport = 59;
inline constexpr int kPositionData = 61;
inline constexpr int kPositionEnd = 62;
inline constexpr int kAccountSummary = 63;
inline constexpr int kAccountSummaryEnd = 64;
inline constexpr int kTickSnapshotEnd = 57;
inline constexpr int kMarketDataType = 58;
inline constexpr int kTickReqParams = 81;
inline constexpr int kHeadTimestamp = 88;
inline constexpr int kHistoricalDataUpdate = 90;  // same number as the outgoing cancelHeadTimestamp
inline constexpr int kHistoricalDataEnd = 108;    // sv >= 196; before, HISTORICAL_DATA ends itself
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
inline constexpr int kReqMktData = 1;
inline constexpr int kCancelMktData = 2;
inline constexpr int kReqHistoricalData = 20;
inline constexpr int kCancelHistoricalData = 25;
inline constexpr int kReqMarketDataType = 59;
inline constexpr int kReqHeadTimestamp = 87;
inline constexpr int kCancelHeadTimestamp = 90;  // same number as the incoming historicalDataUpdate
}  // namespace msg_id

// The many messages whose body is only a version field (the field-less requests, the id-less end
// markers) or a version and a request id (most cancels and end markers): one template each, the
// message id keeping the types apart. No two messages of one direction share an id, so each
// variant below holds distinct types. Their type alone says how to decode them.
template <int Id>
struct IdOnly {
  static constexpr int kId = Id;
  bool operator==(const IdOnly&) const = default;
};
template <int Id>
struct ReqIdOnly {
  static constexpr int kId = Id;
  int req_id = 0;
  bool operator==(const ReqIdOnly&) const = default;
};
// A request message carrying a request id and the request's parameters.
template <int Id, class Request>
struct ReqWith {
  static constexpr int kId = Id;
  int req_id = 0;
  Request request;
  bool operator==(const ReqWith&) const = default;
};

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
// Market data (gateway/messages_market_data.cpp).
std::string encode_req_historical_data(int sv, int req_id, const HistoricalDataRequest& r);
std::string encode_cancel_historical_data(int sv, int req_id);
std::string encode_req_head_timestamp(int sv, int req_id, const HeadTimestampRequest& r);
std::string encode_cancel_head_timestamp(int sv, int req_id);
std::string encode_req_market_data_type(int sv, int type);  // market_data_type::k...
std::string encode_req_mkt_data(int sv, int req_id, const MarketDataRequest& r);
std::string encode_cancel_mkt_data(int sv, int req_id);

// ---- Client -> server decoding (used by the simulator) ----
// Each message type names its id (kId): the simulator finds its request spec by it.
struct StartApi {
  static constexpr int kId = msg_id::kStartApi;
  int client_id = 0;
  std::string optional_capabilities;
  bool operator==(const StartApi&) const = default;
};
using ReqPositions = IdOnly<msg_id::kReqPositions>;
using CancelPositions = IdOnly<msg_id::kCancelPositions>;
struct ReqAccountSummary {
  static constexpr int kId = msg_id::kReqAccountSummary;
  int req_id = 0;
  std::string group;
  std::string tags;
  bool operator==(const ReqAccountSummary&) const = default;
};
using CancelAccountSummary = ReqIdOnly<msg_id::kCancelAccountSummary>;
struct ReqExecutions {
  static constexpr int kId = msg_id::kReqExecutions;
  int req_id = 0;
  ExecutionFilter filter;
  bool operator==(const ReqExecutions&) const = default;
};
using ReqAllOpenOrders = IdOnly<msg_id::kReqAllOpenOrders>;
using ReqOpenOrders = IdOnly<msg_id::kReqOpenOrders>;
using ReqCurrentTime = IdOnly<msg_id::kReqCurrentTime>;
struct ReqContractDetails {
  static constexpr int kId = msg_id::kReqContractData;
  int req_id = 0;
  Contract contract;
  bool operator==(const ReqContractDetails&) const = default;
};
using ReqHistoricalData = ReqWith<msg_id::kReqHistoricalData, HistoricalDataRequest>;
using CancelHistoricalData = ReqIdOnly<msg_id::kCancelHistoricalData>;
using ReqHeadTimestamp = ReqWith<msg_id::kReqHeadTimestamp, HeadTimestampRequest>;
struct CancelHeadTimestamp {  // a request id with no version field before it
  static constexpr int kId = msg_id::kCancelHeadTimestamp;
  int req_id = 0;
  bool operator==(const CancelHeadTimestamp&) const = default;
};
struct ReqMarketDataType {  // a connection setting: no request id, no answer of its own
  static constexpr int kId = msg_id::kReqMarketDataType;
  int type = market_data_type::kLive;
  bool operator==(const ReqMarketDataType&) const = default;
};
using ReqMktData = ReqWith<msg_id::kReqMktData, MarketDataRequest>;
using CancelMktData = ReqIdOnly<msg_id::kCancelMktData>;
struct UnknownRequest {
  int id = 0;
  bool operator==(const UnknownRequest&) const = default;
};
using ClientMessage =
    std::variant<StartApi, ReqPositions, CancelPositions, ReqAccountSummary, CancelAccountSummary,
                 ReqExecutions, ReqAllOpenOrders, ReqOpenOrders, ReqCurrentTime, ReqContractDetails,
                 ReqHistoricalData, CancelHistoricalData, ReqHeadTimestamp, CancelHeadTimestamp,
                 ReqMarketDataType, ReqMktData, CancelMktData, UnknownRequest>;
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
// Market data: the message structs below, encoded whole (gateway/messages_market_data.cpp).
using TickSnapshotEnd = ReqIdOnly<msg_id::kTickSnapshotEnd>;  // TICK_SNAPSHOT_END (57)
struct HistoricalDataMsg;
struct HistoricalDataEnd;
struct HistoricalDataUpdate;
struct HeadTimestampMsg;
struct TickReqParams;
struct MarketDataTypeMsg;
struct TickPrice;
struct TickSize;
struct TickGeneric;
struct TickString;
// Below sv 196 the start/end of `m` go inside the message (and end the answer); from 196 they
// are left out and encode_historical_data_end() sends them.
std::string encode_historical_data(int sv, const HistoricalDataMsg& m);
std::string encode_historical_data_end(int sv, const HistoricalDataEnd& m);  // sv >= 196
std::string encode_historical_data_update(int sv, const HistoricalDataUpdate& m);
std::string encode_head_timestamp(int sv, const HeadTimestampMsg& m);
std::string encode_tick_req_params(int sv, const TickReqParams& m);
std::string encode_market_data_type(int sv, const MarketDataTypeMsg& m);
std::string encode_tick_price(int sv, const TickPrice& m);
std::string encode_tick_size(int sv, const TickSize& m);
std::string encode_tick_generic(int sv, const TickGeneric& m);
std::string encode_tick_string(int sv, const TickString& m);
std::string encode_tick_snapshot_end(int sv, const TickSnapshotEnd& m);

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
using PositionEnd = IdOnly<msg_id::kPositionEnd>;
struct AccountSummaryMsg {
  int req_id = 0;
  AccountValue value;
  bool operator==(const AccountSummaryMsg&) const = default;
};
using AccountSummaryEnd = ReqIdOnly<msg_id::kAccountSummaryEnd>;
struct ExecDetailsMsg {
  int req_id = 0;
  Execution execution;
  bool operator==(const ExecDetailsMsg&) const = default;
};
using ExecDetailsEnd = ReqIdOnly<msg_id::kExecutionDataEnd>;
using OpenOrderEnd = IdOnly<msg_id::kOpenOrderEnd>;
struct CurrentTime {
  int64_t epoch_seconds = 0;
  bool operator==(const CurrentTime&) const = default;
};
struct ContractDataMsg {
  int req_id = 0;
  ContractDetails details;
  bool operator==(const ContractDataMsg&) const = default;
};
using ContractDataEnd = ReqIdOnly<msg_id::kContractDataEnd>;
// HISTORICAL_DATA (17). Below sv 196 it carries the answered range and is the whole answer
// (`ends_answer`); from 196 the range comes in HISTORICAL_DATA_END (108).
struct HistoricalDataMsg {
  int req_id = 0;
  std::string start;  // sv < 196 only
  std::string end;    // sv < 196 only
  std::vector<Bar> bars;
  bool ends_answer = false;  // decoded: true below sv 196 (the encoder ignores it)
  bool operator==(const HistoricalDataMsg&) const = default;
};
// Most bars one HISTORICAL_DATA may carry; a larger count is refused as garbage before anything
// is allocated (IB sends "a few thousand"; the request table's row bound applies on top).
inline constexpr size_t kMaxBarsPerMessage = 250000;
struct HistoricalDataEnd {  // HISTORICAL_DATA_END (108), sv >= 196
  int req_id = 0;
  std::string start;
  std::string end;
  bool operator==(const HistoricalDataEnd&) const = default;
};
struct HistoricalDataUpdate {  // (90) keepUpToDate=1 only; wire order open, close, high, low
  int req_id = 0;
  int bar_count = 0;
  Bar bar;
  bool operator==(const HistoricalDataUpdate&) const = default;
};
struct HeadTimestampMsg {  // HEAD_TIMESTAMP (88)
  int req_id = 0;
  std::string timestamp;  // epoch seconds with formatDate 2
  bool operator==(const HeadTimestampMsg&) const = default;
};
struct TickReqParams {  // TICK_REQ_PARAMS (81)
  int req_id = 0;
  std::optional<double> min_tick;
  std::string bbo_exchange;
  std::optional<int> snapshot_permissions;
  bool operator==(const TickReqParams&) const = default;
};
struct MarketDataTypeMsg {  // MARKET_DATA_TYPE (58)
  int req_id = 0;
  int type = market_data_type::kLive;
  bool operator==(const MarketDataTypeMsg&) const = default;
};
struct TickPrice {  // TICK_PRICE (1)
  int req_id = 0;
  int tick_type = 0;
  double price = 0;
  std::string size;  // decimal as sent
  int attr_mask = 0;
  bool operator==(const TickPrice&) const = default;
};
struct TickSize {  // TICK_SIZE (2)
  int req_id = 0;
  int tick_type = 0;
  std::string size;  // decimal as sent
  bool operator==(const TickSize&) const = default;
};
struct TickGeneric {  // TICK_GENERIC (45)
  int req_id = 0;
  int tick_type = 0;
  double value = 0;
  bool operator==(const TickGeneric&) const = default;
};
struct TickString {  // TICK_STRING (46)
  int req_id = 0;
  int tick_type = 0;
  std::string value;
  bool operator==(const TickString&) const = default;
};
struct UnknownMessage {  // skipped by length, never fatal
  int id = 0;
  bool operator==(const UnknownMessage&) const = default;
};
using ServerMessage =
    std::variant<ManagedAccounts, NextValidId, ErrorMessage, PositionMsg, PositionEnd,
                 AccountSummaryMsg, AccountSummaryEnd, ExecDetailsMsg, CommissionReport,
                 ExecDetailsEnd, OpenOrder, OrderStatus, OpenOrderEnd, CurrentTime, ContractDataMsg,
                 ContractDataEnd, HistoricalDataMsg, HistoricalDataEnd, HistoricalDataUpdate,
                 HeadTimestampMsg, TickReqParams, MarketDataTypeMsg, TickPrice, TickSize,
                 TickGeneric, TickString, TickSnapshotEnd, UnknownMessage>;
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
template <>
inline constexpr int kAnswerId<HistoricalDataMsg> = msg_id::kHistoricalData;
template <>
inline constexpr int kAnswerId<HistoricalDataEnd> = msg_id::kHistoricalDataEnd;
template <>
inline constexpr int kAnswerId<HeadTimestampMsg> = msg_id::kHeadTimestamp;
template <>
inline constexpr int kAnswerId<TickReqParams> = msg_id::kTickReqParams;
template <>
inline constexpr int kAnswerId<MarketDataTypeMsg> = msg_id::kMarketDataType;
template <>
inline constexpr int kAnswerId<TickPrice> = msg_id::kTickPrice;
template <>
inline constexpr int kAnswerId<TickSize> = msg_id::kTickSize;
template <>
inline constexpr int kAnswerId<TickGeneric> = msg_id::kTickGeneric;
template <>
inline constexpr int kAnswerId<TickString> = msg_id::kTickString;
template <>
inline constexpr int kAnswerId<TickSnapshotEnd> = msg_id::kTickSnapshotEnd;
// HistoricalDataUpdate is not routed: no request asks for updates (keepUpToDate=0).

}  // namespace intentq::gw
