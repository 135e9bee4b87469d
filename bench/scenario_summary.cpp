// summary: the `summary` intent against intentq-gwsim answering every request after 20 ms (the
// handshake too, where the simulator can delay it), with real intentq-worker processes:
//  - fetch modes: one worker, one synchronous client, --fetch-mode sequential vs parallel;
//  - sessions: --gateway-session per-job vs persistent, p50 against one answer's latency;
//  - scaling: 1..16 workers, 2 closed-loop clients per worker, the gateway budget off;
//  - budget: 8 workers, 16 clients, the simulator enforcing IB's combined 50 msg/s and the workers
//    announcing 45 msg/s: jobs/s against the budget's ceiling (45 / cost), pacing errors;
//  - reuse: 8 workers, 32 clients polling 4 accounts, max_age_ms 0 vs 1000, budget on.
// Flags the programs lack (an older build under --bin-dir) are detected from --help; what needs
// them is null in the JSON with a "skipped" line.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "bench/proc_stats.hpp"
#include "bench/scenarios.hpp"
#include "bench/table.hpp"
#include "bench/zmq_load.hpp"
#include "common/mdp_client.hpp"
#include "tests/support/gwsim_stats.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Messages one summary job sends to the gateway (docs/gateway.md): positions, open orders,
// executions, account summary, and the two cancels; a per-job session adds startApi.
constexpr int kCostPersistent = 6;
constexpr int kCostPerJob = 7;
constexpr int kSimBudget = 50;     // IB's combined budget, enforced by the simulator
constexpr int kWorkerBudget = 45;  // what workers announce (--gateway-msg-rate default)

// The flags the scenario needs that an older build may lack, found in the programs' --help.
struct Features {
  bool fetch_mode = false, session = false, worker_rate = false, sim_rate = false,
       sim_pacing = false, sim_handshake = false, reuse = false, gateway_id = false;
  explicit Features(const Programs& p);
};

struct FeatureFlag {
  bool Features::*member;
  const char* program;                                 // as the JSON names it
  bool (Programs::*has)(std::string_view flag) const;  // asks that program's --help
  const char* flag;
};

// Each flag once: how it is detected and its key under "features" ("<program> <flag>").
const FeatureFlag kFeatureFlags[] = {
    {&Features::fetch_mode, "worker", &Programs::worker_has, "--fetch-mode"},
    {&Features::session, "worker", &Programs::worker_has, "--gateway-session"},
    {&Features::worker_rate, "worker", &Programs::worker_has, "--gateway-msg-rate"},
    {&Features::sim_rate, "gwsim", &Programs::gwsim_has, "--msg-rate"},
    {&Features::sim_pacing, "gwsim", &Programs::gwsim_has, "--pacing"},
    {&Features::sim_handshake, "gwsim", &Programs::gwsim_has, "--handshake-latency-ms"},
    {&Features::reuse, "broker", &Programs::broker_has, "--reuse-max-bytes"},
    {&Features::gateway_id, "worker", &Programs::worker_has, "--gateway-id"},
};

Features::Features(const Programs& p) {
  for (const auto& x : kFeatureFlags) this->*x.member = (p.*x.has)(x.flag);
}

json features_json(const Features& f) {
  json j = json::object();
  for (const auto& x : kFeatureFlags) j[std::string(x.program) + " " + x.flag] = f.*x.member;
  return j;
}

struct LoopSpec {
  int clients = 1;
  double seconds = 0;          // stop sending after this long (0: use jobs_per_client)
  long jobs_per_client = 0;    // stop after this many (0: use seconds)
  long warmup_per_client = 0;  // unmeasured jobs first (session set-up, caches)
  uint64_t max_age_ms = 0;
  uint64_t deadline_ms = 30000;
  std::vector<json> params{json::object()};  // client i sends params[i % size]
};

struct LoopResult {
  long ok = 0;
  long cached = 0;
  long gateway_100 = 0;                // error replies carrying IB's pacing error
  std::map<std::string, long> errors;  // by error code
  double max_age_ms = 0;
  double seconds = 0;
  std::vector<double> latency_ms, fetch_ms;
  double jobs_per_s() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
  long error_count() const {
    long n = 0;
    for (const auto& [code, count] : errors) n += count;
    return n;
  }
};

