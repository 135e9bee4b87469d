// history (issue 20): IB's historical-data rules with four services sharing one login. The
// simulator enforces IB's rules (--historical-pacing all) with every window scaled by the time
// scale (0.01: 10 minutes last 6 s), answers in 20 ms, its 50 msg/s rule off (only the historical
// rules count here).
//   intentq: intentq-broker with the same --hist-time-scale, 8 intentq-workers on one gateway.
//            svc-a, svc-c and svc-d submit all their chunks at once (priority bulk, their own
//            `client` name, max_age_ms one hour: a closed range does not change); svc-b the same
//            chunks as svc-a once the broker holds the others'; svc-i a 30-bar chart every tenth
//            of a window (priority interactive).
//   baselines: the same load, each service on its own direct gateway session and a peer's
//            pacing (bench/history_peers.hpp), one fresh simulator each.
// Figures: per run violations, 322s, chunks answered, useful bars/s, time to finish; for intentq
// the requests sent per sliding window while jobs wait (mmi.stats sampled), identical chunks
// served without a request, each service's share while all four download, the interactive
// requests' queue wait against (next slot when asked + one answer); and what a year of one-minute
// bars costs at IB's real rules (computed from the step limits).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

#include "bench/history_load.hpp"
#include "bench/history_peers.hpp"
#include "bench/scenarios.hpp"
#include "bench/table.hpp"
#include "bench/zmq_load.hpp"
#include "common/envelope.hpp"
#include "common/errors.hpp"
#include "common/market_data_params.hpp"
#include "common/mdp_client.hpp"
#include "tests/support/gwsim_stats.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr int kWorkers = 8;
constexpr const char* kGateway = "gw";
constexpr int kAnswerLatencyMs = 20;
constexpr uint64_t kBulkDeadlineMs = 3600000;
constexpr uint64_t kBulkMaxAgeMs = 3600000;
// A reply may take as long as the whole download at worst.
constexpr auto kReplyWait = 300s;

std::string scale_text(double scale) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", scale);
  return b;
}

std::vector<std::string> sim_args(const Settings& s, const HistoryLoad& load) {
  return {"--scenario",
          s.history_scenario_path,
          "--historical-pacing",
          "all",
          "--time-scale",
          scale_text(load.time_scale),
          "--pacing",
          "off",
          "--latency-ms",
          std::to_string(kAnswerLatencyMs)};
}

json historical_of(const json& stats) {
  if (!stats.is_object()) return nullptr;
  const auto& gws = stats.value("gateways", json::object());
  if (!gws.contains(kGateway)) return nullptr;
  return gws[kGateway].value("historical", json(nullptr));
}

uint64_t counter(const json& stats, const char* name) {
  if (!stats.is_object() || !stats.contains("counters")) return 0;
  return stats["counters"].value(name, uint64_t{0});
}

struct Sample {
  double t = 0;  // seconds since the start
  int requests = 0, queued = 0, next_slot_ms = 0;
  uint64_t charged = 0;
};

struct IntentqRun {
  HistoryRun run;
  std::vector<Sample> samples;
  std::vector<double> bulk_run_ms;          // worker run time of each bulk answer
  std::vector<double> interactive_next_ms;  // next_slot_ms when each chart was asked
  uint64_t coalesced = 0, reuse_hits = 0;
  json broker_counters;  // what the broker did besides dispatching once (deltas over the run)
  json historical_end;
};

JobRequest job(std::string id, json params, Priority priority, const std::string& client,
               uint64_t deadline_ms, uint64_t max_age_ms) {
  JobRequest r;
  r.id = std::move(id);
  r.params = std::move(params);
  r.priority = priority;
  r.client = client;
  r.deadline_ms = deadline_ms;
  r.max_age_ms = max_age_ms;
  return r;
}

