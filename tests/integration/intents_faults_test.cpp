// Gateway faults end to end: each one becomes the right error reply, and the SAME worker then
// serves a successful job (nothing of the failed session survives).
#include <signal.h>

#include <gtest/gtest.h>

#include <optional>

#include "gateway/session.hpp"
#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

// A faulty simulator on a port of its own; heal() replaces it with a healthy one on that port, so
// the worker (whose --gateway is fixed) reaches a working gateway for its next job.
struct FaultyGateway {
  explicit FaultyGateway(std::string fault) : sim({"--fault", std::move(fault)}), port(sim.port) {}
  void heal() {
    sim.stop();
    healthy = std::make_unique<Sim>(std::vector<std::string>{}, port);
  }
  Sim sim;
  uint16_t port;
  std::unique_ptr<Sim> healthy;
};

TEST(IntentsFaults, GatewayDownIsUnreachableWithinTheConnectTimeout) {
  uint16_t port = free_port();
  GatewayCluster cluster("127.0.0.1:" + std::to_string(port), 21, "current_time",
                         {"--gateway-session", "per-job"});
  auto& [broker, worker] = cluster;

  auto start = Clock::now();
  auto down = run(broker, "current_time");
  auto took = Clock::now() - start;
  ASSERT_FALSE(down.ok);
  EXPECT_EQ(down.error->code, ErrorCode::kGatewayUnreachable) << describe(down);
  EXPECT_EQ(down.error->gateway_code, 502);
  EXPECT_LT(took, 5s) << "slower than the worker's connect timeout (5 s)";

  Sim sim({}, port);  // the gateway comes up on that port
  auto up = run(broker, "current_time");
  EXPECT_TRUE(up.ok) << describe(up);
}

TEST(IntentsFaults, ClientIdInUseIsRefusedWith326) {
  Sim sim({"--log-level", "info"});  // its "closed" line tells when clientId 42 is free again
  GatewayCluster cluster(sim.address(), 42, "positions", {"--gateway-session", "per-job"});
  auto& [broker, worker] = cluster;

  // Another API client already holds clientId 42.
  auto io = std::make_unique<asio::io_context>();
  std::shared_ptr<gw::Session> holder;
  gw::SessionOptions options;
  options.port = sim.port;
  options.client_id = 42;
  asio::co_spawn(*io, gw::Session::connect(options),
                 [&](std::exception_ptr e, std::shared_ptr<gw::Session> s) {
                   if (!e) holder = std::move(s);
                   io->stop();  // the session stays open (and holds the id) without a running io
                 });
  io->run_for(5s);
  ASSERT_TRUE(holder) << "the test's own session did not connect";

  auto refused = run(broker, "positions");
  ASSERT_FALSE(refused.ok);
  EXPECT_EQ(refused.error->code, ErrorCode::kGatewayRefused) << describe(refused);
  EXPECT_EQ(refused.error->gateway_code, 326) << describe(refused);

  // Release clientId 42 and wait until the simulator has seen that connection go.
  holder.reset();
  io.reset();
  // The holder was the simulator's first connection ("conn 1 ... closed").
  sim.process->expect_line(std::regex(R"(conn 1\b.*closed)"), 10s);
  auto ok = run(broker, "positions");
  EXPECT_TRUE(ok.ok) << describe(ok);
}

// One fault of the simulator (--fault), the job that meets it and the error reply it must get;
// then the gateway heals and the SAME worker serves that job.
struct Fault {
  std::string name;  // test name
  std::string fault;
  std::string intent;
  int client_id;
  ErrorCode code;
  std::string message_part;  // in the error message ("" for none)
  uint64_t deadline_ms = 20000;
  // The fault ends at the job's deadline: the reply comes after at least min_took and before 5 s.
  std::optional<std::chrono::milliseconds> min_took;
};

class IntentsFaultyGateway : public ::testing::TestWithParam<Fault> {};

TEST_P(IntentsFaultyGateway, EndsInItsErrorThenTheWorkerRecovers) {
  const Fault& f = GetParam();
  FaultyGateway gateway(f.fault);
  Broker broker;
  auto worker = start_gateway_worker(broker, gateway.sim.address(), f.client_id,
                                     {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, f.intent);

  const auto start = Clock::now();
  auto failed = run(broker, f.intent, {}, f.deadline_ms);
  const auto took = Clock::now() - start;
  ASSERT_FALSE(failed.ok) << "fault did not surface";
  EXPECT_EQ(failed.error->code, f.code) << describe(failed);
  EXPECT_NE(failed.error->message.find(f.message_part), std::string::npos) << describe(failed);
  if (f.min_took) {
    EXPECT_GE(took, *f.min_took);
    EXPECT_LT(took, 5s);
  }

  gateway.heal();
  auto ok = run(broker, f.intent);
  EXPECT_TRUE(ok.ok) << "the worker did not recover: " << describe(ok);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, IntentsFaultyGateway,
    ::testing::Values(Fault{"CloseMidAnswerIsConnectionLost", "close-mid-answer", "summary", 22,
                            ErrorCode::kGatewayError, "connection lost", 20000, std::nullopt},
                      Fault{"GarbageIsAProtocolError", "garbage", "summary", 23,
                            ErrorCode::kGatewayError, "protocol", 20000, std::nullopt},
                      Fault{"CloseAfterHandshakeIsRefused", "close-after-handshake", "positions",
                            24, ErrorCode::kGatewayRefused, "refused", 20000, std::nullopt},
                      Fault{"SilentGatewayTimesOutAtTheDeadline", "silence", "summary", 25,
                            ErrorCode::kTimeout, "", 1500, 1400ms}),
    [](const ::testing::TestParamInfo<Fault>& info) { return info.param.name; });

}  // namespace
}  // namespace intentq::intents_test
