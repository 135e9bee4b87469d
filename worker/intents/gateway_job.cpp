#include "worker/intents/gateway_job.hpp"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace intentq::intents {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = gw::GatewayError::Kind;

// The session words IB errors as "IB error <code>: <text>"; the reply carries IB's own text.
std::string ib_text(const gw::GatewayError& e) {
  std::string what = e.what();
  std::string prefix = "IB error " + std::to_string(e.ib_code) + ": ";
  if (e.ib_code != 0 && what.rfind(prefix, 0) == 0) return what.substr(prefix.size());
  return what;
}

std::optional<int> code_of(const gw::GatewayError& e) {
  if (e.ib_code == 0) return std::nullopt;
  return e.ib_code;
}

// Rethrows `error`, mapping a GatewayError to its JobFailure.
[[noreturn]] void rethrow_mapped(std::exception_ptr error, const std::string& where) {
  try {
    std::rethrow_exception(error);
  } catch (const gw::GatewayError& e) {
    throw job_failure(e, where);
  }
}

}  // namespace

JobFailure job_failure(const gw::GatewayError& e, const std::string& where) {
  switch (e.kind) {
    case Kind::kUnreachable:
      return JobFailure(ErrorCode::kGatewayUnreachable,
                        "gateway " + where + " unreachable: " + e.what(), code_of(e), e.what());
    case Kind::kRefused:
      return JobFailure(ErrorCode::kGatewayRefused,
                        "gateway " + where + " refused the session: " + e.what(), code_of(e),
                        ib_text(e));
    case Kind::kPacing:
      return JobFailure(ErrorCode::kGatewayPacing, "gateway pacing violation: " + ib_text(e),
                        code_of(e), ib_text(e));
    case Kind::kIb:
      return JobFailure(ErrorCode::kGatewayError, e.what(), code_of(e), ib_text(e));
    case Kind::kConnectionLost:
      return JobFailure(ErrorCode::kGatewayError, "connection lost", code_of(e), e.what());
    case Kind::kProtocol:
      return JobFailure(ErrorCode::kGatewayError, std::string("protocol error: ") + e.what(),
                        code_of(e), e.what());
    case Kind::kTooLarge:
      return JobFailure(ErrorCode::kGatewayError, e.what(), code_of(e), e.what());
    case Kind::kCancelled:
      break;
  }
  return JobFailure(ErrorCode::kGatewayError, std::string("request cancelled: ") + e.what(),
                    code_of(e), e.what());
}

uint64_t elapsed_ms(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

gw::SessionOptions session_options_for(const GatewayConfig& gateway) {
  return gateway;  // the session options part of the worker's gateway config
}

gw::SessionOptions session_options(const JobContext& job) {
  auto options = session_options_for(job.gateway);
  if (job.deadline != Clock::time_point::max()) {
    // Rounded up, so a connect cut short by the deadline ends at or after it (see with_session).
    auto left = std::chrono::ceil<std::chrono::milliseconds>(job.deadline - Clock::now());
    if (left.count() <= 0)
      throw JobFailure(ErrorCode::kTimeout, "job deadline passed before connecting to the gateway");
    options.connect_timeout = std::min(options.connect_timeout, left);
  }
  return options;
}

namespace {

// Runs `body` on `session`. Its exception is returned, not thrown: the caller first ends what
// the body left on the session, then maps the error to the job's answer.
awaitable<std::pair<nlohmann::json, std::exception_ptr>> run_body(
    SessionBody& body, std::shared_ptr<gw::Session> session) {
  try {
    auto running = body(std::move(session));
    co_return std::pair{co_await std::move(running), std::exception_ptr()};
  } catch (...) {
    co_return std::pair{nlohmann::json(), std::current_exception()};
  }
}

// Persistent mode: the worker's session, borrowed for this job. The job runner reclaims it
// after the job's io_context stopped whatever happens; on the normal path it is reclaimed here,
// before the result leaves, so the job's reader stops at once.
awaitable<nlohmann::json> with_lent_session(JobContext& job, SessionBody body) {
  auto& lent = *job.session;
  const std::string where = job.gateway.host + ":" + std::to_string(job.gateway.port);
  if (!lent.usable())
    throw JobFailure(ErrorCode::kGatewayUnreachable,
                     "gateway " + where + " unreachable: the worker's session is down");
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<gw::Session> session;
  try {
    session = gw::Session::attach(executor, lent);
  } catch (const gw::GatewayError& e) {
    throw job_failure(e, where);
  }
  job.timings_ms["connect"] = 0;  // the session was already open

  auto running = run_body(body, session);
  auto [result, error] = co_await std::move(running);
  // Ends whatever the body left on the wire (abandoned: see RequestTable::abandon_all).
  gw::Session::reclaim(lent);
  if (error) rethrow_mapped(error, where);
  co_return result;
}

}  // namespace

awaitable<nlohmann::json> with_session(JobContext& job, SessionBody body) {
  if (job.session) {
    auto lent = with_lent_session(job, std::move(body));
    co_return co_await std::move(lent);
  }
  auto options = session_options(job);
  const std::string where = options.host + ":" + std::to_string(options.port);
  const bool cut_by_deadline = options.connect_timeout < job.gateway.connect_timeout;

  std::shared_ptr<gw::Session> session;
  auto start = Clock::now();
  try {
    // Named, not a temporary in the co_await expression (g++ 12 coroutine temporaries bug).
    auto connecting = gw::Session::connect(options);
    session = co_await std::move(connecting);
  } catch (const gw::GatewayError& e) {
    // A connect that only timed out because the job ran out of time is the job's TIMEOUT.
    if (cut_by_deadline && e.kind == Kind::kUnreachable && Clock::now() >= job.deadline)
      throw JobFailure(ErrorCode::kTimeout, "job deadline passed while connecting to the gateway");
    throw job_failure(e, where);
  }
  job.timings_ms["connect"] = elapsed_ms(start);

  auto running = run_body(body, session);
  auto [result, error] = co_await std::move(running);
  if (error) {
    // No courtesy cancels on the failure path: the socket may be dead, and abort() wakes every
    // request still waiting at once.
    session->abort();
    rethrow_mapped(error, where);
  }

  try {
    co_await session->close();  // cancels the subscriptions this job opened
  } catch (const std::exception& e) {
    spdlog::debug("gateway {}: closing the session failed: {}", where, e.what());
  }
  co_return result;
}

}  // namespace intentq::intents
