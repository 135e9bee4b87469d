#include "tests/reliability/scenarios.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/reliability/cluster.hpp"
#include "tests/reliability/driver.hpp"
#include "tests/reliability/hostile.hpp"
#include "tests/reliability/netns.hpp"
#include "tests/support/e2e_cluster.hpp"
#include "tests/support/gwsim_stats.hpp"
#include "tests/support/intents_cluster.hpp"

namespace intentq::reliability {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::Process;

// run_jobs while `side` (a chaos, killer or cutter thread) runs; however run_jobs ends, `stop`
// (when given) is set and `side` joined before this returns or throws.
Tally run_jobs_beside(const DriverOptions& o, uint64_t jobs, std::thread& side,
                      std::atomic<bool>* stop = nullptr) {
  struct Join {
    std::thread& side;
    std::atomic<bool>* stop;
    ~Join() {
      if (stop) *stop = true;
      side.join();
    }
  } join{side, stop};
  return run_jobs(o, jobs);
}

// The memory ceiling the broker must stay under whatever its peers do (issue 7, defect 7).
constexpr double kBrokerCeilingMib = 512;

std::string fmt(const char* format, double a, double b = 0, double c = 0, double d = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, a, b, c, d);
  return buf;
}

Row named(std::string scenario) {
  Row row;
  row.scenario = std::move(scenario);
  return row;
}

nlohmann::json no_params(uint64_t) {
  return nlohmann::json::object();
}

// The counts and the notes: outcomes by code and what went wrong.
void fill(Row& row, const Tally& t) {
  fill_counts(row, t);
  std::ostringstream n;
  n << "ok " << t.ok;
  for (auto& [code, count] : t.errors) n << ", " << code << " " << count;
  if (t.submissions > t.sent) n << ", resubmitted " << (t.submissions - t.sent);
  if (t.late) n << ", LATE " << t.late;
  if (t.wrong) n << ", WRONG RESULT " << t.wrong;
  if (t.foreign) n << ", FOREIGN REPLIES " << t.foreign;
  row.notes = n.str();
}

bool exactly_once(const Tally& t) {
  return t.lost == 0 && t.duplicated == 0 && t.answered == t.sent && t.foreign == 0 && t.wrong == 0;
}

double max_rss(const Workers& workers) {
  double m = 0;
  for (auto& w : workers) m = std::max(m, rss_mib(w->pid()));
  return m;
}

uint64_t counter(const nlohmann::json& stats, const char* name) {
  return stats.contains("counters") ? stats["counters"].value(name, uint64_t{0}) : 0;
}

// "; BROKER DIED (signal 11): <its last output>" when the process is gone, else "".
std::string death_note(Process& p, const char* what = "BROKER") {
  if (p.running()) return "";
  auto status = p.wait_exit(std::chrono::milliseconds(100));
  std::string how = !status                ? "?"
                    : WIFSIGNALED(*status) ? "signal " + std::to_string(WTERMSIG(*status))
                                           : "exit " + std::to_string(WEXITSTATUS(*status));
  std::string out = p.output_text();
  if (out.size() > 300) out = out.substr(out.size() - 300);
  for (auto& c : out)
    if (c == '\n' || c == '|') c = ' ';
  return std::string("; ") + what + " DIED (" + how + "): " + out;
}

std::string note_broker(e2e::Broker& broker) {
  return death_note(*broker.process);
}

}  // namespace

void fill_counts(Row& row, const Tally& t) {
  row.sent = t.sent;
  row.answered = t.answered;
  row.lost = t.lost;
  row.duplicated = t.duplicated;
  row.max_latency_ms = t.max_latency_ms;
}

Row echo_volume(const Mode& mode) {
  Row row = named("1 echo volume (8 pipelined clients, 4 workers)");
  e2e::Broker broker({"--log-level", "warn"});
  Workers workers = e2e::start_workers(broker.endpoints.backend, 4, 1000, 3, "warn");
  require_workers(broker.endpoints.frontend, workers.size());
  double b0 = rss_mib(broker.process->pid()), w0 = max_rss(workers);

  DriverOptions o;
  o.frontend = broker.endpoints.frontend;
  o.service = "echo";
  o.clients = 8;
  o.window = 64;
  o.deadline_ms = 300000;
  o.max_run = std::chrono::hours(2);
  o.verify_echo = true;
  o.id_prefix = "echo";
  auto t = run_jobs(o, mode.echo_jobs);

  fill(row, t);
  row.memory = fmt("broker %.0f->%.0f MiB, worker max %.0f->%.0f MiB", b0,
                   rss_mib(broker.process->pid()), w0, max_rss(workers));
  row.notes += note_broker(broker);
  row.passed = exactly_once(t) && t.ok == t.sent && broker.process->running();
  return row;
}