IntentqRun run_intentq(const Settings& s, const HistoryLoad& load) {
  IntentqRun out;
  out.run.label = "intentq";
  auto sim = start_gwsim(s.programs, sim_args(s, load));
  std::vector<std::string> broker_args{"--hist-time-scale", scale_text(load.time_scale)};
  broker_args.insert(broker_args.end(), s.broker_args.begin(), s.broker_args.end());
  auto broker = start_broker(s.programs, broker_args);
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < kWorkers; ++i)
    workers.push_back(start_worker(s.programs, broker.backend,
                                   {"--gateway", sim.address, "--client-id", std::to_string(11 + i),
                                    "--gateway-id", kGateway}));
  zmq::context_t ctx(1);
  wait_workers(ctx, broker.frontend, "historical_bars", kWorkers, 60s);
  const json before = broker_stats(ctx, broker.frontend);
  const uint64_t accepted_before = counter(before, "accepted");

  const size_t n_bulk = load.bulk.size();
  out.run.services.resize(n_bulk);
  std::mutex mutex;  // out.bulk_run_ms, failure
  std::exception_ptr failure;
  std::atomic<size_t> bulk_left{n_bulk};
  std::atomic<bool> done{false};
  const auto t0 = Clock::now();
  // --history-stall-at: half the workers stopped (SIGSTOP) for 4.5 s from then on, longer than
  // the broker's 3 missed heartbeats: they are declared lost while they hold jobs, and resume.
  std::thread stall;
  if (s.history_stall_at > 0)
    stall = std::thread([&] {
      std::this_thread::sleep_until(
          t0 + std::chrono::milliseconds(static_cast<int64_t>(s.history_stall_at * 1000)));
      for (int w = 0; w < kWorkers / 2; ++w) workers[static_cast<size_t>(w)]->signal(SIGSTOP);
      std::this_thread::sleep_for(4500ms);
      for (int w = 0; w < kWorkers / 2; ++w) workers[static_cast<size_t>(w)]->signal(SIGCONT);
    });

  std::vector<std::thread> threads;
  // mmi.stats every window/60 (at most every 100 ms): the requests in the window, the queue.
  threads.emplace_back([&] {
    const auto every = std::min<std::chrono::milliseconds>(100ms, load.window() / 60);
    while (!done) {
      const json h = historical_of(broker_stats(ctx, broker.frontend));
      if (h.is_object())
        out.samples.push_back({seconds_since(t0), h.value("requests", 0), h.value("queued", 0),
                               h.value("next_slot_ms", 0), h.value("charged", uint64_t{0})});
      std::this_thread::sleep_for(every);  // a sampling period, not a synchronisation
    }
  });
  for (size_t i = 0; i < n_bulk; ++i)
    threads.emplace_back([&, i] {
      const auto& service = load.bulk[i];
      auto& r = out.run.services[i];
      r.name = service.name;
      r.chunks = static_cast<int>(service.chunks.size());
      try {
        mdp::Client client(ctx, broker.frontend);
        if (service.name == "svc-b") {
          // The same download as svc-a, started once the broker holds the other three's chunks
          // (accepted counter): its chunks ride on svc-a's (coalesced or reused answers).
          const auto others = static_cast<uint64_t>(3 * service.chunks.size());
          const auto until = Clock::now() + 60s;
          while (counter(broker_stats(ctx, broker.frontend), "accepted") <
                 accepted_before + others) {
            if (Clock::now() > until)
              throw std::runtime_error("the broker did not accept the first services' chunks");
            std::this_thread::sleep_for(10ms);  // polling a bounded wait
          }
        }
        const double submitted = seconds_since(t0);
        for (size_t k = 0; k < service.chunks.size(); ++k) {
          client.send(
              "historical_bars",
              encode_request(job(service.name + "-" + std::to_string(k),
                                 load.chunk_params(service, service.chunks[k]), Priority::kBulk,
                                 service.name, kBulkDeadlineMs, kBulkMaxAgeMs)));
          ++r.asked;
        }
        for (int k = 0; k < r.asked; ++k) {
          const auto reply = client.receive(kReplyWait);
          if (!reply || reply->body.empty())
            throw std::runtime_error(service.name + ": no reply within the bound");
          const auto jr = decode_reply(reply->body.back());
          if (jr.ok) {
            ++r.answered;
            r.bars += jr.result.value("bars", json::array()).size();
            r.answer_s.push_back(seconds_since(t0));
            // When the broker sent it to a worker: its time in the queue after submission.
            r.dispatch_s.push_back(submitted + jr.timings_ms.value("queued", 0.0) / 1000);
            if (!jr.cached && jr.timings_ms.contains("run")) {
              std::lock_guard lock(mutex);
              out.bulk_run_ms.push_back(jr.timings_ms["run"].get<double>());
            }
          } else {
            ++r.errors[std::string(to_string(jr.error ? jr.error->code : ErrorCode::kInternal))];
          }
        }
        r.first_pass_answered = r.answered;
        r.missing = r.chunks - r.answered;
        r.finish_s = seconds_since(t0);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
      }
      --bulk_left;
    });
  threads.emplace_back([&] {
    auto& r = out.run.interactive;
    try {
      mdp::Client client(ctx, broker.frontend);
      for (int k = 0; bulk_left > 0; ++k) {
        std::this_thread::sleep_until(t0 + k * load.interactive_every);  // its own schedule
        if (bulk_left == 0) break;
        const json h = historical_of(broker_stats(ctx, broker.frontend));
        const double next_slot = h.is_object() ? h.value("next_slot_ms", 0) : 0;
        const auto asked = Clock::now();
        ++r.asked;
        client.send("historical_bars",
                    encode_request(job("svc-i-" + std::to_string(k), load.interactive_params(k),
                                       Priority::kInteractive, "svc-i",
                                       static_cast<uint64_t>(4 * load.window().count()), 0)));
        const auto reply = client.receive(kReplyWait);
        if (!reply || reply->body.empty()) throw std::runtime_error("svc-i: no reply");
        const auto jr = decode_reply(reply->body.back());
        if (jr.ok) {
          ++r.answered;
          r.latency_ms.push_back(seconds_since(asked) * 1000);
          r.wait_ms.push_back(jr.timings_ms.value("queued", 0.0));
          out.interactive_next_ms.push_back(next_slot);
        } else {
          ++r.errors[std::string(to_string(jr.error ? jr.error->code : ErrorCode::kInternal))];
        }
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
    }
  });
  for (size_t i = 1; i < threads.size(); ++i) threads[i].join();
  done = true;
  threads[0].join();
  if (stall.joinable()) stall.join();
  if (failure) std::rethrow_exception(failure);
  for (const auto& r : out.run.services) out.run.seconds = std::max(out.run.seconds, r.finish_s);

  const json after = broker_stats(ctx, broker.frontend);
  out.coalesced = counter(after, "coalesced") - counter(before, "coalesced");
  for (const char* name : {"dispatched", "requeued", "workers_expired", "worker_lost", "timeouts",
                           "historical_deferrals", "historical_timeouts"})
    out.broker_counters[name] = counter(after, name) - counter(before, name);
  out.reuse_hits = counter(after, "reuse_hits") - counter(before, "reuse_hits");
  out.historical_end = historical_of(after);
  const auto sim_stats = test::request_gwsim_stats(*sim.process, 5s);
  if (!sim_stats) throw std::runtime_error("the simulator printed no counters");
  out.run.sim_historical = sim_stats->value("historical", json::object());
  return out;
}

