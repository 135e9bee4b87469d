// intentq-gwsim: an IB Gateway simulator speaking the TWS API socket protocol (server versions
// 176..200), serving a JSON scenario with configurable latency and faults. See docs/gateway.md.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "common/asio.hpp"
#include "common/file_checks.hpp"
#include "common/logging.hpp"
#include "common/program_options.hpp"
#include "common/signals.hpp"
#include "sim/scenario.hpp"
#include "sim/server.hpp"

namespace {

// sysexits.h EX_CONFIG: a refused configuration.
constexpr int kConfigExit = 78;

// "HOST:PORT", "[::1]:PORT" -> host, port.
bool split_listen(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    size_t used = 0;
    int p = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// stdout carries the readiness line and the counters' lines, each written whole and flushed.
void print_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// A string option that must be one of `choices`, its default shown in --help.
CLI::Option* add_choice(CLI::App& app, const std::string& name, std::string& value,
                        const std::string& help, std::vector<std::string> choices) {
  return app.add_option(name, value, help)
      ->check(CLI::IsMember(std::move(choices)))
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace intentq;
  CLI::App app{"intentq-gwsim: IB Gateway simulator (TWS API server versions 176..200)"};
  ProgramOptions config(app, "intentq-gwsim", kConfigExit);
  LogOptions log;
  std::string listen = "127.0.0.1:4002";
  std::string scenario_path;
  std::optional<int> latency_ms, jitter_ms, handshake_latency_ms;
  std::string pacing = "combined";
  sim::ServerOptions defaults;
  int msg_rate = defaults.max_messages_per_second;
  int pacing_close_after = defaults.pacing_close_after;
  int fault_cycle_ms = 0;
  int fault_connections = 0;
  int trickle_ms = 100;
  int flood_seconds = defaults.flood_seconds;
  int64_t flood_bytes = defaults.flood_bytes;
  std::vector<std::string> fault_names;
  int max_version = gw::kMaxServerVersion;
  int max_clients = 32;
  std::string historical_pacing = "all";
  double time_scale = 1.0;
  size_t historical_log = 0;
  std::string market_time;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 = pick a free one)")
      ->capture_default_str();
  app.add_option("--scenario", scenario_path, "scenario JSON file (default: built-in scenario)")
      ->check(CLI::ExistingFile);
  app.add_option("--latency-ms", latency_ms, "delay before every answer")
      ->check(CLI::Range(0, 600000));
  app.add_option("--jitter-ms", jitter_ms, "extra random delay 0..N per answer")
      ->check(CLI::Range(0, 600000));
  app.add_option("--handshake-latency-ms", handshake_latency_ms,
                 "delay before answering a handshake (default: the --latency-ms value)")
      ->check(CLI::Range(0, 600000));
  intentq::add_bounded(app, "--msg-rate", msg_rate,
                       "pacing budget: messages per sliding second (all clients, or per client)", 1,
                       1000000);
  add_choice(app, "--pacing", pacing,
             "combined: one budget shared by all clients, as IB; per-connection: one budget "
             "per client; off",
             {"combined", "per-connection", "off"});
  intentq::add_bounded(app, "--pacing-close-after", pacing_close_after,
                       "combined pacing: a client refused more than N times within one second is "
                       "disconnected",
                       0, 1000000);
  app.add_option("--fault", fault_names,
                 "inject a fault (repeatable): refuse, close-after-handshake, close-mid-answer, "
                 "garbage, silence, positions-no-end, error-flood, slow-frame, "
                 "historical-no-end")
      ->check([](const std::string& name) {
        return sim::fault_from_string(name) ? std::string() : "unknown fault '" + name + "'";
      });
  intentq::add_bounded(
      app, "--fault-cycle-ms", fault_cycle_ms,
      "cycle through the --fault faults: N ms without a fault, N ms with the first, N "
      "ms without, N ms with the second, ... (0 = all faults all the time)",
      0, 86400000);
  intentq::add_bounded(app, "--fault-connections", fault_connections,
                       "the faults hit only the first N connections accepted (0 = all)", 0,
                       1000000);
  intentq::add_bounded(app, "--trickle-ms", trickle_ms,
                       "slow-frame: pause between two bytes of an answer", 1, 60000);
  intentq::add_bounded(
      app, "--flood-seconds", flood_seconds,
      "positions-no-end / error-flood / slow-frame / historical-no-end: stop one flood "
      "after N seconds",
      1, 86400);
  intentq::add_bounded(app, "--flood-bytes", flood_bytes,
                       "positions-no-end / error-flood: stop one flood after N bytes", int64_t{1},
                       int64_t{1} << 40);
  intentq::add_bounded(app, "--max-version", max_version,
                       "act as a gateway whose newest server version is N", gw::kMinServerVersion,
                       gw::kMaxServerVersion);
  intentq::add_bounded(app, "--max-clients", max_clients, "simultaneous API clients allowed", 1,
                       1024);
  add_choice(app, "--historical-pacing", historical_pacing,
             "IB's historical-data pacing rules: all (every bar size), small (bars of 30 s or "
             "less and head timestamps only), off (the 50-open limit too)",
             {"all", "small", "off"});
  intentq::add_bounded(
      app, "--time-scale", time_scale,
      "multiply the market-data time rules (pacing windows of 15 s, 2 s, 10 min; the "
      "11 s snapshot end) by this factor, e.g. 0.01 for tests",
      0.0001, 100.0);
  intentq::add_bounded(
      app, "--historical-log", historical_log,
      "keep the last N historical requests and cancels received (time, connection, "
      "request id, verdict, fields) in the counters' line, for tests (0 = none)",
      size_t{0}, size_t{100000});
  app.add_option("--market-time", market_time,
                 "serve market data as of this UTC time, frozen (yyyy-mm-ddThh:mm:ssZ or epoch "
                 "seconds; default: the real clock)");
  add_log_options(app, log);
  config.finish();
  if (auto exit = config.parse(argc, argv)) return *exit;
  // Logs go to stderr: stdout carries only the readiness line that scripts and tests wait for.
  init_logging("gwsim", log.level, parse_log_format(log.format));

  sim::ServerOptions options;
  if (!split_listen(listen, options.host, options.port))
    return config.refuse("--listen: expected HOST:PORT, got '" + listen + "'");
  options.max_version = max_version;
  options.latency_ms = latency_ms;
  options.jitter_ms = jitter_ms;
  options.max_clients = max_clients;
  options.handshake_latency_ms = handshake_latency_ms;
  options.pacing = *sim::pacing_mode_from_string(pacing);
  options.max_messages_per_second = msg_rate;
  options.pacing_close_after = pacing_close_after;
  options.fault_cycle_ms = fault_cycle_ms;
  options.fault_connections = fault_connections;
  options.trickle_ms = trickle_ms;
  options.flood_seconds = flood_seconds;
  options.flood_bytes = flood_bytes;
  options.historical_pacing = historical_pacing != "off";
  options.historical_small_bars_only = historical_pacing == "small";
  options.time_scale = time_scale;
  options.historical_log = historical_log;
  if (!market_time.empty()) {
    auto t = sim::parse_utc_time(market_time);
    if (!t)
      return config.refuse("--market-time: expected yyyy-mm-ddThh:mm:ssZ or epoch seconds, got '" +
                           market_time + "'");
    options.market_time = *t;
  }
  for (const auto& name : fault_names) options.faults.insert(*sim::fault_from_string(name));

  // Checked before it is opened: a FIFO would block, a device never end.
  constexpr uint64_t kMaxScenarioBytes = 64 << 20;
  if (!scenario_path.empty())
    if (const auto problem = regular_file_problem(scenario_path, kMaxScenarioBytes);
        !problem.empty())
      return config.refuse("--scenario: " + scenario_path + ": " + problem);
  sim::Scenario scenario;
  try {
    scenario = scenario_path.empty() ? sim::default_scenario() : sim::load_scenario(scenario_path);
  } catch (const sim::ScenarioError& e) {
    std::cerr << "intentq-gwsim: bad scenario: " << e.what() << "\n";
    return 2;
  }

  try {
    // SIGINT/SIGTERM stop; SIGUSR1 prints the counters (one JSON line on stdout) and goes on.
    SignalFd signals({SIGINT, SIGTERM, SIGUSR1});
    asio::io_context io(1);
    sim::Server server(io, std::move(scenario), options);
    asio::posix::stream_descriptor signal_events(io, ::dup(signals.fd()));
    std::function<void()> arm_signals = [&] {
      signal_events.async_wait(asio::posix::stream_descriptor::wait_read,
                               [&](const boost::system::error_code& ec) {
                                 if (ec) return;
                                 for (int sig : signals.take()) {
                                   if (sig == SIGUSR1) {
                                     print_line(server.stats_line());
                                     continue;
                                   }
                                   spdlog::info("signal {}: shutting down", sig);
                                   server.stop();
                                   io.stop();
                                   return;
                                 }
                                 arm_signals();
                               });
    };
    arm_signals();
    server.start();
    auto ep = server.local_endpoint();
    std::string host = ep.address().to_string();
    if (ep.address().is_v6()) host = "[" + host + "]";
    std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(ep.port()));
    std::fflush(stdout);
    spdlog::info("max version {}, max clients {}, pacing {} at {} msg/s, faults: {}{}", max_version,
                 max_clients, pacing, msg_rate,
                 fault_names.empty() ? std::string("none") : CLI::detail::join(fault_names),
                 fault_cycle_ms > 0 ? " (cycled every " + std::to_string(fault_cycle_ms) + " ms)"
                                    : std::string());
    io.run();
    print_line(server.stats_line());  // the final counters, at exit
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
