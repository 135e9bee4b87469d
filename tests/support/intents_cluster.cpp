#include "tests/support/intents_cluster.hpp"

#include <unistd.h>
#include <algorithm>
#include <atomic>

#include <fstream>
#include <regex>
#include <stdexcept>

namespace intentq::intents_test {

std::string scenario_path() {
  return test::data_file("intents_scenario.json");
}

nlohmann::json load_scenario() {
  std::ifstream in(scenario_path());
  if (!in) throw std::runtime_error("cannot read " + scenario_path());
  return nlohmann::json::parse(in);
}

Sim::Sim(std::vector<std::string> extra_args, uint16_t want_port, std::string scenario) {
  test::Launch launch;
  launch.args = {"--scenario", std::move(scenario)};
  // The test reads a child's output only while it waits for a line; a chatty child would fill
  // the pipe and block on its next log line. So: warnings only, unless the test asks for more.
  if (std::find(extra_args.begin(), extra_args.end(), "--log-level") == extra_args.end())
    launch.args.insert(launch.args.end(), {"--log-level", "warn"});
  launch.args.insert(launch.args.end(), extra_args.begin(), extra_args.end());
  launch.ready_timeout = 10s;
  static_cast<test::GwsimProcess&>(*this) = test::start_gwsim(launch, want_port);
}

std::unique_ptr<Process> start_gateway_worker(const Broker& broker, const std::string& gateway,
                                              int client_id, std::vector<std::string> extra_args,
                                              const std::string& log_level) {
  // "warn" by default: per-job lines are noise over a long test.
  std::vector<std::string> args{"--gateway", gateway, "--client-id", std::to_string(client_id)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return e2e::start_worker(broker.endpoints.backend, 1000, 3, log_level, std::move(args));
}

GatewayCluster::GatewayCluster(const std::string& gateway, int client_id,
                               const std::string& service, std::vector<std::string> worker_args,
                               const std::string& log_level)
    : worker(start_gateway_worker(broker, gateway, client_id, std::move(worker_args), log_level)) {
  e2e::wait_for_service(broker.endpoints.frontend, service);
}

JobReply run(const Broker& broker, const std::string& intent, nlohmann::json params,
             uint64_t deadline_ms, std::chrono::milliseconds timeout) {
  static std::atomic<int> counter{0};
  JobRequest request;
  request.id = "it-" + intent + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  request.params = params.is_null() ? nlohmann::json::object() : std::move(params);
  request.deadline_ms = deadline_ms;
  return e2e::submit(broker.endpoints.frontend, intent, std::move(request), timeout);
}

nlohmann::json broker_stats(const Broker& broker) {
  return test::broker_stats(broker.endpoints.frontend, 5s);
}

std::string describe(const JobReply& reply) {
  if (reply.ok) return "ok";
  if (!reply.error) return "error without details";
  return std::string(to_string(reply.error->code)) + ": " + reply.error->message;
}

}  // namespace intentq::intents_test