// Requests sent in each sliding window that lies wholly in the time jobs were waiting (queued >
// 0 at every sample), from the broker's `charged` counter: {mean, min} per window, or nulls when
// no whole window was spent waiting.
std::pair<json, json> per_window(const std::vector<Sample>& samples, double window_s) {
  std::vector<double> counts;
  for (size_t i = 0; i < samples.size(); ++i) {
    // The latest sample at least one window before this one, and every sample between waiting.
    size_t j = i;
    bool waiting = samples[i].queued > 0;
    while (waiting && j > 0 && samples[i].t - samples[j].t < window_s) {
      --j;
      waiting = samples[j].queued > 0;
    }
    if (!waiting || samples[i].t - samples[j].t < window_s) continue;
    const double span = samples[i].t - samples[j].t;
    counts.push_back(static_cast<double>(samples[i].charged - samples[j].charged) * window_s /
                     span);
  }
  if (counts.empty()) return {nullptr, nullptr};
  double sum = 0;
  for (double c : counts) sum += c;
  return {sum / static_cast<double>(counts.size()),
          *std::min_element(counts.begin(), counts.end())};
}

// Per service, the times in `times` before the earliest of the services' last times, and the
// largest count over the smallest (null when one is 0). The requests go out in bursts as the
// window frees (a quarter window or more apart): counting up to the last quiet gap before then
// compares whole bursts, not a burst cut anywhere.
std::pair<json, json> shares(const std::vector<ServiceResult>& services,
                             std::vector<double> ServiceResult::*times, double window_s) {
  double last = 1e18;
  std::vector<double> all;
  for (const auto& r : services) {
    if (!(r.*times).empty())
      last = std::min(last, *std::max_element((r.*times).begin(), (r.*times).end()));
    all.insert(all.end(), (r.*times).begin(), (r.*times).end());
  }
  std::sort(all.begin(), all.end());
  double cutoff = last;
  for (size_t i = 0; i + 1 < all.size() && all[i + 1] <= last; ++i)
    if (all[i + 1] - all[i] >= window_s / 4) cutoff = (all[i] + all[i + 1]) / 2;
  json counts = json::object();
  double most = 0, least = 1e18;
  for (const auto& r : services) {
    const auto n = static_cast<double>(
        std::count_if((r.*times).begin(), (r.*times).end(), [&](double t) { return t <= cutoff; }));
    counts[r.name] = n;
    most = std::max(most, n);
    least = std::min(least, n);
  }
  return {counts, least > 0 ? json(round_to(most / least, 3)) : json(nullptr)};
}

