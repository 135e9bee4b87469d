#include "gateway/ib_errors.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/enum_names.hpp"

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

// In declaration order.
// clang-format off
constexpr std::string_view kKindNames[] = {
    "other", "message_rate", "historical_pacing", "no_data", "query_cancelled",
    "no_market_data_permission", "invalid_step", "historical_error", "historical_info",
    "expired_contract", "no_security_definition", "invalid_request", "too_many_requests",
    "unknown_query", "duplicate_id", "delayed_data_follows", "competing_session", "farm_status"};
// clang-format on
static_assert(std::size(kKindNames) == enum_count(IbErrorKind::kFarmStatus));

std::string_view to_string(IbErrorKind kind) {
  return name_of(kKindNames, kind, "other");
}

// In declaration order.
constexpr std::string_view kSeverityNames[] = {"terminal", "warning", "info", "notice"};
static_assert(std::size(kSeverityNames) == enum_count(IbSeverity::kNotice));

std::string_view to_string(IbSeverity severity) {
  return name_of(kSeverityNames, severity, "terminal");
}

}  // namespace intentq::gw