Row summary_worker_chaos(const Mode& mode) {
  Row row = named("2 summary under worker chaos (kill -9 every 0.5 s, SIGTERM every 2 s)");
  // The simulator does not pace and the workers announce a budget of 1000 msg/s (the most the
  // worker accepts): this scenario is about worker loss, not the gateway budget.
  intents_test::Sim sim({"--pacing", "off"});
  e2e::Broker broker({"--log-level", "warn", "--heartbeat-ms", "500"});
  int next_client_id = 100;
  auto start = [&] {
    return e2e::start_worker(broker.endpoints.backend, 500, 3, "warn",
                             {"--gateway", sim.address(), "--gateway-msg-rate", "1000",
                              "--client-id", std::to_string(next_client_id++)});
  };
  Workers workers;
  for (int i = 0; i < 4; ++i) workers.push_back(start());
  require_workers(broker.endpoints.frontend, workers.size());
  double b0 = rss_mib(broker.process->pid());

  std::atomic<bool> stop{false};
  uint64_t kills = 0, terms = 0;
  double worker_max = 0;
  std::string chaos_error;
  std::thread chaos([&] {
    try {
      std::mt19937 rng(std::random_device{}());
      auto next_kill = Clock::now() + 500ms, next_term = Clock::now() + 2s;
      while (!stop) {
        auto now = Clock::now();
        worker_max = std::max(worker_max, max_rss(workers));
        if (now >= next_kill || now >= next_term) {
          bool kill = now >= next_kill;
          auto& w = workers[rng() % workers.size()];
          w->signal(kill ? SIGKILL : SIGTERM);
          if (!w->wait_exit(kill ? 5s : 20s))
            throw std::runtime_error("a worker did not exit on SIGTERM");
          w = start();
          (kill ? next_kill : next_term) = Clock::now() + (kill ? 500ms : 2000ms);
          ++(kill ? kills : terms);
        } else {
          std::this_thread::sleep_for(std::min(next_kill, next_term) - now);  // the chaos schedule
        }
      }
    } catch (const std::exception& e) {
      chaos_error = e.what();
    }
  });

  DriverOptions o;
  o.frontend = broker.endpoints.frontend;
  o.service = "summary";
  o.params = no_params;
  o.clients = 4;
  o.window = 8;
  o.deadline_ms = 60000;
  o.id_prefix = "sum";
  const Tally t = run_jobs_beside(o, mode.summary_jobs, chaos, &stop);

  fill(row, t);
  uint64_t requeued = 0;
  if (broker.process->running())
    requeued = counter(broker_stats(broker.endpoints.frontend), "requeued");
  row.notes += "; kill -9 " + std::to_string(kills) + ", SIGTERM " + std::to_string(terms) +
               ", requeued " + std::to_string(requeued);
  if (!chaos_error.empty()) row.notes += "; CHAOS FAILED: " + chaos_error;
  row.notes += note_broker(broker);
  row.memory = fmt("broker %.0f->%.0f MiB, worker max %.0f MiB", b0, rss_mib(broker.process->pid()),
                   worker_max);
  row.passed = exactly_once(t) && chaos_error.empty() && broker.process->running();
  return row;
}

