// Gateway faults end to end: each one becomes the right error reply, and the SAME worker then
// serves a successful job (nothing of the failed session survives).
#include <signal.h>

#include <gtest/gtest.h>

#include "gateway/session.hpp"
#include "tests/integration/intents_cluster.hpp"

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

void expect_then_recover(const Broker& broker, FaultyGateway& gateway, const std::string& intent,
                         ErrorCode code, const std::string& message_part) {
  auto failed = run(broker, intent);
  ASSERT_FALSE(failed.ok) << "fault did not surface";
  EXPECT_EQ(failed.error->code, code) << describe(failed);
  EXPECT_NE(failed.error->message.find(message_part), std::string::npos) << describe(failed);
  gateway.heal();
  auto ok = run(broker, intent);
  EXPECT_TRUE(ok.ok) << "the worker did not recover: " << describe(ok);
}

TEST(IntentsFaults, GatewayDownIsUnreachableWithinTheConnectTimeout) {
  uint16_t port = free_port();
  Broker broker;
  auto worker = start_gateway_worker(broker, "127.0.0.1:" + std::to_string(port), 21,
                                     {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, "current_time");

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
  Broker broker;
  auto worker = start_gateway_worker(broker, sim.address(), 42, {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, "positions");

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

TEST(IntentsFaults, CloseMidAnswerIsConnectionLost) {
  FaultyGateway gateway("close-mid-answer");
  Broker broker;
  auto worker =
      start_gateway_worker(broker, gateway.sim.address(), 22, {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, "summary");
  expect_then_recover(broker, gateway, "summary", ErrorCode::kGatewayError, "connection lost");
}

TEST(IntentsFaults, GarbageIsAProtocolError) {
  FaultyGateway gateway("garbage");
  Broker broker;
  auto worker =
      start_gateway_worker(broker, gateway.sim.address(), 23, {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, "summary");
  expect_then_recover(broker, gateway, "summary", ErrorCode::kGatewayError, "protocol");
}

TEST(IntentsFaults, CloseAfterHandshakeIsRefused) {
  FaultyGateway gateway("close-after-handshake");
  Broker broker;
  auto worker =
      start_gateway_worker(broker, gateway.sim.address(), 24, {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, "positions");
  expect_then_recover(broker, gateway, "positions", ErrorCode::kGatewayRefused, "refused");
}

TEST(IntentsFaults, SilentGatewayTimesOutAtTheDeadline) {
  FaultyGateway gateway("silence");
  Broker broker;
  auto worker =
      start_gateway_worker(broker, gateway.sim.address(), 25, {"--gateway-session", "per-job"});
  e2e::wait_for_service(broker.endpoints.frontend, "summary");

  auto start = Clock::now();
  auto silent = run(broker, "summary", {}, 1500);
  auto took = Clock::now() - start;
  ASSERT_FALSE(silent.ok);
  EXPECT_EQ(silent.error->code, ErrorCode::kTimeout) << describe(silent);
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 5s);

  gateway.heal();
  auto ok = run(broker, "summary");
  EXPECT_TRUE(ok.ok) << "the worker did not recover: " << describe(ok);
}

}  // namespace
}  // namespace intentq::intents_test
