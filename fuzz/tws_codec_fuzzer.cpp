// libFuzzer target for the TWS codec.
//
// Input layout: byte 0 picks the server version (176 + b % 25), byte 1 picks where the rest is
// split into two TCP reads, the rest is the byte stream. Every frame the FrameReader yields is
// decoded both as a server message and as a client message; CodecError is the only acceptable
// failure. Whatever decodes must survive encode -> decode unchanged (the encoder and decoder share
// one field sequence, so a difference is a codec bug) and the process aborts if it does not.
// The stream is also offered to parse_handshake, as the simulator does with a client's first bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/messages.hpp"
#include "gateway/wire.hpp"

namespace gw = intentq::gw;

namespace {

[[noreturn]] void codec_bug(const char* what) {
  (void)what;  // visible in the debugger / crash report via the stack
  __builtin_trap();
}

// Encodes a decoded server message again; nullopt for kinds that have no encoder here.
std::string reencode(int sv, const gw::ServerMessage& m) {
  return std::visit(
      [sv](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, gw::ManagedAccounts>) {
          return gw::encode_managed_accounts(sv, v.accounts);
        } else if constexpr (std::is_same_v<T, gw::NextValidId>) {
          return gw::encode_next_valid_id(sv, v.order_id);
        } else if constexpr (std::is_same_v<T, gw::ErrorMessage>) {
          return gw::encode_error(sv, v);
        } else if constexpr (std::is_same_v<T, gw::PositionMsg>) {
          return gw::encode_position(sv, v.position);
        } else if constexpr (std::is_same_v<T, gw::PositionEnd>) {
          return gw::encode_position_end(sv);
        } else if constexpr (std::is_same_v<T, gw::AccountSummaryMsg>) {
          return gw::encode_account_summary(sv, v.req_id, v.value);
        } else if constexpr (std::is_same_v<T, gw::AccountSummaryEnd>) {
          return gw::encode_account_summary_end(sv, v.req_id);
        } else if constexpr (std::is_same_v<T, gw::ExecDetailsMsg>) {
          return gw::encode_exec_details(sv, v.req_id, v.execution);
        } else if constexpr (std::is_same_v<T, gw::CommissionReport>) {
          return gw::encode_commission_report(sv, v);
        } else if constexpr (std::is_same_v<T, gw::ExecDetailsEnd>) {
          return gw::encode_exec_details_end(sv, v.req_id);
        } else if constexpr (std::is_same_v<T, gw::OpenOrder>) {
          return gw::encode_open_order(sv, v);
        } else if constexpr (std::is_same_v<T, gw::OrderStatus>) {
          return gw::encode_order_status(sv, v);
        } else if constexpr (std::is_same_v<T, gw::OpenOrderEnd>) {
          return gw::encode_open_order_end(sv);
        } else if constexpr (std::is_same_v<T, gw::CurrentTime>) {
          return gw::encode_current_time(sv, v.epoch_seconds);
        } else if constexpr (std::is_same_v<T, gw::ContractDataMsg>) {
          return gw::encode_contract_data(sv, v.req_id, v.details);
        } else if constexpr (std::is_same_v<T, gw::ContractDataEnd>) {
          return gw::encode_contract_data_end(sv, v.req_id);
        } else if constexpr (std::is_same_v<T, gw::HistoricalDataMsg>) {
          return gw::encode_historical_data(sv, v);
        } else if constexpr (std::is_same_v<T, gw::HistoricalDataEnd>) {
          // Decoded at any version, but only sent from 196 on.
          return sv >= 196 ? gw::encode_historical_data_end(sv, v) : std::string();
        } else if constexpr (std::is_same_v<T, gw::HistoricalDataUpdate>) {
          return gw::encode_historical_data_update(sv, v);
        } else if constexpr (std::is_same_v<T, gw::HeadTimestampMsg>) {
          return gw::encode_head_timestamp(sv, v);
        } else if constexpr (std::is_same_v<T, gw::TickReqParams>) {
          return gw::encode_tick_req_params(sv, v);
        } else if constexpr (std::is_same_v<T, gw::MarketDataTypeMsg>) {
          return gw::encode_market_data_type(sv, v);
        } else if constexpr (std::is_same_v<T, gw::TickPrice>) {
          return gw::encode_tick_price(sv, v);
        } else if constexpr (std::is_same_v<T, gw::TickSize>) {
          return gw::encode_tick_size(sv, v);
        } else if constexpr (std::is_same_v<T, gw::TickGeneric>) {
          return gw::encode_tick_generic(sv, v);
        } else if constexpr (std::is_same_v<T, gw::TickString>) {
          return gw::encode_tick_string(sv, v);
        } else if constexpr (std::is_same_v<T, gw::TickSnapshotEnd>) {
          return gw::encode_tick_snapshot_end(sv, v);
        } else {
          return std::string();  // UnknownMessage: nothing to re-encode
        }
      },
      m);
}