Row broker_restart(const Mode& mode) {
  Row row = named("3 broker kill -9 and restart mid-run, clients resubmit the same ids");
  const std::vector<std::string> args{"--log-level", "warn", "--heartbeat-ms", "250"};
  auto broker = std::make_unique<e2e::Broker>(args);
  const auto ep = broker->endpoints;
  Workers workers = e2e::start_workers(ep.backend, 4, 250, 3, "warn");
  require_workers(ep.frontend, workers.size());

  std::atomic<uint64_t> progress{0};
  std::optional<std::chrono::milliseconds> back;
  std::string restart_error;
  std::atomic<bool> done{false};
  double end_rss = -1;        // the new broker, seen by the thread that started it
  std::string end_note = "";  // its death note, if it died
  std::thread killer([&] {
    try {
      auto until = Clock::now() + 120s;
      while (progress < mode.restart_jobs * 3 / 10 && Clock::now() < until) {
        std::this_thread::sleep_for(5ms);  // watching the progress counter
      }
      broker->process->signal(SIGKILL);
      broker->process->wait_exit(5s);
      std::fprintf(stderr, "   broker killed after %llu answers; restarting on %s\n",
                   static_cast<unsigned long long>(progress.load()), ep.frontend.c_str());
      broker = std::make_unique<e2e::Broker>(args, ep);
      back = wait_workers(ep.frontend, 4, 10s);
      // The new broker dies with this thread (the test's children get SIGKILL when the thread
      // that started them ends: PR_SET_PDEATHSIG), so the thread lives until the run is over.
      while (!done) std::this_thread::sleep_for(20ms);
      end_rss = rss_mib(broker->process->pid());
      end_note = note_broker(*broker);
    } catch (const std::exception& e) {
      restart_error = e.what();
      std::fprintf(stderr, "   broker restart failed: %s\n", e.what());
    }
  });

  DriverOptions o;
  o.frontend = ep.frontend;
  o.service = "echo";
  o.clients = 4;
  o.window = 32;
  o.deadline_ms = 60000;
  o.resend_after = 3000ms;
  o.max_run = mode.quick ? std::chrono::milliseconds(120s) : std::chrono::milliseconds(30min);
  o.verify_echo = true;
  o.progress = &progress;
  o.id_prefix = "restart";
  const Tally t = run_jobs_beside(o, mode.restart_jobs, killer, &done);

  fill(row, t);
  row.notes += "; workers back " +
               (back ? std::to_string(back->count()) + " ms after the new broker was ready"
                     : std::string("NOT within 10 s"));
  if (!restart_error.empty()) row.notes += "; RESTART FAILED: " + restart_error;
  row.notes += end_note;
  row.memory = fmt("new broker %.0f MiB, worker max %.0f MiB", end_rss, max_rss(workers));
  row.passed =
      exactly_once(t) && t.ok == t.sent && back && *back <= 2000ms && restart_error.empty();
  return row;
}

// One phase of scenario 4: two workers with `session` gateway sessions ("per-job" or
// "persistent") against a simulator cycling through its faults, three clients for `seconds`.
struct ChaosPhase {
  Tally tally;
  bool typed = true;
  bool same_workers = true;
  uint64_t connections = 0;
  double broker_mib = 0, worker_max_mib = 0;
};

