// intentq-worker: serves every intent of the catalog to an intentq broker, one job at a time.
//
//   intentq-worker --broker tcp://127.0.0.1:5556 [--client-id N | --client-id-base N]
//                  [--gateway HOST:PORT] [--gateway-timeout-ms 5000] [--heartbeat-ms 1000]
//                  [--liveness 3] [--log-level L] [--gateway-session persistent|per-job]
//                  [--gateway-id ID] [--gateway-msg-rate 45] [--fetch-mode parallel|sequential]
//                  [--max-message-bytes N] [--gateway-max-rows N] [--gateway-max-bytes N]
//
// clientId: --client-id wins; otherwise, under systemd as intentq-worker@N, the instance number N
// (from INTENTQ_INSTANCE, which the unit sets to %i, or from a program name such as
// "intentq-worker@N") plus --client-id-base; otherwise 1.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "common/curve_options.hpp"
#include "worker/intent.hpp"
#include "worker/worker_loop.hpp"
#include "worker/worker_options.hpp"

namespace {

std::string worker_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "localhost") + ":" + std::to_string(getpid());
}

std::string intent_names() {
  std::string names;
  for (const auto& intent : intentq::intent_catalog()) {
    if (!names.empty()) names += ",";
    names += intent.name;
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  intentq::WorkerOptions options;
  if (const char* env = std::getenv("INTENTQ_BROKER")) options.broker = env;

  CLI::App app{"intentq-worker: runs intent jobs handed out by intentq-broker"};
  std::optional<int> client_id;
  int client_id_base = 0;
  std::string gateway;
  int heartbeat_ms = static_cast<int>(options.heartbeat.count());
  int connect_timeout_ms = static_cast<int>(options.gateway.connect_timeout.count());
  app.add_option("--broker", options.broker, "broker backend endpoint (env INTENTQ_BROKER)")
      ->capture_default_str();
  app.add_option("--client-id", client_id, "IB clientId for this worker's gateway sessions");
  app.add_option("--client-id-base", client_id_base,
                 "clientId = base + systemd instance number (INTENTQ_INSTANCE or argv[0] @N)")
      ->capture_default_str();
  app.add_option("--gateway", gateway, "IB Gateway / TWS / intentq-gwsim as HOST:PORT");
  app.add_option("--gateway-timeout-ms", connect_timeout_ms,
                 "bound on connecting to the gateway (TCP, handshake, ready); the job's deadline "
                 "bounds it too")
      ->check(CLI::Range(50, 600000))
      ->capture_default_str();
  std::string session_mode = "persistent";
  app.add_option("--gateway-session", session_mode,
                 "persistent: one gateway session for the worker's life, lent to each job; "
                 "per-job: a new session per job")
      ->check(CLI::IsMember({"persistent", "per-job"}))
      ->capture_default_str();
  app.add_option("--gateway-id", options.gateway_id,
                 "name of the gateway for the broker's budget and routing (default HOST:PORT)");
  app.add_option("--gateway-msg-rate", options.gateway.msg_rate,
                 "the gateway's message budget per second (announced to the broker; this "
                 "worker's own pacer never exceeds it either)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  std::string fetch_mode = "parallel";
  app.add_option("--fetch-mode", fetch_mode,
                 "parallel: an intent's fetches at once; sequential: one after another")
      ->check(CLI::IsMember({"parallel", "sequential"}))
      ->capture_default_str();
  app.add_option("--max-message-bytes", options.max_message_bytes,
                 "largest reply body sent to the broker (keep it at or below the broker's "
                 "--max-message-bytes); larger results are answered RESULT_TOO_LARGE")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 31))
      ->capture_default_str();
  app.add_option("--gateway-max-rows", options.gateway.max_rows_per_request,
                 "rows one gateway request may return before it fails (GATEWAY_ERROR)")
      ->check(CLI::Range(size_t{1}, size_t{100000000}))
      ->capture_default_str();
  app.add_option("--gateway-max-bytes", options.gateway.max_bytes_per_request,
                 "bytes one gateway request's answer may take before it fails (GATEWAY_ERROR)")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 34))
      ->capture_default_str();
  app.add_option("--heartbeat-ms", heartbeat_ms, "MDP heartbeat interval")
      ->check(CLI::Range(50, 60000))
      ->capture_default_str();
  app.add_option("--liveness", options.liveness, "missed heartbeats before reconnecting")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  intentq::curve::ClientOptions curve_options;
  curve_options.add_to(app);
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
    options.heartbeat = std::chrono::milliseconds(heartbeat_ms);
    options.gateway.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
    if (!gateway.empty()) intentq::parse_gateway(gateway, options.gateway);
    options.curve = curve_options.load();
    options.session_mode = session_mode == "per-job" ? intentq::SessionMode::kPerJob
                                                     : intentq::SessionMode::kPersistent;
    options.gateway.sequential_fetch = fetch_mode == "sequential";
    if (options.gateway_id.empty())
      options.gateway_id = options.gateway.host + ":" + std::to_string(options.gateway.port);
    const char* instance_env = std::getenv("INTENTQ_INSTANCE");
    auto instance = intentq::instance_number(
        instance_env ? std::optional<std::string_view>(instance_env) : std::nullopt, argv[0]);
    options.gateway.client_id = intentq::resolve_client_id(client_id, client_id_base, instance);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "intentq-worker: " << e.what() << "\n";
    return 1;
  }

  auto logger = spdlog::stderr_color_mt("worker");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [worker %P] %v");

  // Block the stop signals before any thread exists (zmq's I/O threads, job threads inherit the
  // mask), then receive them through a signalfd the main loop polls.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  int stop_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (stop_fd < 0) {
    std::cerr << "intentq-worker: signalfd failed\n";
    return 1;
  }

  try {
    spdlog::info("clientId {} gateway {}:{} ({} session)", options.gateway.client_id,
                 options.gateway.host, options.gateway.port,
                 options.session_mode == intentq::SessionMode::kPerJob ? "per-job" : "persistent");
    intentq::WorkerLoop loop(options, intentq::intent_catalog(), worker_name());
    int code = loop.run(stop_fd, [&] {
      std::cout << "intentq-worker ready broker=" << options.broker << " intents=" << intent_names()
                << std::endl;
    });
    close(stop_fd);
    return code;
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    close(stop_fd);
    return 1;
  }
}
