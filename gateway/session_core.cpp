#include "gateway/session_core.hpp"

#include <spdlog/spdlog.h>

#include "gateway/ib_errors.hpp"

namespace intentq::gw {

SessionCore::SessionCore(SessionOptions options)
    : options_(std::move(options)), pacer_(options_.max_messages_per_second) {
  table_.set_limits(options_.max_rows_per_request, options_.max_bytes_per_request);
}

void SessionCore::set_failure(GatewayError why) {
  if (failure_) return;
  failure_ = std::move(why);
  clear_output();
}

void SessionCore::feed(const char* data, size_t n) {
  reader_.append(data, n);
  process_buffered();
}

void SessionCore::process_buffered() {
  try {
    while (!failure_) {
      auto payload = reader_.next();
      if (!payload) break;
      on_message(decode_server_message(server_version, *payload), payload->size());
    }
  } catch (const CodecError& e) {
    spdlog::error("gateway {}: undecodable data, closing: {}", where(), e.what());
    set_failure(GatewayError(GatewayError::Kind::kProtocol,
                             "gateway sent data intentq cannot decode: " + std::string(e.what())));
  }
}

void SessionCore::on_message(ServerMessage&& message, size_t bytes) {
  if (auto* m = std::get_if<ManagedAccounts>(&message)) {
    accounts = m->accounts;
    have_accounts = true;
    return;
  }
  if (auto* m = std::get_if<NextValidId>(&message)) {
    next_order_id = m->order_id;
    have_next_id = true;
    return;
  }
  if (auto* m = std::get_if<ErrorMessage>(&message)) {
    on_error_message(*m);
    return;
  }
  if (auto* m = std::get_if<UnknownMessage>(&message)) {
    spdlog::trace("gateway {}: skipping message id {}", where(), m->id);
    return;
  }
  const auto index = message.index();
  if (!table_.dispatch(std::move(message), bytes)) {
    // Order updates, late answers to a finished job's requests: dropped, never stored.
    ++unsolicited_;
    uint64_t suppressed = 0;
    if (unsolicited_log_.allow(Clock::now(), suppressed))
      spdlog::debug("gateway {}: unsolicited message (index {}) ignored{}", where(), index,
                    suppressed ? " (" + std::to_string(suppressed) + " similar suppressed)" : "");
    return;
  }
  // A subscription whose answer just completed is no longer needed. Cancel it now, before any
  // other coroutine can start a new one that a late cancel would hit.
  // Which ones: their specs say cancel_after_end.
  for (const auto& done : table_.take_completed())
    send(done.spec->encode_cancel(server_version, done.req_id));
}

void SessionCore::on_error_message(const ErrorMessage& e) {
  if (options_.on_error) options_.on_error(e.code);
  switch (classify_error(e)) {
    case ErrorClass::kNotice:
      spdlog::debug("gateway {}: notice {} (id {}): {}", where(), e.code, e.id, e.message);
      return;
    case ErrorClass::kConnectivity: {
      // The gateway's own link to IB: the API socket stays up, requests may go unanswered until
      // it is back (the caller's deadline covers that). Tracked for upstream_connected().
      bool up = e.code == 1101 || e.code == 1102;
      if (e.code == 1100 || e.code == 2110) upstream_connected = false;
      if (up) upstream_connected = true;
      spdlog::warn("gateway {}: connectivity {}: {}", where(), e.code, e.message);
      if (options_.on_connectivity) options_.on_connectivity(e.code, e.message);
      return;
    }
    case ErrorClass::kClientIdInUse:
      spdlog::error("gateway {}: clientId {} in use: {}", where(), options_.client_id, e.message);
      set_failure(GatewayError(GatewayError::Kind::kRefused,
                               "clientId " + std::to_string(options_.client_id) +
                                   " is already in use (IB 326): " + e.message,
                               e.code));
      return;
    case ErrorClass::kRequest:
      if (table_.on_error(e) == 0) {
        auto info = classify_ib_error(e.code, e.message);
        if (info.echoes_cancel || info.severity != IbSeverity::kTerminal) {
          // IB's answer to a cancel of ours (366, 162 "query cancelled"), or a warning for a
          // request that already ended: expected.
          spdlog::debug("gateway {}: {} {} (id {}) for no open request: {}", where(),
                        to_string(info.severity), e.code, e.id, e.message);
          return;
        }
        // A hostile or confused gateway can send these without end: rate-limited.
        uint64_t suppressed = 0;
        if (unmatched_log_.allow(Clock::now(), suppressed))
          spdlog::warn(
              "gateway {}: error {} (id {}) matches no request: {}{}", where(), e.code, e.id,
              e.message,
              suppressed ? " (" + std::to_string(suppressed) + " similar suppressed)" : "");
      } else {
        spdlog::debug("gateway {}: error {} (id {}): {}", where(), e.code, e.id, e.message);
      }
      return;
  }
}

void SessionCore::send(std::string_view payload) {
  if (failure_) return;
  out_.push_back(frame(payload));
}

std::optional<SessionCore::Clock::time_point> SessionCore::write_due(Clock::time_point now) const {
  if (out_.empty()) return std::nullopt;
  if (started_) return now;
  return pacer_.earliest(now);
}

std::string_view SessionCore::begin_write(Clock::time_point now) {
  if (out_.empty()) return {};
  if (!started_) {
    pacer_.record(now);
    started_ = true;
  }
  return std::string_view(out_.front()).substr(offset_);
}

void SessionCore::wrote(size_t n) {
  if (out_.empty()) return;
  offset_ += n;
  if (offset_ >= out_.front().size()) {
    out_.pop_front();
    offset_ = 0;
    started_ = false;
  }
}

bool SessionCore::ensure_market_data_type(int type) {
  if (market_data_type.value_or(market_data_type::kLive) == type) return false;
  send(encode_req_market_data_type(server_version, type));
  if (failure_) return false;
  market_data_type = type;
  return true;
}

void SessionCore::abandon_requests(const GatewayError& why) {
  for (const auto& open : table_.abandon_all(why, Clock::now()))
    send(open.spec->encode_cancel(server_version, open.req_id));
}

}  // namespace intentq::gw
