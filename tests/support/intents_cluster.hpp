// Test kit of the intents integration tests: the gateway simulator as a child process, plus the
// broker/worker/client helpers of e2e_cluster.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/daemons.hpp"
#include "tests/support/e2e_cluster.hpp"
#include "tests/support/readers.hpp"

namespace intentq::intents_test {

using namespace std::chrono_literals;
using e2e::Broker;
using e2e::Clock;
using e2e::JobClient;
using e2e::make_request;
using test::Process;

// The scenario every intents test serves (tests/data/intents_scenario.json).
std::string scenario_path();
nlohmann::json load_scenario();

// intentq-gwsim on 127.0.0.1 (port 0 = a free one) serving `scenario`, with extra args
// (--latency-ms, --fault, ...); waits for its "listening on HOST:PORT" line. Logs at warn unless
// extra_args set --log-level. stop(), address(), stats(): test::GwsimProcess.
struct Sim : test::GwsimProcess {
  explicit Sim(std::vector<std::string> extra_args = {}, uint16_t port = 0,
               std::string scenario = scenario_path());
};

using test::free_port;

// A worker of `broker` that talks to the gateway at `gateway` with `client_id` (persistent
// session unless `extra_args` say otherwise).
std::unique_ptr<Process> start_gateway_worker(const Broker& broker, const std::string& gateway,
                                              int client_id,
                                              std::vector<std::string> extra_args = {},
                                              const std::string& log_level = "warn");

// A broker and one gateway worker of `gateway` (start_gateway_worker()) that the broker knows
// as serving `service` (waited for).
struct GatewayCluster {
  GatewayCluster(const std::string& gateway, int client_id, const std::string& service,
                 std::vector<std::string> worker_args = {}, const std::string& log_level = "warn");
  Broker broker;
  std::unique_ptr<Process> worker;
};

// The broker's mmi.stats answer (throws after 5 s without one).
nlohmann::json broker_stats(const Broker& broker);

// Submits one job on a fresh client socket and waits for the reply (throws after `timeout`).
JobReply run(const Broker& broker, const std::string& intent, nlohmann::json params = {},
             uint64_t deadline_ms = 20000, std::chrono::milliseconds timeout = 30s);

// "code: message" of an error reply, or "ok", for assertion messages.
std::string describe(const JobReply& reply);

}  // namespace intentq::intents_test
