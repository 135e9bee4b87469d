// What IB's error codes mean for the request they name, by code (IB localises the texts to the
// gateway's language, so nothing may depend on them) — with one exception: code 162, which IB
// uses for several historical-data outcomes that have no code of their own. Its English texts are
// told apart (pacing / no data / cancelled / no permission / invalid step); a 162 whose text is
// none of those (a gateway in another language) is a terminal historical-data error.
//
// The session (request_table.cpp) uses this table to decide whether an error with a request id
// ends that request (terminal), or rides along with it (warning / info: kept in the request's
// warnings, e.g. 10167 "delayed market data follows"). Intents use classify_ib_error() on
// GatewayError::ib_code (and its text) to tell error kinds apart. docs/gateway.md "IB error
// codes" has the table.
#pragma once

#include <string_view>

namespace intentq::gw {

enum class IbSeverity {
  kTerminal,  // ends the request it names
  kWarning,   // the request goes on; the answer may differ (10167: delayed data instead)
  kInfo,      // the request goes on; nothing changes (165, and answers to our own cancels)
  kNotice,    // connection-level status with id -1 (farm status 2104..2158): never a request's
};

enum class IbErrorKind {
  kOther,                   // any code not in the table: terminal for its request
  kMessageRate,             // 100: more than 50 messages per second
  kHistoricalPacing,        // 162 "...pacing violation"
  kHistoricalNoData,        // 162 "HMDS query returned no data": an empty answer, not an error
  kHistoricalCancelled,     // 162 "API historical data query cancelled": our cancel's echo
  kNoMarketDataPermission,  // 162 "No market data permissions", 354, 10089, 10168, 10186
  kInvalidStep,             // 162 "...invalid step": duration/bar size outside IB's step table
  kHistoricalError,         // any other 162 (unknown or localised text)
  kHistoricalInfo,          // 165: a historical-data service message
  kExpiredContract,         // 166
  kNoSecurityDefinition,    // 200: unknown or ambiguous contract
  kInvalidRequest,          // 321: a request IB's validation refused (bar size, formatDate, ...)
  kTooManyRequests,         // 322: more than 50 simultaneous historical requests
  kUnknownQuery,            // 366: a cancel for a query IB no longer has
  kDuplicateId,             // 386: the request id is in use
  kDelayedDataFollows,      // 10167: no live permission, delayed data follows
  kCompetingSession,        // 10197: live data goes to another session of the login
  kFarmStatus,              // 2105/2106/2107 (historical farm), and the other 2100-range notices
};

struct IbErrorInfo {
  IbSeverity severity = IbSeverity::kTerminal;
  IbErrorKind kind = IbErrorKind::kOther;
  // True for what IB sends in answer to a cancel of ours (366, 162 "query cancelled"): when it
  // names no outstanding request, that is expected and logged at debug only.
  bool echoes_cancel = false;
};

// The classification of one IB error. `text` matters only for code 162.
IbErrorInfo classify_ib_error(int code, std::string_view text = {});

// True for the pacing-class refusals (100, 162 pacing, 322): the caller may retry later.
bool is_pacing(IbErrorKind kind);

std::string_view to_string(IbErrorKind kind);  // "historical_pacing", "no_data", ...
std::string_view to_string(IbSeverity severity);

}  // namespace intentq::gw
