#include "broker/stats.hpp"

#include "broker/worker_registry.hpp"
#include "common/msgpack_entry.hpp"

namespace intentq::broker {
namespace {

uint64_t ms_since(Clock::time_point from, Clock::time_point to) {
  if (to <= from) return 0;
  return static_cast<uint64_t>(std::chrono::duration_cast<Ms>(to - from).count());
}

// Bytes each list of the body may take (services, gateways, gateway_workers): with them the body
// stays under 160 KiB whatever peers registered (issue 16: 1,024 workers with long account lists
// made it 462 KB, and a client asking thousands of times pinned all the copies). Entries past a
// budget are left out and "truncated" says so.
constexpr size_t kSectionBytes = 48 * 1024;
// worker_list (issue 18) is a short index by name (about 100 bytes a worker, ~160 workers): the
// body stays at ~160 KiB with it.
constexpr size_t kWorkerListBytes = 16 * 1024;

// Encodes entries one by one into a scratch buffer while they fit the budget.
class Section {
 public:
  explicit Section(size_t budget = kSectionBytes) : budget_(budget) {}
  template <typename Fn>
  bool add(Fn&& encode) {
    if (full_) return false;
    std::string entry;
    msgpack_codec::Writer w(entry);
    encode(w);
    if (bytes_.size() + entry.size() > budget_) {
      full_ = true;
      return false;
    }
    bytes_ += entry;
    ++count_;
    return true;
  }
  uint32_t count() const { return count_; }
  const std::string& bytes() const { return bytes_; }
  bool truncated() const { return full_; }