std::string reencode(int sv, const gw::ClientMessage& m) {
  return std::visit(
      [sv](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, gw::StartApi>) {
          return gw::encode_start_api(sv, v.client_id, v.optional_capabilities);
        } else if constexpr (std::is_same_v<T, gw::ReqPositions>) {
          return gw::encode_req_positions(sv);
        } else if constexpr (std::is_same_v<T, gw::CancelPositions>) {
          return gw::encode_cancel_positions(sv);
        } else if constexpr (std::is_same_v<T, gw::ReqAccountSummary>) {
          return gw::encode_req_account_summary(sv, v.req_id, v.group, v.tags);
        } else if constexpr (std::is_same_v<T, gw::CancelAccountSummary>) {
          return gw::encode_cancel_account_summary(sv, v.req_id);
        } else if constexpr (std::is_same_v<T, gw::ReqExecutions>) {
          return gw::encode_req_executions(sv, v.req_id, v.filter);
        } else if constexpr (std::is_same_v<T, gw::ReqAllOpenOrders>) {
          return gw::encode_req_all_open_orders(sv);
        } else if constexpr (std::is_same_v<T, gw::ReqOpenOrders>) {
          return gw::encode_req_open_orders(sv);
        } else if constexpr (std::is_same_v<T, gw::ReqCurrentTime>) {
          return gw::encode_req_current_time(sv);
        } else if constexpr (std::is_same_v<T, gw::ReqContractDetails>) {
          return gw::encode_req_contract_details(sv, v.req_id, v.contract);
        } else if constexpr (std::is_same_v<T, gw::ReqHistoricalData>) {
          return gw::encode_req_historical_data(sv, v.req_id, v.request);
        } else if constexpr (std::is_same_v<T, gw::CancelHistoricalData>) {
          return gw::encode_cancel_historical_data(sv, v.req_id);
        } else if constexpr (std::is_same_v<T, gw::ReqHeadTimestamp>) {
          return gw::encode_req_head_timestamp(sv, v.req_id, v.request);
        } else if constexpr (std::is_same_v<T, gw::CancelHeadTimestamp>) {
          return gw::encode_cancel_head_timestamp(sv, v.req_id);
        } else if constexpr (std::is_same_v<T, gw::ReqMarketDataType>) {
          return gw::encode_req_market_data_type(sv, v.type);
        } else if constexpr (std::is_same_v<T, gw::ReqMktData>) {
          return gw::encode_req_mkt_data(sv, v.req_id, v.request);
        } else if constexpr (std::is_same_v<T, gw::CancelMktData>) {
          return gw::encode_cancel_mkt_data(sv, v.req_id);
        } else {
          return std::string();  // UnknownRequest
        }
      },
      m);
}

template <class Message, class Decode>
void decode_and_check(int sv, const std::string& payload, Decode decode) {
  Message first;
  try {
    first = decode(sv, payload);
  } catch (const gw::CodecError&) {
    return;  // rejected cleanly: fine
  }
  std::string again;
  try {
    again = reencode(sv, first);
  } catch (const gw::CodecError&) {
    codec_bug("a decoded message could not be encoded");
  }
  if (again.empty()) return;
  Message second;
  try {
    second = decode(sv, again);
  } catch (const gw::CodecError&) {
    codec_bug("our own encoding did not decode");
  }
  if (!(first == second)) codec_bug("encode -> decode changed the message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int sv =
      gw::kMinServerVersion + data[0] % (gw::kMaxServerVersion - gw::kMinServerVersion + 1);
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t cut = stream.empty() ? 0 : data[1] % (stream.size() + 1);

  size_t consumed = 0;
  try {
    if (gw::parse_handshake(stream, consumed) && consumed > stream.size()) codec_bug("consumed");
  } catch (const gw::CodecError&) {
  }

  gw::FrameReader reader;
  auto drain = [&] {
    for (;;) {
      std::optional<std::string> payload;
      try {
        payload = reader.next();
      } catch (const gw::CodecError&) {
        return false;  // bad length: the stream is unusable, as in the session
      }
      if (!payload) return true;
      decode_and_check<gw::ServerMessage>(sv, *payload, [](int v, const std::string& p) {
        return gw::decode_server_message(v, p);
      });
      decode_and_check<gw::ClientMessage>(sv, *payload, [](int v, const std::string& p) {
        return gw::decode_client_message(v, p);
      });
    }
  };
  reader.append(stream.data(), cut);
  if (!drain()) return 0;
  reader.append(stream.data() + cut, stream.size() - cut);
  drain();
  return 0;
}
