// intentq-worker: serves every intent of the catalog to an intentq broker, one job at a time.
//
//   intentq-worker --broker tcp://127.0.0.1:5556 [--client-id N | --client-id-base N]
//                  [--gateway HOST:PORT] [--gateway-timeout-ms 5000] [--heartbeat-ms 1000]
//                  [--liveness 3] [--log-level L] [--gateway-session persistent|per-job]
//                  [--gateway-id ID] [--gateway-msg-rate 45] [--fetch-mode parallel|sequential]
//                  [--max-message-bytes N] [--gateway-max-rows N] [--gateway-max-bytes N]
//                  [--log-format text|json] [--config FILE] [--metrics HOST:PORT] [--name NAME]
//
// Every option is also an INTENTQ_* environment variable and a config-file key
// (common/program_options.hpp). Under systemd (Type=notify) the worker reports READY=1 once it
// registered with the broker (with its gateway session up), STATUS=, WATCHDOG=1 and STOPPING=1.
//
// clientId: --client-id wins; otherwise, under systemd as intentq-worker@N, the instance number N
// (from INTENTQ_INSTANCE, which the unit sets to %i, or from a program name such as
// "intentq-worker@N") plus --client-id-base; otherwise 1.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <limits>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "common/curve_options.hpp"
#include "common/endpoint_check.hpp"
#include "common/logging.hpp"
#include "common/mdp.hpp"
#include "common/metrics_http.hpp"
#include "common/program_options.hpp"
#include "common/signals.hpp"
#include "common/strings.hpp"
#include "worker/intent.hpp"
#include "worker/systemd_reporter.hpp"
#include "worker/worker_loop.hpp"
#include "worker/worker_metrics.hpp"
#include "worker/worker_options.hpp"

namespace {

// sysexits.h EX_CONFIG: a refused configuration (the unit does not restart on it).
constexpr int kConfigExit = 78;

std::string worker_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "localhost") + ":" + std::to_string(getpid());
}