std::atomic<long> g_run{0};  // makes job ids unique across runs of one bench process

// Closed-loop clients: each sends one request, waits for its reply, sends the next.
LoopResult closed_loop(zmq::context_t& ctx, const std::string& frontend, const LoopSpec& spec) {
  const long run = ++g_run;
  std::mutex mu;
  LoopResult total;
  const auto t0 = Clock::now();
  const auto stop_at =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec.seconds));
  auto client = [&](int index) {
    mdp::Client c(ctx, frontend);
    LoopResult mine;
    mdp::Frames in;
    for (long n = 0;; ++n) {
      const long measured = n - spec.warmup_per_client;
      if (spec.jobs_per_client > 0 && measured >= spec.jobs_per_client) break;
      if (spec.seconds > 0 && measured >= 0 && Clock::now() >= stop_at) break;
      json req = {{"id", "sum-" + std::to_string(run) + "-" + std::to_string(index) + "-" +
                             std::to_string(n)},
                  {"params", spec.params[static_cast<size_t>(index) % spec.params.size()]},
                  {"deadline_ms", spec.deadline_ms}};
      if (spec.max_age_ms > 0) req["max_age_ms"] = spec.max_age_ms;
      const auto packed = json::to_msgpack(req);
      const auto sent = Clock::now();
      c.send("summary",
             std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size()));
      c.wait(std::chrono::milliseconds(spec.deadline_ms + 5000));
      if (!c.receive_frames(in) || in.size() != 4) {
        ++mine.errors["NO_REPLY"];
        break;
      }
      if (measured < 0) continue;
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
      json rep;
      try {
        const auto v = mdp::view(in[3]);
        rep = json::from_msgpack(std::vector<uint8_t>(v.begin(), v.end()));
      } catch (const std::exception&) {
        ++mine.errors["UNDECODABLE"];
        continue;
      }
      if (rep.value("status", "") == "ok") {
        ++mine.ok;
        mine.latency_ms.push_back(ms);
        if (rep.value("cached", false)) {
          ++mine.cached;
          if (rep.contains("age_ms") && rep["age_ms"].is_number())
            mine.max_age_ms = std::max(mine.max_age_ms, rep["age_ms"].get<double>());
        }
        const auto& t = rep.value("timings_ms", json::object());
        if (t.contains("fetch") && t["fetch"].is_number())
          mine.fetch_ms.push_back(t["fetch"].get<double>());
      } else {
        const auto& e = rep.value("error", json::object());
        const auto code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>()
                                                                      : std::string("UNKNOWN");
        ++mine.errors[code];
        if (e.contains("gateway_code") && e["gateway_code"] == 100) ++mine.gateway_100;
      }
    }
    std::lock_guard lock(mu);
    total.ok += mine.ok;
    total.cached += mine.cached;
    total.gateway_100 += mine.gateway_100;
    for (const auto& [code, count] : mine.errors) total.errors[code] += count;
    total.max_age_ms = std::max(total.max_age_ms, mine.max_age_ms);
    total.latency_ms.insert(total.latency_ms.end(), mine.latency_ms.begin(), mine.latency_ms.end());
    total.fetch_ms.insert(total.fetch_ms.end(), mine.fetch_ms.begin(), mine.fetch_ms.end());
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < spec.clients; ++i) threads.emplace_back(client, i);
  for (auto& t : threads) t.join();
  // Throughput runs: the measured span starts after warm-up; closed loops make the warm-up short,
  // so the span is taken from the start of the run for simplicity and stated in the JSON.
  total.seconds = seconds_since(t0);
  std::sort(total.latency_ms.begin(), total.latency_ms.end());
  std::sort(total.fetch_ms.begin(), total.fetch_ms.end());
  return total;
}

json errors_json(const LoopResult& r) {
  json e = json::object();
  for (const auto& [code, count] : r.errors) e[code] = count;
  return e;
}

// One gateway simulator, one broker, `n` workers of that gateway.
struct Cluster {
  SimChild sim;
  BrokerChild broker;
  std::vector<std::unique_ptr<Process>> workers;
};