// A year of one-minute bars for one stock at IB's real rules: the chunks its step limit gives
// (one week of one-minute bars per request), and the least time the rules allow for them.
json year_of_minutes() {
  namespace md = params::market_data;
  const int64_t to = *md::parse_iso_utc("2026-11-30T00:00:00Z");
  const int64_t from = to - 365 * 86400;
  const auto chunks = cli::history::plan_chunks(from, to, *md::find_bar_size("1 min"));
  const auto n = static_cast<int>(chunks.size());
  const int windows = (n + 59) / 60;
  // The 10-minute rule: each further 60 wait one window; the 2-second rule: 5 per contract in 2 s.
  const double window_rule_s = (windows - 1) * 600.0;
  const double key_rule_s = ((n + 4) / 5 - 1) * 2.0;
  return {{"chunks", n},
          {"chunk", "7 D of 1 min bars (IB's step limit)"},
          {"windows_of_10_min", windows},
          {"window_rule_s", window_rule_s},
          {"same_contract_rule_s", key_rule_s},
          {"least_wall_s", std::max(window_rule_s, key_rule_s)},
          {"share_of_window", std::round(n / 60.0 * 100) / 100},
          {"note",
           "least time the rules allow, answers not counted: the 60-in-10-min rule does not bind "
           "a single year (one window), the 5-per-contract-in-2-s rule does"}};
}

}  // namespace

