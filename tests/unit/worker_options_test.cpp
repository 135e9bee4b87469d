#include "worker/worker_options.hpp"

#include <gtest/gtest.h>

namespace intentq {
namespace {

TEST(WorkerOptions, InstanceNumberComesFromEnvFirstThenProgramName) {
  EXPECT_EQ(instance_number(std::string_view("7"), "/usr/bin/intentq-worker"), 7);
  EXPECT_EQ(instance_number(std::nullopt, "/usr/bin/intentq-worker@12"), 12);
  EXPECT_EQ(instance_number(std::nullopt, "intentq-worker@3.service"), 3);
  EXPECT_EQ(instance_number(std::string_view("5"), "intentq-worker@3"), 5);
  EXPECT_EQ(instance_number(std::nullopt, "/opt/x@y/intentq-worker"), std::nullopt);
  EXPECT_EQ(instance_number(std::nullopt, "intentq-worker"), std::nullopt);
  // A set but malformed INTENTQ_INSTANCE is refused, never read as "no instance" (clientId 1).
  for (const char* bad : {"abc", "-1", "-5", "7x", "99999999999", " 3", "3.0"})
    EXPECT_THROW(instance_number(std::string_view(bad), "intentq-worker@3"), std::invalid_argument)
        << bad;
  EXPECT_EQ(instance_number(std::string_view(""), "intentq-worker@4"), 4);
}

TEST(WorkerOptions, ClientIdRule) {
  EXPECT_EQ(resolve_client_id(9, 100, 3), 9);  // explicit wins
  EXPECT_EQ(resolve_client_id(std::nullopt, 100, 3), 103);
  EXPECT_EQ(resolve_client_id(std::nullopt, 0, 3), 3);
  EXPECT_EQ(resolve_client_id(std::nullopt, 100, std::nullopt), 1);
  EXPECT_THROW(resolve_client_id(-2, 0, std::nullopt), std::invalid_argument);
  EXPECT_THROW(resolve_client_id(std::nullopt, 2147483647, 1), std::invalid_argument);
}

TEST(WorkerOptions, GatewayHostPort) {
  GatewayConfig g;
  parse_gateway("10.0.0.5:4001", g);
  EXPECT_EQ(g.host, "10.0.0.5");
  EXPECT_EQ(g.port, 4001);
  EXPECT_THROW(parse_gateway("localhost", g), std::invalid_argument);
  EXPECT_THROW(parse_gateway("localhost:0", g), std::invalid_argument);
  EXPECT_THROW(parse_gateway("localhost:70000", g), std::invalid_argument);
  EXPECT_THROW(parse_gateway(":4001", g), std::invalid_argument);
  EXPECT_EQ(g.host, "10.0.0.5");  // unchanged by failures
}

// A 300-byte id used to make the broker refuse every READY while the worker looped silently.
TEST(WorkerOptions, GatewayIdIsBoundedAndPrintable) {
  EXPECT_NO_THROW(check_gateway_id("gw-paper:4002"));
  EXPECT_NO_THROW(check_gateway_id(std::string(255, 'g')));
  EXPECT_THROW(check_gateway_id(""), std::invalid_argument);
  EXPECT_THROW(check_gateway_id(std::string(256, 'g')), std::invalid_argument);
  EXPECT_THROW(check_gateway_id("two words"), std::invalid_argument);
  EXPECT_THROW(check_gateway_id(std::string("nul\0id", 6)), std::invalid_argument);
  EXPECT_THROW(check_gateway_id("caf\xc3\xa9"), std::invalid_argument);
}

}  // namespace
}  // namespace intentq
