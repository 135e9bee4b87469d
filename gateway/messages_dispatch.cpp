// Message-id dispatch for both directions. Unknown ids are not errors: the frame was already
// delimited by its length, so the caller can skip it and stay in sync.
#include <optional>
#include <utility>
#include <variant>

#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {
namespace {

// The messages whose body is only their version (IdOnly) or version and request id (ReqIdOnly)
// need no decoder of their own: their type says it.
template <int Id>
IdOnly<Id> decode_body(IdOnly<Id>, FieldReader& r) {
  r.str();
  return {};
}
template <int Id>
ReqIdOnly<Id> decode_body(ReqIdOnly<Id>, FieldReader& r) {
  return {decode_version_and_req_id(r)};
}
template <class T>
constexpr bool kDecodedByType = requires(FieldReader& r) {
  decode_body(T{}, r);
};

// Decodes `out` as the alternative of Variant that is decoded by its type and has id `id`;
// false when there is none.
template <class Variant>
bool decode_by_type(int id, FieldReader& r, Variant& out) {
  auto try_one = [&]<class T>(T*) {
    if constexpr (kDecodedByType<T>) {
      if (T::kId != id) return false;
      out = decode_body(T{}, r);
      return true;
    }
    return false;
  };
  return [&]<class... T>(std::variant<T...>*) {
    return (try_one(static_cast<T*>(nullptr)) || ...);
  }(static_cast<Variant*>(nullptr));
}

// cancelHeadTimestamp carries its request id with no version field.
CancelHeadTimestamp decode_cancel_head_timestamp(int, FieldReader& r) {
  return CancelHeadTimestamp{r.i32()};
}
// reqMarketDataType: version, then the type where the others have their request id.
ReqMarketDataType decode_req_market_data_type(int, FieldReader& r) {
  return ReqMarketDataType{decode_version_and_req_id(r)};
}

// The other messages: one row per message id with the decoder of its body, widened to the
// direction's variant.
template <class Message>
struct Route {
  int id;
  Message (*decode)(int sv, FieldReader& r);
};
template <class Message, auto Decode>
Message widen(int sv, FieldReader& r) {
  return Decode(sv, r);
}
template <class Message, auto Decode>
constexpr Route<Message> route(int id) {
  return {id, &widen<Message, Decode>};
}

constexpr Route<ServerMessage> kServerRoutes[] = {
    route<ServerMessage, decode_managed_accounts>(msg_id::kManagedAccts),
    route<ServerMessage, decode_next_valid_id>(msg_id::kNextValidId),
    route<ServerMessage, decode_error>(msg_id::kErrMsg),
    route<ServerMessage, decode_position>(msg_id::kPositionData),
    route<ServerMessage, decode_account_summary>(msg_id::kAccountSummary),
    route<ServerMessage, decode_exec_details>(msg_id::kExecutionData),
    route<ServerMessage, decode_commission_report>(msg_id::kCommissionReport),
    route<ServerMessage, decode_open_order>(msg_id::kOpenOrder),
    route<ServerMessage, decode_order_status>(msg_id::kOrderStatus),
    route<ServerMessage, decode_current_time>(msg_id::kCurrentTime),
    route<ServerMessage, decode_contract_data>(msg_id::kContractData),
    route<ServerMessage, decode_historical_data>(msg_id::kHistoricalData),
    route<ServerMessage, decode_historical_data_end>(msg_id::kHistoricalDataEnd),
    route<ServerMessage, decode_historical_data_update>(msg_id::kHistoricalDataUpdate),
    route<ServerMessage, decode_head_timestamp>(msg_id::kHeadTimestamp),
    route<ServerMessage, decode_tick_req_params>(msg_id::kTickReqParams),
    route<ServerMessage, decode_market_data_type>(msg_id::kMarketDataType),
    route<ServerMessage, decode_tick_price>(msg_id::kTickPrice),
    route<ServerMessage, decode_tick_size>(msg_id::kTickSize),
    route<ServerMessage, decode_tick_generic>(msg_id::kTickGeneric),
    route<ServerMessage, decode_tick_string>(msg_id::kTickString),
};

// A client message's row: its type names its id (kId).
template <auto Decode>
constexpr Route<ClientMessage> request_route() {
  using Message = decltype(Decode(0, std::declval<FieldReader&>()));
  return route<ClientMessage, Decode>(Message::kId);
}
constexpr Route<ClientMessage> kClientRoutes[] = {
    request_route<decode_start_api>(),
    request_route<decode_req_account_summary>(),
    request_route<decode_req_executions>(),
    request_route<decode_req_contract_details>(),
    request_route<decode_req_historical_data>(),
    request_route<decode_req_head_timestamp>(),
    request_route<decode_cancel_head_timestamp>(),
    request_route<decode_req_market_data_type>(),
    request_route<decode_req_mkt_data>(),
};

// Reads the message id and decodes the body by its row or by its type; `Unknown{id}` when the
// id is neither.
template <class Unknown, class Message, size_t N>
Message dispatch(const Route<Message> (&routes)[N], int sv, std::string_view payload) {
  check_server_version(sv);
  FieldReader r(payload);
  const int id = r.i32();
  for (const auto& route : routes)
    if (route.id == id) return route.decode(sv, r);
  Message out;
  if (decode_by_type(id, r, out)) return out;
  return Unknown{id};
}

}  // namespace
}  // namespace detail

ServerMessage decode_server_message(int sv, std::string_view payload) {
  return detail::dispatch<UnknownMessage>(detail::kServerRoutes, sv, payload);
}

ClientMessage decode_client_message(int sv, std::string_view payload) {
  return detail::dispatch<UnknownRequest>(detail::kClientRoutes, sv, payload);
}

}  // namespace intentq::gw