// `own_gateway_ids`: every worker announces a gateway id of its own (a budget of its own).
Cluster start_cluster(const Settings& s, zmq::context_t& ctx, const std::vector<std::string>& sim,
                      const std::vector<std::string>& worker, int n, bool own_gateway_ids = false) {
  Cluster c;
  std::vector<std::string> sim_args{"--scenario",    s.scenario_path,
                                    "--latency-ms",  std::to_string(s.answer_ms),
                                    "--max-clients", "256"};
  sim_args.insert(sim_args.end(), sim.begin(), sim.end());
  c.sim = start_gwsim(s.programs, sim_args);
  c.broker = start_broker(s.programs, s.broker_args);
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> args{"--gateway", c.sim.address, "--client-id", std::to_string(i + 1)};
    args.insert(args.end(), worker.begin(), worker.end());
    if (own_gateway_ids)
      args.insert(args.end(), {"--gateway-id", "bench-gw-" + std::to_string(i + 1)});
    c.workers.push_back(start_worker(s.programs, c.broker.backend, args));
  }
  wait_workers(ctx, c.broker.frontend, "summary", n, 60s);
  return c;
}

// The simulator's counters (null when this build has none or its line is not JSON).
json sim_counters(Cluster& c, const Features& f) {
  if (!f.sim_rate) return nullptr;
  try {
    return test::request_gwsim_stats(*c.sim.process, 5s).value_or(nullptr);
  } catch (const std::exception&) {
    return nullptr;
  }
}
json pacing_errors(const json& counters) {
  if (!counters.is_object() || !counters.contains("pacing_errors")) return nullptr;
  return counters["pacing_errors"];
}

// Params of client i in runs that measure fresh fetches: answer reuse coalesces identical
// requests, so every client asks for its own account-summary group (the bench scenario defines
// bench-1..bench-64, each of all accounts): the same gateway work, distinct params.
std::vector<json> distinct_params(int clients) {
  std::vector<json> out;
  for (int i = 0; i < clients; ++i)
    out.push_back({{"group", "bench-" + std::to_string(i % 64 + 1)}});
  return out;
}

// Gateway fetches per second: the simulator's count of reqPositions (one per summary job).
json fetches_per_s(const json& sim_stats, double seconds) {
  if (!sim_stats.is_object() || seconds <= 0) return nullptr;
  const auto& req = sim_stats.value("requests", json::object());
  if (!req.contains("reqPositions") || !req["reqPositions"].is_number()) return nullptr;
  return round_to(req["reqPositions"].get<double>() / seconds, 2);
}

std::vector<std::string> accounts_of(const std::string& scenario) {
  std::ifstream in(scenario);
  const auto j = json::parse(in);
  return j.at("accounts").get<std::vector<std::string>>();
}

}  // namespace