ChaosPhase gateway_chaos_phase(const std::string& session, int seconds) {
  intents_test::Sim sim({"--pacing",         "off",
                         "--fault-cycle-ms", "1000",
                         "--fault",          "refuse",
                         "--fault",          "close-after-handshake",
                         "--fault",          "close-mid-answer",
                         "--fault",          "garbage",
                         "--fault",          "silence",
                         "--fault",          "positions-no-end",
                         "--fault",          "error-flood",
                         "--flood-seconds",  "2",
                         "--flood-bytes",    "4194304"});
  e2e::Broker broker({"--log-level", "warn"});
  Workers workers;
  for (int i = 0; i < 2; ++i) {
    // Per-job sessions: every job meets the current fault. Persistent sessions (the default):
    // while every session is down the broker answers gateway jobs GATEWAY_UNREACHABLE at once
    // with the workers' connect error (issue 18), instead of queueing them until their deadline.
    workers.push_back(
        e2e::start_worker(broker.endpoints.backend, 1000, 3, "warn",
                          {"--gateway", sim.address(), "--gateway-msg-rate", "1000",
                           "--gateway-session", session, "--client-id", std::to_string(21 + i)}));
  }
  require_workers(broker.endpoints.frontend, workers.size());
  std::vector<pid_t> pids;
  for (auto& w : workers) pids.push_back(w->pid());

  std::atomic<bool> stop{false};
  std::vector<Tally> tallies(3);
  std::vector<std::string> failures(3);
  std::vector<std::thread> threads;
  const char* intents[] = {"positions", "summary", "current_time"};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      DriverOptions o;
      o.frontend = broker.endpoints.frontend;
      o.service = intents[i];
      o.params = no_params;
      o.clients = 1;
      o.window = 4;
      o.deadline_ms = 4000;
      o.lost_margin = 3000ms;
      o.stop = &stop;
      o.id_prefix = "gw-" + session + "-" + intents[i];
      try {
        tallies[i] = run_jobs(o, UINT64_MAX / 2);
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  ChaosPhase phase;
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    phase.worker_max_mib = std::max(phase.worker_max_mib, max_rss(workers));
    std::this_thread::sleep_for(250ms);  // memory sampling interval
  }
  stop = true;
  for (auto& th : threads) th.join();
  for (auto& f : failures)
    if (!f.empty()) throw std::runtime_error(session + " sessions: " + f);
  for (auto& x : tallies) phase.tally.merge(x);
  // Typed: a gateway error, TIMEOUT, or the broker's NO_WORKER; never INTERNAL or a lost job.
  for (auto& [code, n] : phase.tally.errors)
    if (code != "TIMEOUT" && code != "NO_WORKER" && code.rfind("GATEWAY_", 0) != 0)
      phase.typed = false;
  for (size_t i = 0; i < workers.size(); ++i)
    phase.same_workers =
        phase.same_workers && workers[i]->running() && workers[i]->pid() == pids[i];
  phase.connections = test::read_gwsim_stats(*sim.process).connections;
  phase.broker_mib = rss_mib(broker.process->pid());
  return phase;
}

Row gateway_chaos(const Mode& mode) {
  Row row = named(
      "4 gateway chaos (the simulator cycles through its 7 faults; per-job, then persistent "
      "sessions)");
  Tally t;
  std::string notes;
  bool passed = true;
  double broker_mib = 0, worker_mib = 0;
  for (const std::string session : {"per-job", "persistent"}) {
    auto phase = gateway_chaos_phase(session, mode.gateway_chaos_s);
    Row part;
    fill(part, phase.tally);
    notes += (notes.empty() ? "" : "; ") + session + ": " + part.notes + ", gateway connections " +
             std::to_string(phase.connections) +
             (phase.same_workers ? ", workers never restarted" : ", A WORKER DIED");
    if (!phase.typed) notes += ", UNTYPED ERRORS (first: " + phase.tally.first_error + ")";
    // Within its deadline: `late` counts first replies after deadline + 1 s of travel.
    passed = passed && exactly_once(phase.tally) && phase.tally.late == 0 && phase.typed &&
             phase.same_workers && phase.tally.ok > 0;
    broker_mib = std::max(broker_mib, phase.broker_mib);
    worker_mib = std::max(worker_mib, phase.worker_max_mib);
    t.merge(phase.tally);
  }
  fill(row, t);
  row.notes = notes;
  row.memory = fmt("broker %.0f MiB, worker max %.0f MiB", broker_mib, worker_mib);
  row.passed = passed;
  return row;
}

