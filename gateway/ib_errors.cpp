#include "gateway/ib_errors.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace intentq::gw {
namespace {

constexpr int kHistoricalService = 162;

struct Row {
  int code;
  IbSeverity severity;
  IbErrorKind kind;
  bool echoes_cancel;
};

using S = IbSeverity;
using K = IbErrorKind;

// The codes intentq's requests meet (IB's "Error Codes" table and the market-data notes).
constexpr std::array<Row, 16> kTable{{
    {100, S::kTerminal, K::kMessageRate, false},
    {165, S::kInfo, K::kHistoricalInfo, false},
    {166, S::kTerminal, K::kExpiredContract, false},
    {200, S::kTerminal, K::kNoSecurityDefinition, false},
    {321, S::kTerminal, K::kInvalidRequest, false},
    {322, S::kTerminal, K::kTooManyRequests, false},
    {354, S::kTerminal, K::kNoMarketDataPermission, false},
    {366, S::kInfo, K::kUnknownQuery, true},
    {386, S::kTerminal, K::kDuplicateId, false},
    {10089, S::kTerminal, K::kNoMarketDataPermission, false},
    {10167, S::kWarning, K::kDelayedDataFollows, false},
    {10168, S::kTerminal, K::kNoMarketDataPermission, false},
    {10186, S::kTerminal, K::kNoMarketDataPermission, false},
    {10197, S::kTerminal, K::kCompetingSession, false},
    {2105, S::kNotice, K::kFarmStatus, false},
    {2106, S::kNotice, K::kFarmStatus, false},
}};

bool contains_nocase(std::string_view text, std::string_view word) {
  auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

// 162 is IB's code for several outcomes of a historical query; only its (English) text tells
// them apart.
IbErrorInfo classify_162(std::string_view text) {
  if (contains_nocase(text, "pacing violation")) return {S::kTerminal, K::kHistoricalPacing, false};
  if (contains_nocase(text, "returned no data")) return {S::kTerminal, K::kHistoricalNoData, false};
  if (contains_nocase(text, "query cancelled") || contains_nocase(text, "query canceled"))
    return {S::kTerminal, K::kHistoricalCancelled, true};
  if (contains_nocase(text, "no market data permissions"))
    return {S::kTerminal, K::kNoMarketDataPermission, false};
  if (contains_nocase(text, "invalid step")) return {S::kTerminal, K::kInvalidStep, false};
  return {S::kTerminal, K::kHistoricalError, false};
}

}  // namespace

IbErrorInfo classify_ib_error(int code, std::string_view text) {
  if (code == kHistoricalService) return classify_162(text);
  for (const auto& row : kTable)
    if (row.code == code) return {row.severity, row.kind, row.echoes_cancel};
  // IB's 2100-range codes are warnings and notices (farm status 2104/2107/2158, ...).
  if (code >= 2100 && code < 2200) return {S::kNotice, K::kFarmStatus, false};
  return {};
}

bool is_pacing(IbErrorKind kind) {
  return kind == K::kMessageRate || kind == K::kHistoricalPacing || kind == K::kTooManyRequests;
}

std::string_view to_string(IbErrorKind kind) {
  switch (kind) {
    case K::kOther:
      return "other";
    case K::kMessageRate:
      return "message_rate";
    case K::kHistoricalPacing:
      return "historical_pacing";
    case K::kHistoricalNoData:
      return "no_data";
    case K::kHistoricalCancelled:
      return "query_cancelled";
    case K::kNoMarketDataPermission:
      return "no_market_data_permission";
    case K::kInvalidStep:
      return "invalid_step";
    case K::kHistoricalError:
      return "historical_error";
    case K::kHistoricalInfo:
      return "historical_info";
    case K::kExpiredContract:
      return "expired_contract";
    case K::kNoSecurityDefinition:
      return "no_security_definition";
    case K::kInvalidRequest:
      return "invalid_request";
    case K::kTooManyRequests:
      return "too_many_requests";
    case K::kUnknownQuery:
      return "unknown_query";
    case K::kDuplicateId:
      return "duplicate_id";
    case K::kDelayedDataFollows:
      return "delayed_data_follows";
    case K::kCompetingSession:
      return "competing_session";
    case K::kFarmStatus:
      return "farm_status";
  }
  return "other";
}

std::string_view to_string(IbSeverity severity) {
  switch (severity) {
    case S::kTerminal:
      return "terminal";
    case S::kWarning:
      return "warning";
    case S::kInfo:
      return "info";
    case S::kNotice:
      return "notice";
  }
  return "terminal";
}

}  // namespace intentq::gw