nlohmann::json run_history(const Settings& s, nlohmann::json& skipped) {
  if (!s.programs.gwsim_has("--historical-pacing") || !s.programs.broker_has("--hist-time-scale")) {
    skipped.push_back(
        "history: the programs have no historical pacing (--historical-pacing, "
        "--hist-time-scale)");
    return {{"intentq", {{"violations", nullptr}}}};
  }
  const auto load = HistoryLoad::make(s.history_chunks, s.history_time_scale, s.quick ? 3 : 5);
  const double window_s = static_cast<double>(load.window().count()) / 1000;
  std::fprintf(stderr, "history: intentq run (%zu services x %zu chunks, window %.1f s)\n",
               load.bulk.size(), load.bulk[0].chunks.size(), window_s);
  const auto iq = run_intentq(s, load);

  json j;
  j["time_scale"] = load.time_scale;
  j["window_ms"] = load.window().count();
  j["window_limit"] = load.window_limit;
  j["chunks_per_service"] = load.bulk[0].chunks.size();
  j["interactive_every_ms"] = load.interactive_every.count();
  j["answer_latency_ms"] = kAnswerLatencyMs;
  j["workers"] = kWorkers;
  j["stall_at_s"] = s.history_stall_at;

  json& f = j["intentq"] = run_figures(iq.run);
  const auto [mean, min] = per_window(iq.samples, window_s);
  f["requests_per_window_mean"] = mean.is_null() ? mean : json(round_to(mean.get<double>(), 1));
  f["requests_per_window_min"] = min.is_null() ? min : json(round_to(min.get<double>(), 1));
  f["requests_per_window_ratio"] = ratio(f["requests_per_window_mean"], load.window_limit);
  f["requests_per_window_min_ratio"] = ratio(f["requests_per_window_min"], load.window_limit);
  if (mean.is_null())
    skipped.push_back(
        "history.intentq.requests_per_window: no whole window with jobs waiting "
        "(more chunks: --history-chunks)");
  f["served_without_request"] = iq.coalesced + iq.reuse_hits;
  f["coalesced"] = iq.coalesced;
  f["reuse_hits"] = iq.reuse_hits;
  const int answered_all = f["chunks_answered"].get<int>() + iq.run.interactive.answered;
  f["answers_minus_sim_requests"] =
      answered_all - static_cast<int64_t>(f["sim_requests"].get<uint64_t>());
  // Shares while all four download: per service, the requests the broker dispatched for it
  // (svc-b's ride on svc-a's) and the answers it received, until a window before the first
  // service was done.
  const auto dispatched = shares(iq.run.services, &ServiceResult::dispatch_s, window_s);
  const auto received = shares(iq.run.services, &ServiceResult::answer_s, window_s);
  f["shares_dispatched"] = dispatched.first;
  f["share_max_over_min"] = dispatched.second;
  f["shares_received"] = received.first;
  f["received_max_over_min"] = received.second;
  // Interactive: its queue wait against the next slot when asked + one bulk answer (a worker
  // busy with a chunk frees within one).
  const double one_answer = percentile(iq.bulk_run_ms, 0.99);
  const auto& it = iq.run.interactive;
  int within = 0;
  std::vector<double> bounds;
  for (size_t k = 0; k < it.wait_ms.size(); ++k) {
    bounds.push_back(iq.interactive_next_ms[k] + one_answer);
    if (it.wait_ms[k] <= bounds.back()) ++within;
  }
  f["interactive"]["wait_p50_ms"] = round_to(percentile(it.wait_ms, 0.5), 1);
  f["interactive"]["wait_p99_ms"] = round_to(percentile(it.wait_ms, 0.99), 1);
  f["interactive"]["next_slot_p99_ms"] = round_to(percentile(iq.interactive_next_ms, 0.99), 1);
  f["interactive"]["one_answer_ms"] = round_to(one_answer, 1);
  f["interactive"]["bound_p99_ms"] = round_to(percentile(bounds, 0.99), 1);
  f["interactive"]["within_bound"] = within;
  f["broker_historical_end"] = iq.historical_end;
  f["broker_counters"] = iq.broker_counters;

  // The baselines side by side: each is one login of its own (a simulator each), and they are
  // light (one request at a time per service); together they take the longest one's time.
  std::fprintf(stderr, "history: baselines none, lean, gap\n");
  json baselines = json::object();
  {
    const PeerStrategy strategies[] = {PeerStrategy::kNone, PeerStrategy::kLean,
                                       PeerStrategy::kGap};
    std::vector<SimChild> sims;
    for (size_t k = 0; k < std::size(strategies); ++k)
      sims.push_back(start_gwsim(s.programs, sim_args(s, load)));
    std::vector<std::future<HistoryRun>> runs;
    for (size_t k = 0; k < std::size(strategies); ++k)
      runs.push_back(std::async(std::launch::async, run_peers, std::cref(load), strategies[k],
                                sims[k].address, 101 + 10 * static_cast<int>(k)));
    for (size_t k = 0; k < runs.size(); ++k) {
      auto run = runs[k].get();
      const auto st = test::request_gwsim_stats(*sims[k].process, 5s);
      if (!st) throw std::runtime_error("the simulator printed no counters");
      run.sim_historical = st->value("historical", json::object());
      baselines[run.label] = run_figures(run);
    }
  }
  j["baselines"] = baselines;
  j["year_1min_one_stock"] = year_of_minutes();
  j["targets"] = {{"intentq.violations", "0"},
                  {"intentq.requests_per_window_ratio", ">= 0.95 while jobs wait"},
                  {"intentq.share_max_over_min", "<= 1.25"},
                  {"intentq.interactive.wait_p99_ms", "<= next slot + one answer"}};
  j["note"] =
      "one login (one simulator) per run; the simulator's windows and the broker's scaled by "
      "time_scale; answers take answer_latency_ms; baselines: each service on a direct session, "
      "one request at a time, refused requests not retried";

  Table t("history: 4 services x " + std::to_string(load.bulk[0].chunks.size()) +
              " one-week chunks of 1-min bars + svc-i every " +
              std::to_string(load.interactive_every.count()) + " ms; time scale " +
              scale_text(load.time_scale) + " (10 min = " + fmt(window_s, 1) + " s)",
          {"run", "violations", "requests sent", "answered 1st pass", "passes", "chunks answered",
           "useful bars/s", "time to finish s", "svc-i answered", "svc-i p99 ms"});
  auto row = [&](const std::string& label, const json& r) {
    t.row({label, fmt(r["violations"]), fmt(r["requests_sent"]), fmt(r["first_pass_answered"]),
           fmt(r["passes"]), fmt(r["chunks_answered"]) + " / " + fmt(r["chunks"]),
           fmt(r["useful_bars_per_s"]), fmt(r["seconds"], 1),
           fmt(r["interactive"]["answered"]) + " / " + fmt(r["interactive"]["asked"]),
           fmt(r["interactive"]["latency_p99_ms"], 0)});
  };
  row("intentq (8 workers, one gateway)", f);
  row("direct sessions, no pacing", baselines["none"]);
  row("direct sessions, Lean 58 per window", baselines["lean"]);
  row("direct sessions, 0.5 s gap (scaled)", baselines["gap"]);
  t.print();
  Table u("history: intentq's figures", {"figure", "value", "target"});
  u.row({"requests per window while jobs wait (mean / min)",
         fmt(f["requests_per_window_mean"], 1) + " / " + fmt(f["requests_per_window_min"], 1) +
             " of " + std::to_string(load.window_limit),
         ">= 57"});
  u.row({"identical chunks served without a request",
         fmt(f["served_without_request"]) + " (coalesced " + fmt(f["coalesced"]) + ", reused " +
             fmt(f["reuse_hits"]) + ")",
         std::to_string(load.bulk[1].chunks.size()) + " (svc-b's)"});
  u.row({"shares: requests dispatched per service (max / min)", fmt(f["share_max_over_min"], 3),
         "<= 1.25"});
  u.row({"svc-i queue wait p99 vs next slot + one answer",
         fmt(f["interactive"]["wait_p99_ms"], 0) + " ms vs " +
             fmt(f["interactive"]["bound_p99_ms"], 0) + " ms (" +
             fmt(f["interactive"]["within_bound"]) + " of " + fmt(f["interactive"]["answered"]) +
             " within their own)",
         "wait <= bound"});
  const auto& y = j["year_1min_one_stock"];
  u.row({"a year of 1-min bars, one stock, IB's real rules",
         fmt(y["chunks"]) + " requests, " + fmt(y["windows_of_10_min"]) +
             " window, >= " + fmt(y["least_wall_s"], 0) + " s",
         "-"});
  u.print();
  return j;
}

}  // namespace intentq::bench
