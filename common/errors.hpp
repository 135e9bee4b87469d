// The error codes a reply envelope can carry (docs/protocol.md lists their meaning).
#pragma once

#include <optional>
#include <string_view>

namespace intentq {

enum class ErrorCode {
  kBadRequest,
  kUnknownIntent,
  kBusy,
  kTimeout,
  kWorkerLost,
  kGatewayUnreachable,
  kGatewayRefused,
  kGatewayError,
  kGatewayPacing,
  kInternal,
  kUnknownAccount,  // no live worker's gateway holds params.account (broker)
  kResultTooLarge,  // the reply would exceed the message size limit (worker)
  kNoWorker,        // no live worker serves the intent (broker, after --no-worker-grace-ms)
  kCancelled,       // the submitter cancelled the job (mmi.cancel, broker; worker when stopped)
  kUnknownJob,      // mmi.cancel: no job of this id is queued or running for the caller
};

// The last code (tables indexed by code are sized from it).
inline constexpr ErrorCode kLastErrorCode = ErrorCode::kUnknownJob;

// "BAD_REQUEST", "UNKNOWN_INTENT", ... as they appear on the wire.
std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> error_code_from_string(std::string_view text);

}  // namespace intentq