// "intents=<what the READY registered>", and when the gateway intents wait for the session:
// " (gateway intents waiting for gateway 127.0.0.1:4002: <connect error>)".
std::string registered_text(const intentq::mdp::ReadyInfo& ready) {
  std::string text = "intents=" + intentq::join(ready.services, ",");
  if (!ready.waiting.empty())
    text += " (gateway intents waiting for gateway " + ready.gateway.value_or("?") + ": " +
            ready.session_error.value_or("session down") + ")";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  intentq::WorkerOptions options;
  CLI::App app{"intentq-worker: runs intent jobs handed out by intentq-broker"};
  intentq::ProgramOptions config(app, "intentq-worker", kConfigExit);
  intentq::LogOptions log;
  std::optional<int> client_id;
  int client_id_base = 0;
  std::string gateway =
      options.gateway.host + ":" + std::to_string(static_cast<int>(options.gateway.port));
  int heartbeat_ms = static_cast<int>(options.heartbeat.count());
  int connect_timeout_ms = static_cast<int>(options.gateway.connect_timeout.count());
  app.add_option("--broker", options.endpoint, "broker backend endpoint")->capture_default_str();
  std::string name;
  app.add_option("--name", name,
                 "this worker's name in replies, logs and the broker's stats (default host:pid)")
      ->check([](const std::string& n) {
        constexpr size_t kMax = intentq::mdp::kMaxWorkerNameBytes;  // what READY may carry
        if (n.empty() || n.size() > kMax) return "needs 1.." + std::to_string(kMax) + " characters";
        for (const char c : n)
          if (c < ' ' || c > '~') return std::string("needs printable ASCII characters");
        return std::string();
      });
  app.add_option("--client-id", client_id, "IB clientId for this worker's gateway sessions");
  intentq::add_bounded(app, "--client-id-base", client_id_base,
                       "clientId = base + systemd instance number (INTENTQ_INSTANCE or argv[0] @N)",
                       0, std::numeric_limits<int>::max());
  // An empty or garbage --client-id must be refused, not fall back to clientId 1.
  app.get_option("--client-id")->check(CLI::Range(0, std::numeric_limits<int>::max()));
  app.add_option("--gateway", gateway, "IB Gateway / TWS / intentq-gwsim as HOST:PORT")
      ->capture_default_str();
  intentq::add_bounded(
      app, "--gateway-timeout-ms", connect_timeout_ms,
      "bound on connecting to the gateway (TCP, handshake, ready); the job's deadline "
      "bounds it too",
      50, 600000);
  std::string session_mode = "persistent";
  app.add_option("--gateway-session", session_mode,
                 "persistent: one gateway session for the worker's life, lent to each job; "
                 "per-job: a new session per job")
      ->check(CLI::IsMember({"persistent", "per-job"}))
      ->capture_default_str();
  app.add_option("--gateway-id", options.gateway_id,
                 "name of the gateway for the broker's budget and routing (default HOST:PORT)");
  int msg_rate = static_cast<int>(options.gateway.max_messages_per_second);  // a whole number
  intentq::add_bounded(app, "--gateway-msg-rate", msg_rate,
                       "the gateway's message budget per second (announced to the broker; this "
                       "worker's own pacer never exceeds it either)",
                       1, 1000);
  std::string fetch_mode = "parallel";
  app.add_option("--fetch-mode", fetch_mode,
                 "parallel: an intent's fetches at once; sequential: one after another")
      ->check(CLI::IsMember({"parallel", "sequential"}))
      ->capture_default_str();
  intentq::add_bounded(app, "--max-message-bytes", options.max_message_bytes,
                       "largest reply body sent to the broker (keep it at or below the broker's "
                       "--max-message-bytes); larger results are answered RESULT_TOO_LARGE",
                       int64_t{1024}, int64_t{1} << 31);
  intentq::add_bounded(app, "--gateway-max-rows", options.gateway.max_rows_per_request,
                       "rows one gateway request may return before it fails (GATEWAY_ERROR)",
                       size_t{1}, size_t{100000000});
  intentq::add_bounded(
      app, "--gateway-max-bytes", options.gateway.max_bytes_per_request,
      "bytes one gateway request's answer may take before it fails (GATEWAY_ERROR)", size_t{1024},
      size_t{1} << 34);
  intentq::add_bounded(app, "--heartbeat-ms", heartbeat_ms, "MDP heartbeat interval", 50, 60000);
  intentq::add_bounded(app, "--liveness", options.liveness, "missed heartbeats before reconnecting",
                       1, 100);
  std::string metrics;
  app.add_option("--metrics", metrics,
                 "serve Prometheus metrics on HOST:PORT (GET /metrics); off when empty; "
                 "loopback only unless --insecure-allow-public");
  bool metrics_public = false;
  app.add_flag("--insecure-allow-public", metrics_public,
               "allow --metrics on a non-loopback address (no authentication; warns on every "
               "start)");
  intentq::curve::ClientOptions curve_options;
  curve_options.add_to(app);
  intentq::add_log_options(app, log);
  config.finish();
  if (auto exit = config.parse(argc, argv)) return *exit;
  try {
    options.log_level = log.level;
    options.heartbeat = std::chrono::milliseconds(heartbeat_ms);
    options.gateway.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
    intentq::check_endpoint("--broker", options.endpoint, intentq::EndpointUse::kConnect);
    intentq::parse_gateway(gateway, options.gateway);
    if (!metrics.empty()) intentq::check_metrics_bind(metrics, metrics_public);
    options.curve = curve_options.load();
    options.session_mode = session_mode == "per-job" ? intentq::SessionMode::kPerJob
                                                     : intentq::SessionMode::kPersistent;
    options.gateway.sequential_fetch = fetch_mode == "sequential";
    options.gateway.max_messages_per_second = msg_rate;
    if (options.gateway_id.empty())
      options.gateway_id = options.gateway.host + ":" + std::to_string(options.gateway.port);
    intentq::check_gateway_id(options.gateway_id);
    options.gateway.id = options.gateway_id;
    const char* instance_env = std::getenv("INTENTQ_INSTANCE");
    auto instance = intentq::instance_number(
        instance_env ? std::optional<std::string_view>(instance_env) : std::nullopt, argv[0]);
    options.gateway.client_id = intentq::resolve_client_id(client_id, client_id_base, instance);
  } catch (const std::exception& e) {
    return config.refuse(e.what());
  }

  intentq::init_logging("worker", log.level, intentq::parse_log_format(log.format));
  try {
    // Before any thread exists (zmq's I/O threads and the job thread inherit the mask).
    intentq::SignalFd stop({SIGINT, SIGTERM});
    spdlog::info("clientId {} gateway {}:{} ({} session)", options.gateway.client_id,
                 options.gateway.host, options.gateway.port,
                 options.session_mode == intentq::SessionMode::kPerJob ? "per-job" : "persistent");
    if (!metrics.empty()) {
      options.metrics = std::make_shared<intentq::WorkerMetrics>(
          metrics, intentq::intent_catalog(),
          options.session_mode == intentq::SessionMode::kPersistent);
      options.gateway.on_error = [m = options.metrics](int code) { m->ib_error(code); };
    }
    intentq::WorkerLoop loop(options, intentq::intent_catalog(),
                             name.empty() ? worker_name() : name);
    intentq::SystemdReporter systemd;
    loop.set_tick([&](const intentq::WorkerStatus& s) { systemd.report(s); }, systemd.every());
    return loop.run(stop.fd(), [&] {
      std::cout << "intentq-worker ready broker=" << options.endpoint << " "
                << registered_text(loop.last_ready())
                << (options.metrics ? " metrics=" + options.metrics->url() : std::string())
                << std::endl;
    });
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
