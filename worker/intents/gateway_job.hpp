// The gateway side of a job: open a session for it, run the intent's fetches on it, close it, and
// turn gateway errors into the job's error reply.
//
// The session belongs to the job. It is opened on the job's own io_context and closed (or
// aborted) before the intent returns; nothing of it survives into the next job. Should the job
// runner stop the context at the deadline instead, destroying the context closes the socket.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "gateway/session.hpp"
#include "worker/intent.hpp"

namespace intentq::intents {

// GatewayError -> JobFailure, with IB's code and text attached:
//   kUnreachable -> GATEWAY_UNREACHABLE   kRefused -> GATEWAY_REFUSED (326: clientId in use)
//   kIb -> GATEWAY_ERROR                  kPacing -> GATEWAY_PACING (IB 100, 162 pacing, 322)
//   kConnectionLost -> GATEWAY_ERROR "connection lost"
//   kProtocol -> GATEWAY_ERROR "protocol error: ..."   kCancelled -> GATEWAY_ERROR
// `where` is the gateway's "host:port", for the message.
JobFailure job_failure(const gw::GatewayError& error, const std::string& where);

// The session options for a job: the worker's gateway config, with the connect timeout cut short
// so that connecting never outlasts the job's deadline. Throws JobFailure(TIMEOUT) if the deadline
// has already passed.
gw::SessionOptions session_options(const JobContext& job);
// The session options for the worker's gateway config alone (persistent sessions).
gw::SessionOptions session_options_for(const GatewayConfig& gateway);

// Milliseconds since `start`, as timings_ms reports them.
uint64_t elapsed_ms(std::chrono::steady_clock::time_point start);

// Awaits `task` and records how long it took in job.timings_ms[name] (only when it succeeds).
template <typename T>
awaitable<T> timed(JobContext& job, std::string name, awaitable<T> task) {
  auto start = std::chrono::steady_clock::now();
  T value = co_await std::move(task);
  job.timings_ms[name] = elapsed_ms(start);
  co_return value;
}

// What an intent does once the session is ready.
using SessionBody = std::function<awaitable<nlohmann::json>(std::shared_ptr<gw::Session>)>;

// Connects (timed as "connect"), runs `body`, closes the session, returns body's result. On any
// failure the session is aborted (which wakes every request still waiting) and the error is
// rethrown, GatewayError mapped by job_failure(); other exceptions pass through unchanged.
awaitable<nlohmann::json> with_session(JobContext& job, SessionBody body);

// The whole run of a gateway intent: `fetch(job, params..., session)` inside with_session().
// make_intent() (intent_spec.hpp) calls it as `run_on_session(job, fetch, parse(job))`: params
// are parsed before the coroutine starts (a bad one throws JobFailure out of the run, which the
// job runner answers like one thrown inside) and copied into the coroutine frame.
template <typename Fetch, typename... Params>
awaitable<nlohmann::json> run_on_session(JobContext& job, Fetch fetch, Params... params) {
  // Named locals, not temporaries inside the co_await expression: g++ 12 mis-destroys
  // non-trivial temporaries that live across a suspension point. This is the one place the
  // intents need the workaround.
  SessionBody body = [&job, fetch, params...](std::shared_ptr<gw::Session> session) {
    return fetch(job, params..., std::move(session));
  };
  auto task = with_session(job, std::move(body));
  co_return co_await std::move(task);
}

}  // namespace intentq::intents