nlohmann::json run_summary(const Settings& s, nlohmann::json& skipped) {
  const Features f(s.programs);
  zmq::context_t ctx(1);
  json j;
  j["answer_ms"] = s.answer_ms;
  j["features"] = features_json(f);
  auto skip = [&](const std::string& what, const std::string& why) {
    skipped.push_back("summary." + what + ": " + why);
    std::fprintf(stderr, "summary: skipped %s: %s\n", what.c_str(), why.c_str());
  };

  // The simulator's handshake takes one answer's latency, like a real gateway, where it can.
  std::vector<std::string> sim_base;
  if (f.sim_handshake)
    sim_base = {"--handshake-latency-ms", std::to_string(s.answer_ms)};
  else
    j["notes"].push_back(
        "gwsim has no --handshake-latency-ms: the handshake is not delayed, so "
        "per-job sessions look cheaper than against a real gateway");
  // Budget off: no pacing at the simulator, a budget no pool reaches at the workers.
  std::vector<std::string> sim_free = sim_base, worker_free;
  if (f.sim_pacing) sim_free.insert(sim_free.end(), {"--pacing", "off"});
  // The worker's flag tops out at 1000 msg/s and the broker holds one budget per gateway id: each
  // worker of an unbudgeted run names its own gateway, so 16 busy workers never share 1000 msg/s.
  if (f.worker_rate) worker_free = {"--gateway-msg-rate", "1000"};
  // Budget on: IB's combined 50 msg/s at the simulator, 45 announced by the workers.
  std::vector<std::string> sim_paced = sim_base, worker_paced;
  if (f.sim_rate) sim_paced.insert(sim_paced.end(), {"--msg-rate", std::to_string(kSimBudget)});
  if (f.sim_pacing) sim_paced.insert(sim_paced.end(), {"--pacing", "combined"});
  if (f.worker_rate) worker_paced = {"--gateway-msg-rate", std::to_string(kWorkerBudget)};
  // Persistent sessions where the worker has them; per-connection pacing (an old simulator)
  // would throttle one busy persistent session, so the unbudgeted runs need --pacing off too.
  const bool persistent = f.session;
  const bool persistent_free = f.session && f.sim_pacing;
  auto with_session = [&](std::vector<std::string> args, bool persist) {
    if (f.session)
      args.insert(args.end(), {"--gateway-session", persist ? "persistent" : "per-job"});
    return args;
  };
  auto concat = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  auto latency_run = [&](const std::vector<std::string>& worker_args) {
    auto c = start_cluster(s, ctx, sim_free, worker_args, 1, f.gateway_id);
    LoopSpec spec;
    spec.jobs_per_client = s.latency_jobs;
    spec.warmup_per_client = 3;
    return closed_loop(ctx, c.broker.frontend, spec);
  };

  Table lat("summary: one worker, one synchronous client, " + std::to_string(s.answer_ms) +
                " ms per answer (ms)",
            {"run", "jobs", "p50", "p99", "fetch p50", "p50 / answer", "errors"});
  auto lat_row = [&](const std::string& label, const LoopResult& r) {
    lat.row({label, std::to_string(r.ok), fmt(percentile(r.latency_ms, 0.5), 1),
             fmt(percentile(r.latency_ms, 0.99), 1), fmt(percentile(r.fetch_ms, 0.5), 1),
             fmt(percentile(r.latency_ms, 0.5) / s.answer_ms, 2), std::to_string(r.error_count())});
  };
  auto lat_json = [&](const LoopResult& r) {
    return json{{"jobs", r.ok},
                {"p50_ms", round_to(percentile(r.latency_ms, 0.5), 2)},
                {"p99_ms", round_to(percentile(r.latency_ms, 0.99), 2)},
                {"fetch_p50_ms", round_to(percentile(r.fetch_ms, 0.5), 2)},
                {"errors", errors_json(r)}};
  };

  // ---- fetch modes
  j["parallel_vs_sequential"] = nullptr;
  {
    const auto base = concat(with_session({}, persistent_free), worker_free);
    if (f.fetch_mode) {
      const auto seq = latency_run(concat(base, {"--fetch-mode", "sequential"}));
      const auto par = latency_run(concat(base, {"--fetch-mode", "parallel"}));
      lat_row("sequential fetches", seq);
      lat_row("parallel fetches", par);
      j["fetch_modes"] = {{"sequential", lat_json(seq)}, {"parallel", lat_json(par)}};
      j["parallel_vs_sequential"] =
          ratio(percentile(seq.latency_ms, 0.5), percentile(par.latency_ms, 0.5));
      j["parallel_vs_sequential_fetch_phase"] =
          ratio(percentile(seq.fetch_ms, 0.5), percentile(par.fetch_ms, 0.5));
    } else {
      const auto par = latency_run(base);
      lat_row("parallel fetches (only mode)", par);
      j["fetch_modes"] = {{"parallel", lat_json(par)}};
      skip("parallel_vs_sequential", "intentq-worker has no --fetch-mode");
    }
  }
  // ---- sessions
  j["persistent_vs_per_job"] = nullptr;
  {
    if (f.session) {
      const auto per_job = latency_run(concat(with_session({}, false), worker_free));
      const auto pers = latency_run(concat(with_session({}, true), worker_free));
      lat_row("per-job sessions", per_job);
      lat_row("persistent session", pers);
      j["sessions"] = {{"per_job", lat_json(per_job)}, {"persistent", lat_json(pers)}};
      j["persistent_vs_per_job"] =
          ratio(percentile(per_job.latency_ms, 0.5), percentile(pers.latency_ms, 0.5));
      j["persistent_p50_vs_answer"] = round_to(percentile(pers.latency_ms, 0.5) / s.answer_ms, 2);
      j["per_job_p50_vs_answer"] = round_to(percentile(per_job.latency_ms, 0.5) / s.answer_ms, 2);
    } else {
      // Today's only mode is a session per job; the fetch-mode run above measured it.
      j["sessions"] = {{"per_job", j["fetch_modes"]["parallel"]}};
      j["per_job_p50_vs_answer"] =
          round_to(j["fetch_modes"]["parallel"]["p50_ms"].get<double>() / s.answer_ms, 2);
      skip("persistent_vs_per_job", "intentq-worker has no --gateway-session");
    }
  }
  lat.print();

  // ---- scaling, budget off
  {
    const auto worker_args = concat(with_session({}, persistent_free), worker_free);
    j["scaling_session"] = persistent_free ? "persistent" : "per-job";
    if (!f.sim_pacing)
      j["notes"].push_back(
          "gwsim has no --pacing off: its per-connection 50 msg/s check stays on "
          "in the unbudgeted runs");
    Table t("summary scaling, budget off: 2 closed-loop clients per worker, " +
                fmt(s.scaling_seconds, 1) + " s each, " +
                (persistent_free ? "persistent" : "per-job") + " sessions",
            {"workers", "jobs/s", "efficiency", "p50 ms", "p99 ms", "errors"});
    double one = 0;
    for (int w : s.scaling_workers) {
      auto c = start_cluster(s, ctx, sim_free, worker_args, w, f.gateway_id);
      LoopSpec spec;
      spec.clients = 2 * w;
      spec.params = distinct_params(spec.clients);
      spec.seconds = s.scaling_seconds;
      spec.warmup_per_client = 1;
      const auto r = closed_loop(ctx, c.broker.frontend, spec);
      const auto k = std::to_string(w);
      if (w == 1) one = r.jobs_per_s();
      const json eff = one > 0 ? json(round_to(r.jobs_per_s() / (one * w), 3)) : json(nullptr);
      j["jobs_per_s"][k] = round_to(r.jobs_per_s(), 1);
      j["efficiency"][k] = eff;
      j["scaling_errors"][k] = errors_json(r);
      j["scaling_p50_ms"][k] = round_to(percentile(r.latency_ms, 0.5), 1);
      t.row({k, fmt(r.jobs_per_s(), 1), fmt(eff, 2), fmt(percentile(r.latency_ms, 0.5), 1),
             fmt(percentile(r.latency_ms, 0.99), 1), std::to_string(r.error_count())});
    }
    j["efficiency_at_16"] = j["efficiency"].value("16", json(nullptr));
    t.print();
  }

  // ---- budget on
  j["budget"] = {{"msg_rate", nullptr}, {"jobs_per_s", nullptr}, {"pacing_errors", nullptr}};
  if (!f.sim_rate || !f.worker_rate) {
    skip("budget", std::string(!f.sim_rate ? "intentq-gwsim has no --msg-rate (combined budget)"
                                           : "intentq-worker has no --gateway-msg-rate"));
  } else {
    const int workers = 8, clients = 16;
    auto c = start_cluster(s, ctx, sim_paced, concat(with_session({}, persistent), worker_paced),
                           workers);
    LoopSpec spec;
    spec.clients = clients;
    spec.params = distinct_params(clients);
    spec.seconds = s.budget_seconds;
    spec.deadline_ms = 30000;
    const auto r = closed_loop(ctx, c.broker.frontend, spec);
    const auto counters = sim_counters(c, f);
    const int cost = persistent ? kCostPersistent : kCostPerJob;
    const double ceiling = static_cast<double>(kWorkerBudget) / cost;
    auto& b = j["budget"];
    b["msg_rate"] = kWorkerBudget;
    b["sim_msg_rate"] = kSimBudget;
    b["cost_per_job"] = cost;
    b["ceiling_jobs_per_s"] = round_to(ceiling, 2);
    b["jobs_per_s"] = round_to(r.jobs_per_s(), 2);
    b["ratio_to_ceiling"] = round_to(r.jobs_per_s() / ceiling, 3);
    b["pacing_errors"] = pacing_errors(counters);
    b["fetches_per_s"] = fetches_per_s(counters, r.seconds);
    b["gwsim_stats"] = counters;
    b["gateway_error_100_replies"] = r.gateway_100;
    b["ok"] = r.ok;
    b["errors"] = errors_json(r);
    b["workers"] = workers;
    b["clients"] = clients;
    b["seconds"] = round_to(r.seconds, 1);
    b["p50_ms"] = round_to(percentile(r.latency_ms, 0.5), 1);
    b["p99_ms"] = round_to(percentile(r.latency_ms, 0.99), 1);
    b["targets"] = {{"ratio_to_ceiling", ">= 0.85"}, {"pacing_errors", "0"}};
    if (auto stats = broker_stats(ctx, c.broker.frontend);
        stats.is_object() && stats.contains("gateways"))
      b["broker_gateways"] = stats["gateways"];
    Table t("summary under the gateway budget: " + std::to_string(workers) + " workers, " +
                std::to_string(clients) + " clients, " + fmt(s.budget_seconds, 0) + " s",
            {"budget msg/s", "cost", "ceiling jobs/s", "jobs/s", "of ceiling", "fetches/s",
             "pacing errors", "error replies"});
    t.row({std::to_string(kWorkerBudget), std::to_string(cost), fmt(ceiling, 2),
           fmt(r.jobs_per_s(), 2), fmt(b["ratio_to_ceiling"], 2), fmt(b["fetches_per_s"], 2),
           fmt(b["pacing_errors"]), std::to_string(r.error_count())});
    t.print();
  }

  // ---- reuse
  j["reuse"] = {{"jobs_per_s", nullptr}, {"max_age_ms", 1000}, {"pacing_errors", nullptr}};
  if (!f.reuse) {
    skip("reuse", "intentq-broker has no --reuse-max-bytes (answer reuse not built)");
  } else {
    if (!f.sim_rate || !f.worker_rate)
      j["notes"].push_back("reuse ran without the gateway budget (flags missing)");
    const int workers = 8, clients = 32;
    const auto accounts = accounts_of(s.scenario_path);
    Table t("summary with answer reuse: " + std::to_string(workers) + " workers, " +
                std::to_string(clients) + " clients polling " +
                std::to_string(std::min<size_t>(4, accounts.size())) + " accounts, " +
                fmt(s.reuse_seconds, 0) + " s, budget on",
            {"max_age_ms", "jobs/s", "fetches/s", "cached", "max age_ms", "pacing errors",
             "error replies"});
    for (uint64_t age : {uint64_t{0}, uint64_t{1000}}) {
      auto c = start_cluster(s, ctx, sim_paced, concat(with_session({}, persistent), worker_paced),
                             workers);
      LoopSpec spec;
      spec.clients = clients;
      spec.seconds = s.reuse_seconds;
      spec.max_age_ms = age;
      spec.params.clear();
      for (size_t i = 0; i < std::min<size_t>(4, accounts.size()); ++i)
        spec.params.push_back({{"account", accounts[i]}});
      const auto r = closed_loop(ctx, c.broker.frontend, spec);
      const auto counters = sim_counters(c, f);
      json run = {{"max_age_ms", age},
                  {"jobs_per_s", round_to(r.jobs_per_s(), 1)},
                  {"pacing_errors", pacing_errors(counters)},
                  {"fetches_per_s", fetches_per_s(counters, r.seconds)},
                  {"cached_replies", r.cached},
                  {"max_reply_age_ms", r.max_age_ms},
                  {"ok", r.ok},
                  {"errors", errors_json(r)},
                  {"p50_ms", round_to(percentile(r.latency_ms, 0.5), 1)},
                  {"p99_ms", round_to(percentile(r.latency_ms, 0.99), 1)}};
      t.row({std::to_string(age), fmt(r.jobs_per_s(), 1), fmt(run["fetches_per_s"], 1),
             std::to_string(r.cached), fmt(r.max_age_ms, 0), fmt(run["pacing_errors"]),
             std::to_string(r.error_count())});
      if (age == 0) {
        j["reuse"]["fresh"] = run;
      } else {
        for (auto& [k, v] : run.items()) j["reuse"][k] = v;
      }
    }
    j["reuse"]["workers"] = workers;
    j["reuse"]["clients"] = clients;
    j["reuse"]["targets"] = {
        {"jobs_per_s", ">= 300"}, {"pacing_errors", "0"}, {"max_reply_age_ms", "<= 1000"}};
    t.print();
  }
  j["targets"] = {{"parallel_vs_sequential", ">= 3.6"},
                  {"efficiency_at_16", ">= 0.9"},
                  {"persistent_p50_vs_answer", "<= 1.3"}};
  return j;
}

}  // namespace intentq::bench