Row hostile_input(const Mode& mode) {
  Row row = named("5 hostile input on both broker ports while valid clients work");
  e2e::Broker broker({"--log-level", "error"});
  Workers workers = e2e::start_workers(broker.endpoints.backend, 2, 1000, 3, "warn");
  require_workers(broker.endpoints.frontend, workers.size());
  double b0 = rss_mib(broker.process->pid());

  std::atomic<bool> stop{false};
  HostileCounts hostile;
  std::thread attacker(
      [&] { hostile = run_hostile(broker.endpoints.frontend, broker.endpoints.backend, stop); });
  Tally t;
  std::string failure;
  std::thread valid([&] {
    auto o = echo_until_stopped(broker.endpoints.frontend, 2, 8, "valid", &stop);
    try {
      t = run_jobs(o, UINT64_MAX / 2);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  double broker_max = b0;
  auto end = Clock::now() + std::chrono::seconds(mode.hostile_s);
  while (Clock::now() < end && broker.process->running()) {
    broker_max = std::max(broker_max, rss_mib(broker.process->pid()));
    std::this_thread::sleep_for(250ms);  // memory sampling interval
  }
  stop = true;
  attacker.join();
  valid.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  fill(row, t);
  row.notes += "; hostile: " + std::to_string(hostile.tcp_connections) + " raw TCP, " +
               std::to_string(hostile.frontend_messages) + " frontend and " +
               std::to_string(hostile.backend_messages) + " backend messages";
  row.notes += note_broker(broker);
  row.memory =
      fmt("broker %.0f MiB, max %.0f MiB (ceiling %.0f)", b0, broker_max, kBrokerCeilingMib);
  row.passed = exactly_once(t) && t.ok == t.sent && broker.process->running() &&
               broker_max < kBrokerCeilingMib && t.sent > 0;
  return row;
}

Row multi_host(const Mode& mode) {
  Row row = named("6 multi-host (netns): a worker host's link cut and restored");
  if (auto why = NetnsTopology::unavailable()) {
    row.skipped = true;
    row.passed = true;
    row.notes = "SKIPPED: " + *why;
    return row;
  }
  NetnsTopology net({"broker", "w1", "w2", "sim", "client"});
  Process sim(
      in_netns(net.ns("sim"), {program("intentq-gwsim"), "--listen", net.ip("sim") + ":4002",
                               "--scenario", intents_test::scenario_path(), "--latency-ms", "20",
                               "--pacing", "off", "--log-level", "warn"}));
  sim.expect_line(std::regex("listening on "), 10s);
  const std::string b = "tcp://" + net.ip("broker");
  Process broker(in_netns(net.ns("broker"), {program("intentq-broker"), "--frontend", b + ":5555",
                                             "--backend", b + ":5556", "--publish", b + ":5557",
                                             "--heartbeat-ms", "500", "--log-level", "warn",
                                             // veth addresses of the test's own namespaces
                                             "--insecure-allow-public"}));
  broker.expect_line(std::regex("intentq-broker ready"), 15s);
  Workers workers;
  int id = 31;
  for (const char* host : {"w1", "w1", "w2", "w2"}) {
    workers.push_back(start_worker_in(
        net.ns(host), b + ":5556",
        {"--heartbeat-ms", "500", "--liveness", "3", "--gateway", net.ip("sim") + ":4002",
         "--gateway-msg-rate", "1000", "--client-id", std::to_string(id++)}));
  }
  require_workers(b + ":5555", workers.size(), net.ns("client"));

  std::atomic<uint64_t> progress{0};
  std::string cut_error;
  std::optional<std::chrono::milliseconds> back;
  std::thread cutter([&] {
    try {
      auto until = Clock::now() + 120s;
      while (progress < mode.netns_jobs / 4 && Clock::now() < until)
        std::this_thread::sleep_for(5ms);
      net.cut("w1");
      std::this_thread::sleep_for(3s);  // how long the link stays down (the scenario, not a wait)
      net.restore("w1");
      back = wait_workers(b + ":5555", 4, 20s, net.ns("client"));
    } catch (const std::exception& e) {
      cut_error = e.what();
    }
  });
  DriverOptions o;
  o.frontend = b + ":5555";
  o.service = "summary";
  o.params = no_params;
  o.clients = 2;
  o.window = 4;
  o.deadline_ms = 60000;
  o.netns = net.ns("client");
  o.max_run = mode.quick ? std::chrono::milliseconds(180s) : std::chrono::milliseconds(30min);
  o.progress = &progress;
  o.id_prefix = "netns";
  const Tally t = run_jobs_beside(o, mode.netns_jobs, cutter);
  fill(row, t);
  uint64_t requeued = counter(broker_stats(b + ":5555", net.ns("client")), "requeued");
  row.notes += "; requeued " + std::to_string(requeued) + "; w1's workers back " +
               (back ? std::to_string(back->count()) + " ms after the link came back"
                     : std::string("NOT within 20 s"));
  if (!cut_error.empty()) row.notes += "; CUT FAILED: " + cut_error;
  row.notes += death_note(broker);
  row.memory = fmt("broker %.0f MiB, worker max %.0f MiB", rss_mib(broker.pid()), max_rss(workers));
  row.passed =
      exactly_once(t) && requeued > 0 && back.has_value() && cut_error.empty() && broker.running();
  return row;
}

}  // namespace intentq::reliability
