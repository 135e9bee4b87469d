// Connection-level messages: server version, startApi, managedAccounts, nextValidId, error,
// currentTime.
#include <sstream>

#include "gateway/messages.hpp"
#include "gateway/messages_fields.hpp"

namespace intentq::gw {
namespace detail {

void check_server_version(int sv) {
  if (sv < kOldestLayoutVersion || sv > kMaxServerVersion)
    throw CodecError("server version " + std::to_string(sv) + " outside the supported " +
                     std::to_string(kOldestLayoutVersion) + ".." +
                     std::to_string(kMaxServerVersion));
}

namespace {

template <class V>
void start_api_fields(V& v, StartApi& m) {
  v.version(2);
  v.i32(m.client_id);
  v.str(m.optional_capabilities);
}

template <class V>
void error_fields(V& v, ErrorMessage& e) {
  if (v.sv() < kMinSvErrorTime) v.version(2);
  v.i64(e.id);
  v.i32(e.code);
  v.text(e.message);  // non-ASCII arrives as \uXXXX (sv >= 153)
  if (v.sv() >= kMinSvAdvancedOrderReject) v.str(e.advanced_order_reject_json);
  if (v.sv() >= kMinSvErrorTime) v.opt_i64(e.error_time_ms);
}

}  // namespace

StartApi decode_start_api(int sv, FieldReader& r) {
  return decode_with<StartApi>(sv, r, start_api_fields<Reader>);
}

ManagedAccounts decode_managed_accounts(int sv, FieldReader& r) {
  r.str();  // version
  ManagedAccounts m;
  std::string list(r.str());
  std::stringstream ss(list);
  for (std::string a; std::getline(ss, a, ',');)
    if (!a.empty()) m.accounts.push_back(a);  // IB's list may end with a comma
  return m;
}

NextValidId decode_next_valid_id(int sv, FieldReader& r) {
  r.str();  // version
  return NextValidId{r.i64()};
}

ErrorMessage decode_error(int sv, FieldReader& r) {
  return decode_with<ErrorMessage>(sv, r, error_fields<Reader>);
}

CurrentTime decode_current_time(int sv, FieldReader& r) {
  r.str();  // version
  return CurrentTime{r.i64()};
}

int decode_version_and_req_id(FieldReader& r) {
  r.str();  // version
  return r.i32();
}

}  // namespace detail

using detail::Writer;

std::string encode_start_api(int sv, int client_id, std::string_view optional_capabilities) {
  return detail::encode_with(sv, msg_id::kStartApi,
                             StartApi{client_id, std::string(optional_capabilities)},
                             detail::start_api_fields<detail::Writer>);
}

std::string encode_req_current_time(int sv) {
  detail::check_server_version(sv);
  return FieldWriter().i64(msg_id::kReqCurrentTime).i64(1).payload();
}

std::string encode_server_version(int sv, std::string_view connection_time) {
  // No message id: the handshake answer is just the version and the connection time.
  return FieldWriter().i64(sv).str(connection_time).payload();
}

ServerVersion decode_server_version(std::string_view payload) {
  FieldReader r(payload);
  ServerVersion v;
  v.version = r.i32();
  // A negative version is the legacy "redirect to host:port" answer, which we do not follow.
  if (v.version <= 0)
    throw CodecError("unsupported server version answer " + std::to_string(v.version));
  v.connection_time = std::string(r.str());
  return v;
}

std::string encode_managed_accounts(int sv, const std::vector<std::string>& accounts) {
  detail::check_server_version(sv);
  std::string list;
  for (const auto& a : accounts) list += (list.empty() ? "" : ",") + a;
  return FieldWriter().i64(msg_id::kManagedAccts).i64(1).str(list).payload();
}

std::string encode_next_valid_id(int sv, int64_t order_id) {
  detail::check_server_version(sv);
  return FieldWriter().i64(msg_id::kNextValidId).i64(1).i64(order_id).payload();
}

std::string encode_error(int sv, const ErrorMessage& e) {
  return detail::encode_with(sv, msg_id::kErrMsg, e, detail::error_fields<detail::Writer>);
}

std::string encode_current_time(int sv, int64_t epoch_seconds) {
  detail::check_server_version(sv);
  return FieldWriter().i64(msg_id::kCurrentTime).i64(1).i64(epoch_seconds).payload();
}

}  // namespace intentq::gw
