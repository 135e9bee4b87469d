// The gateway side of a job without a gateway: error mapping to envelope codes, the connect
// timeout cut by the job deadline, and with_session's failure paths on loopback.
#include "worker/intents/gateway_job.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace intentq::intents {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Kind = gw::GatewayError::Kind;

TEST(IntentsGatewayJob, ErrorKindsMapToEnvelopeCodesWithIbCodeAndText) {
  struct Case {
    gw::GatewayError error;
    ErrorCode code;
    std::optional<int> gateway_code;
    std::string message_part;
    std::string gateway_message;
  };
  std::vector<Case> cases{
      {{Kind::kUnreachable, "cannot connect: Connection refused", 502},
       ErrorCode::kGatewayUnreachable,
       502,
       "unreachable",
       "cannot connect: Connection refused"},
      {{Kind::kRefused,
        "IB error 326: Unable to connect as the client id is already in use. Retry with a unique "
        "client id.",
        326},
       ErrorCode::kGatewayRefused,
       326,
       "refused",
       "Unable to connect as the client id is already in use. Retry with a unique client id."},
      {{Kind::kIb, "IB error 200: No security definition has been found for the request", 200},
       ErrorCode::kGatewayError,
       200,
       "200",
       "No security definition has been found for the request"},
      {{Kind::kPacing, "IB error 100: Max rate of messages per second has been exceeded", 100},
       ErrorCode::kGatewayPacing,
       100,
       "pacing",
       "Max rate of messages per second has been exceeded"},
      {{Kind::kConnectionLost, "connection lost"},
       ErrorCode::kGatewayError,
       std::nullopt,
       "connection lost",
       "connection lost"},
      {{Kind::kProtocol, "bad field 'x' in message 4"},
       ErrorCode::kGatewayError,
       std::nullopt,
       "protocol error",
       "bad field 'x' in message 4"},
      {{Kind::kCancelled, "session aborted"},
       ErrorCode::kGatewayError,
       std::nullopt,
       "cancelled",
       "session aborted"},
  };
  for (const auto& c : cases) {
    auto f = job_failure(c.error, "127.0.0.1:4002");
    EXPECT_EQ(f.code, c.code) << c.error.what();
    EXPECT_EQ(f.gateway_code, c.gateway_code) << c.error.what();
    EXPECT_NE(std::string(f.what()).find(c.message_part), std::string::npos) << f.what();
    EXPECT_EQ(f.gateway_message, c.gateway_message);
  }
}

JobContext job_with(Clock::time_point deadline, std::chrono::milliseconds connect_timeout) {
  JobContext job;
  job.intent = "positions";
  job.deadline = deadline;
  job.gateway.host = "127.0.0.1";
  job.gateway.port = 4002;
  job.gateway.client_id = 17;
  job.gateway.connect_timeout = connect_timeout;
  return job;
}

TEST(IntentsGatewayJob, ConnectTimeoutNeverOutlastsTheDeadline) {
  auto far = session_options(job_with(Clock::now() + 60s, 5000ms));
  EXPECT_EQ(far.connect_timeout, 5000ms);
  EXPECT_EQ(far.client_id, 17);
  EXPECT_EQ(far.port, 4002);

  auto near = session_options(job_with(Clock::now() + 800ms, 5000ms));
  EXPECT_LE(near.connect_timeout, 800ms);
  EXPECT_GT(near.connect_timeout, 500ms);

  EXPECT_EQ(session_options(job_with(Clock::time_point::max(), 1234ms)).connect_timeout, 1234ms);

  try {
    session_options(job_with(Clock::now() - 1ms, 5000ms));
    ADD_FAILURE() << "no failure for a passed deadline";
  } catch (const JobFailure& f) {
    EXPECT_EQ(f.code, ErrorCode::kTimeout);
  }
}

// How a run of with_session ended: the JobFailure, if any, whether the body ran, how long it took.
struct Run {
  std::optional<JobFailure> failure;
  bool body_ran = false;
  Clock::duration took{};
};

// Runs with_session on a fresh io_context.
Run run_with_session(JobContext& job) {
  asio::io_context io;
  Run run;
  const auto start = Clock::now();
  asio::co_spawn(io,
                 with_session(job,
                              [&run](std::shared_ptr<gw::Session>) -> awaitable<nlohmann::json> {
                                run.body_ran = true;
                                co_return nlohmann::json::object();
                              }),
                 [&](std::exception_ptr e, nlohmann::json) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const JobFailure& f) {
                     run.failure = f;
                   } catch (const std::exception& other) {
                     ADD_FAILURE() << "unexpected exception: " << other.what();
                   }
                 });
  io.run();
  run.took = Clock::now() - start;
  return run;
}

// run_with_session against a listener that never accepts: the TCP connect succeeds (backlog),
// the handshake never gets an answer.
Run run_against_silent_listener(Clock::time_point deadline,
                                std::chrono::milliseconds connect_timeout) {
  asio::io_context listener_io;
  tcp::acceptor silent(listener_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto job = job_with(deadline, connect_timeout);
  job.gateway.port = silent.local_endpoint().port();
  return run_with_session(job);
}

// The run failed with `code` before its body ran.
void expect_failed_before_the_body(const Run& run, ErrorCode code) {
  ASSERT_TRUE(run.failure);
  EXPECT_EQ(run.failure->code, code) << run.failure->what();
  EXPECT_FALSE(run.body_ran);
}

TEST(IntentsGatewayJob, NothingListeningIsGatewayUnreachable) {
  // A port that was free a moment ago: bind, read the port, close.
  uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto job = job_with(Clock::now() + 10s, 2000ms);
  job.gateway.port = port;
  auto run = run_with_session(job);
  expect_failed_before_the_body(run, ErrorCode::kGatewayUnreachable);
  EXPECT_EQ(run.failure->gateway_code, 502);
  EXPECT_LT(run.took, 2s);
  EXPECT_FALSE(job.timings_ms.contains("connect"));
}

TEST(IntentsGatewayJob, ConnectCutByTheDeadlineIsTimeout) {
  // A listener that never accepts: the TCP connect succeeds (backlog), the handshake never gets
  // an answer, so only the (deadline-shortened) connect timeout ends the wait.
  auto run = run_against_silent_listener(Clock::now() + 300ms, 5000ms);
  expect_failed_before_the_body(run, ErrorCode::kTimeout);
  EXPECT_LT(run.took, 2s);
}

TEST(IntentsGatewayJob, SilentListenerWithinTheDeadlineIsUnreachable) {
  auto run = run_against_silent_listener(Clock::now() + 10s, 300ms);
  expect_failed_before_the_body(run, ErrorCode::kGatewayUnreachable);
  EXPECT_GE(run.took, 250ms);
  EXPECT_LT(run.took, 3s);
}

}  // namespace
}  // namespace intentq::intents
