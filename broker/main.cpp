// intentq-broker: the Majordomo (MDP/0.1) broker for intentq workers and stock MDP peers.
#include <malloc.h>

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "broker/historical_budget.hpp"
#include "broker/security_options.hpp"
#include "broker/server.hpp"
#include "common/endpoint_check.hpp"
#include "common/logging.hpp"
#include "common/metrics_http.hpp"
#include "common/program_options.hpp"

namespace {
// sysexits.h EX_CONFIG: a refused configuration (the unit does not restart on it).
constexpr int kConfigExit = 78;
}  // namespace

int main(int argc, char** argv) {
  // Blocks of 256 KiB and more (large frames: results, and what a hostile peer sends before it
  // is cut) are mapped and unmapped one by one. glibc would otherwise raise this threshold after
  // the first large free and keep such blocks in its heap, so memory freed with a cut peer's
  // queue stayed resident (docs/operations.md "Broker memory").
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  intentq::broker::Config config;
  CLI::App app{"intentq-broker: Majordomo broker for intentq jobs"};
  intentq::ProgramOptions options(app, "intentq-broker", kConfigExit);
  intentq::LogOptions log;
  int64_t heartbeat_ms = config.heartbeat.count();
  int64_t deadline_ms = config.default_deadline.count();
  int64_t dedup_ttl_ms = config.dedup_ttl.count();
  int64_t drain_ms = config.drain_timeout.count();
  app.add_option("--frontend", config.frontend, "client endpoint (ROUTER)")->capture_default_str();
  app.add_option("--backend", config.backend, "worker endpoint (ROUTER)")->capture_default_str();
  app.add_option("--publish", config.publish, "results endpoint (PUB)")->capture_default_str();
  app.add_option("--metrics", config.metrics,
                 "serve Prometheus metrics on HOST:PORT (GET /metrics); off when empty");
  intentq::add_bounded(app, "--heartbeat-ms", heartbeat_ms, "heartbeat interval", int64_t{10},
                       int64_t{3600000});
  intentq::add_bounded(app, "--liveness", config.liveness,
                       "heartbeats missed before a peer is dead", 1, 100);
  intentq::add_bounded(app, "--max-queue", config.max_queue, "queued jobs per service before BUSY",
                       size_t{1}, size_t{100000000});
  intentq::add_bounded(app, "--default-deadline-ms", deadline_ms,
                       "deadline of requests that give none", int64_t{1}, int64_t{86400000});
  intentq::add_bounded(app, "--dedup-ttl-ms", dedup_ttl_ms,
                       "how long finished replies are kept by id", int64_t{0}, int64_t{86400000});
  intentq::add_bounded(app, "--dedup-max-entries", config.dedup_max_entries,
                       "bound of the dedup cache", size_t{0}, size_t{100000000});
  intentq::add_bounded(app, "--drain-timeout-ms", drain_ms,
                       "on SIGTERM, how long running jobs may finish", int64_t{0},
                       int64_t{3600000});
  intentq::add_bounded(app, "--max-queue-bytes", config.max_queue_bytes,
                       "request bytes queued per service before BUSY", size_t{1024},
                       size_t{1} << 40);
  intentq::add_bounded(app, "--max-jobs-bytes", config.max_jobs_bytes,
                       "request bytes of all unfinished jobs before BUSY", size_t{1024},
                       size_t{1} << 40);
  intentq::add_bounded(app, "--dedup-max-bytes", config.dedup_max_bytes,
                       "bytes of replies the dedup cache keeps", size_t{0}, size_t{1} << 40);
  intentq::add_bounded(app, "--max-held-bytes", config.max_held_bytes,
                       "request bytes held during the startup grace", size_t{0}, size_t{1} << 40);
  intentq::add_bounded(app, "--max-workers", config.max_workers, "workers registered at once",
                       size_t{1}, size_t{1000000});
  intentq::add_bounded(app, "--io-threads", config.io_threads,
                       "libzmq I/O threads (1 suits up to ~10,000 jobs/s; docs/benchmarks.md)", 1,
                       16);
  int64_t reuse_ttl_ms = config.reuse_ttl.count();
  intentq::add_bounded(app, "--reuse-max-bytes", config.reuse_max_bytes,
                       "bytes of recent answers kept for requests with max_age_ms (0 = no reuse)",
                       size_t{0}, size_t{1} << 40);
  intentq::add_bounded(app, "--reuse-ttl-ms", reuse_ttl_ms,
                       "longest a recent answer is kept, whatever a request's max_age_ms",
                       int64_t{0}, int64_t{86400000});
  int64_t grace_ms = config.startup_grace.count();
  intentq::add_bounded(app, "--startup-grace-ms", grace_ms,
                       "after start, how long requests for not-yet-registered services are held",
                       int64_t{0}, int64_t{600000});
  int64_t no_worker_grace_ms = config.no_worker_grace.count();
  intentq::add_bounded(app, "--no-worker-grace-ms", no_worker_grace_ms,
                       "a service whose last worker left is answered NO_WORKER after this long "
                       "(0: its jobs stay queued until a worker comes or their deadline passes)",
                       int64_t{0}, int64_t{86400000});
  intentq::add_bounded(app, "--max-message-bytes", config.max_message_bytes,
                       "largest frame accepted from a peer (ZMQ_MAXMSGSIZE)", int64_t{256},
                       int64_t{1} << 40);
  // Outbound and subscription paths in bytes (issue 16; docs/operations.md "Broker memory").
  intentq::add_bounded(
      app, "--max-subscription-bytes", config.max_subscription_bytes,
      "longest subscription (topic prefix) a subscriber may send; longer: disconnected", size_t{16},
      size_t{65536});
  intentq::add_bounded(app, "--max-subscription-topics", config.max_subscription_topics,
                       "distinct topics one subscriber connection may hold; more: disconnected",
                       size_t{1}, size_t{100000});
  intentq::add_bounded(app, "--max-subscribers", config.max_subscribers,
                       "connections to the publish socket at once; more are disconnected",
                       size_t{1}, size_t{100000});
  intentq::add_bounded(
      app, "--subscriber-queue-bytes", config.subscriber_queue_bytes,
      "result bytes a subscriber may fall behind (at least 2 x --max-message-bytes); "
      "past it that subscriber is disconnected",
      size_t{1}, size_t{1} << 40);
  intentq::add_bounded(app, "--client-unread-bytes", config.client_unread_bytes,
                       "reply bytes one client may leave unread before it is disconnected",
                       size_t{1}, size_t{1} << 40);
  intentq::add_bounded(app, "--clients-unread-bytes", config.clients_unread_bytes,
                       "reply bytes all clients together may leave unread (the largest holder is "
                       "disconnected)",
                       size_t{1}, size_t{1} << 40);
  intentq::add_bounded(
      app, "--stats-per-second", config.stats_per_second,
      "mmi.stats answers per second per client (10x for all clients; 0 = unlimited)", 0.0,
      1000000.0);
  // IB's historical pacing per gateway (issue 20; docs/protocol.md §6.11, docs/operations.md).
  auto& hist = config.historical;
  intentq::add_bounded(app, "--hist-requests", hist.requests,
                       "historical requests (BID_ASK counts 2) per gateway in any --hist-window-s",
                       uint32_t{1}, uint32_t{1000000});
  intentq::add_bounded(app, "--hist-window-s", hist.window_s, "window of --hist-requests, seconds",
                       0.001, 86400.0);
  intentq::add_bounded(app, "--hist-per-key", hist.per_key,
                       "historical requests per contract/exchange/what_to_show in any "
                       "--hist-key-window-s",
                       uint32_t{1}, uint32_t{1000000});
  intentq::add_bounded(app, "--hist-key-window-s", hist.key_window_s,
                       "window of --hist-per-key, seconds (at most --hist-window-s)", 0.001,
                       86400.0);
  intentq::add_bounded(app, "--hist-open", hist.open,
                       "historical requests running at once per gateway (IB refuses the 51st)",
                       uint32_t{1}, uint32_t{50});
  intentq::add_bounded(app, "--hist-identical-s", hist.identical_s,
                       "no identical historical request within this many seconds (at most "
                       "--hist-window-s)",
                       0.001, 86400.0);
  app.add_flag("--hist-small-bars-only", hist.small_bars_only,
               "apply the historical windows to bars of 30 s and less only (IB's documented "
               "scope); default: every historical request");
  intentq::add_bounded(
      app, "--hist-time-scale", hist.time_scale,
      "multiply every historical window by this factor, as intentq-gwsim's --time-scale "
      "(e.g. 0.01 for tests against a time-scaled simulator)",
      0.0001, 100.0);
  intentq::broker::add_security_options(app, config.security);
  intentq::add_log_options(app, log);
  options.finish();
  if (auto exit = options.parse(argc, argv)) return *exit;
  config.heartbeat = intentq::broker::Ms(heartbeat_ms);
  config.default_deadline = intentq::broker::Ms(deadline_ms);
  config.dedup_ttl = intentq::broker::Ms(dedup_ttl_ms);
  config.drain_timeout = intentq::broker::Ms(drain_ms);
  config.startup_grace = intentq::broker::Ms(grace_ms);
  config.no_worker_grace = intentq::broker::Ms(no_worker_grace_ms);
  config.reuse_ttl = intentq::broker::Ms(reuse_ttl_ms);
  if (hist.key_window_s > hist.window_s)
    return options.refuse("--hist-key-window-s (" + std::to_string(hist.key_window_s) +
                          ") must not be longer than --hist-window-s (" +
                          std::to_string(hist.window_s) + ")");
  if (hist.identical_s > hist.window_s)
    return options.refuse("--hist-identical-s (" + std::to_string(hist.identical_s) +
                          ") must not be longer than --hist-window-s (" +
                          std::to_string(hist.window_s) + ")");
  try {
    intentq::check_endpoint("--frontend", config.frontend, intentq::EndpointUse::kBind);
    intentq::check_endpoint("--backend", config.backend, intentq::EndpointUse::kBind);
    intentq::check_endpoint("--publish", config.publish, intentq::EndpointUse::kBind);
    if (!config.metrics.empty())
      intentq::check_metrics_bind(config.metrics, config.security.insecure_allow_public);
  } catch (const std::exception& e) {
    return options.refuse(e.what());
  }

  intentq::init_logging("broker", log.level, intentq::parse_log_format(log.format));
  try {
    intentq::broker::Server server(config);
    spdlog::info("{}", intentq::broker::HistoricalBudget(config.historical).describe());
    // The one readiness line tests and scripts wait for; printed only once every bind succeeded.
    const auto metrics = server.metrics_url();
    std::printf("intentq-broker ready frontend=%s backend=%s publish=%s%s%s\n",
                server.frontend_endpoint().c_str(), server.backend_endpoint().c_str(),
                server.publish_endpoint().c_str(),
                metrics.empty() ? "" : " metrics=", metrics.c_str());
    std::fflush(stdout);
    return server.run();
  } catch (const intentq::broker::SecurityConfigError& e) {
    // A CURVE configuration that cannot work (unreadable allow directory, bad key file, public
    // bind without CURVE): a configuration error like a bad option, not a failure to retry.
    spdlog::critical("{}", options.explain(e.what()));
    return kConfigExit;
  } catch (const std::exception& e) {
    // A bind or CURVE problem names its option (--frontend, --curve-secret): say where it came
    // from.
    spdlog::critical("{}", options.explain(e.what()));
    return 1;
  }
}