 private:
  size_t budget_;
  std::string bytes_;
  uint32_t count_ = 0;
  bool full_ = false;
};

}  // namespace

std::string encode_stats(const WorkerRegistry& registry, const Counters& counters,
                         const StatsSummary& summary) {
  namespace mp = msgpack_codec;
  Section services;
  registry.for_each_service([&](const Service& s) {
    services.add([&](mp::Writer& w) {
      w.str(s.name);
      w.map_header(7);
      mp::entry(w, "kind", s.intentq ? "intentq" : "opaque");
      mp::entry(w, "queued", s.queued);
      mp::entry(w, "queued_bytes", s.queued_bytes);
      mp::entry(w, "workers", s.workers);
      mp::entry(w, "idle", s.idle.size());
      mp::entry(w, "busy", s.workers - s.idle.size());
      mp::entry(w, "retryable", !s.nonretryable);
    });
  });
  Section gateways;
  for (const auto& g : summary.gateways) {
    gateways.add([&](mp::Writer& w) {
      w.str(g.id);
      w.map_header(g.historical ? 6 : 5);
      mp::entry(w, "budget", g.view.budget);
      mp::entry(w, "used_last_second", g.view.used);
      mp::entry(w, "waiting", g.waiting);
      mp::entry(w, "workers", g.view.workers);
      mp::entry(w, "charged", g.view.charged);
      if (g.historical) {
        // IB's historical pacing for this gateway (docs/protocol.md §6.11).
        w.str("historical");
        w.map_header(8);
        mp::entry(w, "requests", g.hist.used);
        mp::entry(w, "limit", g.hist_limit);
        mp::entry(w, "window_ms", g.hist_window_ms);
        mp::entry(w, "open", g.hist.open);
        mp::entry(w, "open_limit", g.hist_open_limit);
        mp::entry(w, "queued", g.hist_queued);
        mp::entry(w, "next_slot_ms", g.hist_next_slot_ms);
        mp::entry(w, "charged", g.hist.charged);
      }
    });
  }
  Section gateway_workers;
  registry.for_each([&](const Worker& wk) {
    if (wk.gateway.empty()) return;
    gateway_workers.add([&](mp::Writer& w) {
      w.map_header(13);
      mp::entry(w, "name", wk.name);
      mp::entry(w, "jobs_done", wk.jobs_done);
      mp::entry(w, "gateway", wk.gateway);
      mp::entry(w, "session", !wk.session_up ? "unknown" : *wk.session_up ? "up" : "down");
      mp::entry(w, "session_age_ms",
                wk.session_up.value_or(false)
                    ? wk.session_age_ms + ms_since(wk.registered, summary.now)
                    : 0);
      w.str("client_id");
      if (wk.client_id)
        w.integer(*wk.client_id);
      else
        w.nil();
      mp::entry(w, "accounts", wk.accounts);
      mp::entry(w, "reconnects", wk.reconnects.value_or(0));
      mp::entry(w, "budget", wk.budget);
      mp::entry(w, "busy", wk.job != nullptr);
      // While the session is down (issue 18): what it waits to serve, why, for how long.
      mp::entry(w, "waiting", wk.waiting);
      mp::entry(w, "session_error", wk.session_error);
      mp::entry(w, "session_down_ms", wk.down_since ? ms_since(*wk.down_since, summary.now) : 0);
    });
  });
  // Every live worker by the name it announced (host:pid or --name; hex routing id without one).
  Section worker_list(kWorkerListBytes);
  registry.for_each([&](const Worker& wk) {
    worker_list.add([&](mp::Writer& w) {
      w.map_header(6);
      mp::entry(w, "name", wk.name);
      mp::entry(w, "jobs_done", wk.jobs_done);
      mp::entry(w, "services", wk.services.size());
      mp::entry(w, "busy", wk.job != nullptr);
      mp::entry(w, "gateway", wk.gateway);
      mp::entry(w, "uptime_ms", ms_since(wk.registered, summary.now));
    });
  });

  std::string out;
  mp::Writer w(out);
  w.map_header(17);
  w.str("services");
  w.map_header(services.count());
  w.raw(services.bytes());
  mp::entry(w, "workers", summary.workers);
  mp::entry(w, "jobs", summary.jobs);
  mp::entry(w, "unanswered", summary.unanswered);
  mp::entry(w, "dedup_entries", summary.dedup_entries);
  mp::entry(w, "dedup_bytes", summary.dedup_bytes);
  mp::entry(w, "jobs_bytes", summary.jobs_bytes);
  mp::entry(w, "held", summary.held);
  mp::entry(w, "held_bytes", summary.held_bytes);
  mp::entry(w, "draining", summary.draining);
  mp::entry(w, "uptime_ms", summary.uptime_ms);
  // Gateway sessions, budgets and answer reuse (issues 10 and 11).
  w.str("gateways");
  w.map_header(gateways.count());
  w.raw(gateways.bytes());
  w.str("gateway_workers");
  w.array_header(gateway_workers.count());
  w.raw(gateway_workers.bytes());
  w.str("worker_list");
  w.array_header(worker_list.count());
  w.raw(worker_list.bytes());
  mp::entry(w, "truncated",
            services.truncated() || gateways.truncated() || gateway_workers.truncated() ||
                worker_list.truncated());
  w.str("reuse");
  w.map_header(6);
  const ReuseCache empty(0, Ms(0));
  const ReuseCache& reuse = summary.reuse ? *summary.reuse : empty;
  mp::entry(w, "entries", reuse.size());
  mp::entry(w, "bytes", reuse.bytes());
  mp::entry(w, "max_bytes", reuse.max_bytes());
  mp::entry(w, "hits", reuse.hits());
  mp::entry(w, "misses", reuse.misses());
  const auto lookups = reuse.hits() + reuse.misses();
  mp::entry(w, "hit_ratio",
            lookups ? static_cast<double>(reuse.hits()) / static_cast<double>(lookups) : 0.0);
  w.str("counters");
  uint32_t n = 0;
  counters.for_each([&](std::string_view, uint64_t) { ++n; });
  w.map_header(n);
  counters.for_each([&](std::string_view name, uint64_t v) { mp::entry(w, name, v); });
  return out;
}

}  // namespace intentq::broker
