#include "common/errors.hpp"

#include <array>
#include <utility>

namespace intentq {
namespace {
constexpr std::array<std::pair<ErrorCode, std::string_view>, 15> kNames{{
    {ErrorCode::kBadRequest, "BAD_REQUEST"},
    {ErrorCode::kUnknownIntent, "UNKNOWN_INTENT"},
    {ErrorCode::kBusy, "BUSY"},
    {ErrorCode::kTimeout, "TIMEOUT"},
    {ErrorCode::kWorkerLost, "WORKER_LOST"},
    {ErrorCode::kGatewayUnreachable, "GATEWAY_UNREACHABLE"},
    {ErrorCode::kGatewayRefused, "GATEWAY_REFUSED"},
    {ErrorCode::kGatewayError, "GATEWAY_ERROR"},
    {ErrorCode::kGatewayPacing, "GATEWAY_PACING"},
    {ErrorCode::kInternal, "INTERNAL"},
    {ErrorCode::kUnknownAccount, "UNKNOWN_ACCOUNT"},
    {ErrorCode::kResultTooLarge, "RESULT_TOO_LARGE"},
    {ErrorCode::kNoWorker, "NO_WORKER"},
    {ErrorCode::kCancelled, "CANCELLED"},
    {ErrorCode::kUnknownJob, "UNKNOWN_JOB"},
}};
}  // namespace

std::string_view to_string(ErrorCode code) {
  for (const auto& [c, name] : kNames)
    if (c == code) return name;
  return "INTERNAL";
}

std::optional<ErrorCode> error_code_from_string(std::string_view text) {
  for (const auto& [c, name] : kNames)
    if (name == text) return c;
  return std::nullopt;
}

}  // namespace intentq
