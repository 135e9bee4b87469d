// Both metrics endpoints on real processes (intentq-broker, intentq-worker, intentq-gwsim): the
// series count exactly the jobs sent, and `promtool check metrics` (Debian's prometheus package)
// accepts both expositions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

int metrics_port(Process& process) {
  return test::metrics_port(process.output_text());
}

std::string show(const std::optional<double>& v) {
  return v ? std::to_string(*v) : std::string("(absent)");
}

// Scrapes until every expectation holds or 10 s pass; returns the last body.
std::string scrape_until(int port, const std::vector<std::pair<std::string, double>>& expected) {
  std::string body;
  const auto end = Clock::now() + 10s;
  do {
    body = test::http_body(port, "/metrics");
    bool all = true;
    for (const auto& [series, want] : expected)
      all = all && test::metric_value(body, series) == want;
    if (all) return body;
    std::this_thread::sleep_for(50ms);  // polling a condition, bounded above
  } while (Clock::now() < end);
  for (const auto& [series, want] : expected)
    ADD_FAILURE() << series << ": want " << want << ", got "
                  << show(test::metric_value(body, series));
  return body;
}

// `promtool check metrics` on `body`; returns (exit status, output).
std::pair<int, std::string> promtool_check(const std::string& body) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto in = dir / ("intentq-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(in) << body;
  const std::string cmd = "promtool check metrics < " + in.string() + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  std::filesystem::remove(in);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool have_promtool() {
  return std::system("command -v promtool >/dev/null 2>&1") == 0;
}

TEST(Metrics, BrokerAndWorkerCountTheJobsSent) {
  ASSERT_TRUE(have_promtool()) << "promtool not found: install Debian's prometheus package "
                                  "(scripts/setup.sh)";
  Sim sim;
  Broker broker({"--metrics", "127.0.0.1:0"});
  const int broker_port = metrics_port(*broker.process);
  auto worker = start_gateway_worker(broker, sim.address(), 7, {"--metrics", "127.0.0.1:0"});
  const int worker_port = metrics_port(*worker);
  e2e::wait_for_service(broker.endpoints.frontend, "summary");

  constexpr int kSummaries = 5;
  constexpr int kMissing = 3;
  for (int i = 0; i < kSummaries; ++i) {
    auto reply = run(broker, "summary");
    ASSERT_TRUE(reply.ok) << describe(reply);
  }
  for (int i = 0; i < kMissing; ++i) {
    auto reply = run(broker, "contract_details", {{"con_id", 999}});  // IB error 200
    ASSERT_FALSE(reply.ok);
    ASSERT_EQ(reply.error->code, ErrorCode::kGatewayError) << describe(reply);
  }
  auto unknown = run(broker, "no_such_intent");
  ASSERT_EQ(unknown.error->code, ErrorCode::kUnknownIntent) << describe(unknown);

  const double n = kSummaries, m = kMissing;
  const auto broker_body = scrape_until(
      broker_port,
      {{R"(intentq_broker_jobs_total{intent="summary",outcome="ok"})", n},
       {R"(intentq_broker_jobs_total{intent="contract_details",outcome="GATEWAY_ERROR"})", m},
       {R"m(intentq_broker_jobs_total{intent="(unregistered)",outcome="UNKNOWN_INTENT"})m", 1},
       {R"(intentq_broker_queue_wait_seconds_count{intent="summary"})", n},
       {R"(intentq_broker_job_duration_seconds_count{intent="summary"})", n},
       {R"(intentq_broker_job_duration_seconds_count{intent="contract_details"})", m},
       {R"(intentq_broker_queue_depth{intent="summary"})", 0},
       {R"(intentq_broker_workers{intent="summary",state="idle"})", 1},
       {R"(intentq_broker_workers{intent="summary",state="busy"})", 0},
       {R"(intentq_broker_events_total{event="requeued"})", 0},
       {R"(intentq_broker_events_total{event="late_replies_dropped"})", 0}});
  const auto worker_body = scrape_until(
      worker_port,
      {{R"(intentq_worker_jobs_total{intent="summary",outcome="ok"})", n},
       {R"(intentq_worker_jobs_total{intent="contract_details",outcome="GATEWAY_ERROR"})", m},
       {R"(intentq_worker_job_duration_seconds_count{intent="summary"})", n},
       // summary fetches the four in parallel on each job
       {R"(intentq_worker_gateway_request_seconds_count{request="positions"})", n},
       {R"(intentq_worker_gateway_request_seconds_count{request="account_summary"})", n},
       {R"(intentq_worker_gateway_request_seconds_count{request="executions"})", n},
       {R"(intentq_worker_gateway_request_seconds_count{request="open_orders"})", n},
       // failed requests have no latency sample; their IB code is counted instead
       {R"(intentq_worker_gateway_request_seconds_count{request="contract_details"})", 0},
       {R"(intentq_worker_gateway_errors_total{code="200"})", m},
       {R"(intentq_worker_gateway_session_up)", 1},
       {R"(intentq_worker_gateway_connects_total{outcome="ok"})", 1},
       {R"(intentq_worker_gateway_connect_seconds_count)", 1},
       {R"(intentq_worker_gateway_session_reconnects_total)", 0}});

  // Issue 18: the broker names each live worker as it names itself (host:pid).
  const std::string pid = std::to_string(worker->pid());
  EXPECT_TRUE(std::regex_search(
      broker_body,
      std::regex("intentq_broker_worker\\{what=\"busy\",worker=\"[^\"]+:" + pid + "\"\\} 0")))
      << broker_body;
  EXPECT_TRUE(std::regex_search(
      broker_body,
      std::regex("intentq_broker_worker\\{gateway=\"" + e2e::regex_escape(sim.address()) +
                 "\",what=\"session_up\",worker=\"[^\"]+:" + pid + "\"\\} 1")))
      << broker_body;

  for (const auto* body : {&broker_body, &worker_body}) {
    const auto [status, out] = promtool_check(*body);
    EXPECT_EQ(status, 0) << "promtool check metrics:\n" << out << "\non:\n" << *body;
  }
}

TEST(Metrics, WorkerCountsSessionLossAndReconnect) {
  Sim sim;
  Broker broker;
  auto worker = start_gateway_worker(broker, sim.address(), 8, {"--metrics", "127.0.0.1:0"});
  const int port = metrics_port(*worker);
  scrape_until(port, {{"intentq_worker_gateway_session_up", 1}});
  // The simulator goes away and comes back on the same port: the session drops, then the
  // worker's link reconnects.
  const auto gateway_port = sim.port;
  sim.stop();
  scrape_until(port, {{"intentq_worker_gateway_session_up", 0}});
  Sim again({}, gateway_port);
  scrape_until(port, {{"intentq_worker_gateway_session_up", 1},
                      {"intentq_worker_gateway_session_reconnects_total", 1},
                      {R"(intentq_worker_gateway_connects_total{outcome="ok"})", 2}});
}

}  // namespace
}  // namespace intentq::intents_test
