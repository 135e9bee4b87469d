// The `echo` intent: returns its params unchanged, after an optional asynchronous delay. It needs
// no gateway, so it serves smoke tests, broker benchmarks and the failure-path tests (a delayed
// echo is a job that is "running" for as long as a test needs).
#include "worker/intents/echo.hpp"

#include <chrono>

#include "common/asio.hpp"

namespace intentq {
namespace {

constexpr uint64_t kMaxDelayMs = 60000;

std::chrono::milliseconds delay_from(const nlohmann::json& params) {
  auto it = params.find("delay_ms");
  if (it == params.end() || it->is_null()) return std::chrono::milliseconds(0);
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0))
    throw JobFailure(ErrorCode::kBadRequest, "param 'delay_ms' must be an unsigned integer");
  auto ms = it->get<uint64_t>();
  if (ms > kMaxDelayMs)
    throw JobFailure(ErrorCode::kBadRequest,
                     "param 'delay_ms' must be at most " + std::to_string(kMaxDelayMs));
  return std::chrono::milliseconds(ms);
}

}  // namespace

awaitable<nlohmann::json> run_echo(JobContext& job) {
  if (!job.params.is_object()) throw JobFailure(ErrorCode::kBadRequest, "params must be a map");
  auto delay = delay_from(job.params);
  if (delay.count() > 0) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return job.params;
}

}  // namespace intentq
