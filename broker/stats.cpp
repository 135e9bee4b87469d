#include "broker/stats.hpp"

#include "broker/worker_registry.hpp"
#include "common/msgpack_codec.hpp"

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
      w.str("kind");
      w.str(s.intentq ? "intentq" : "opaque");
      w.str("queued");
      w.uint(s.queued);
      w.str("queued_bytes");
      w.uint(s.queued_bytes);
      w.str("workers");
      w.uint(s.workers);
      w.str("idle");
      w.uint(s.idle.size());
      w.str("busy");
      w.uint(s.workers - s.idle.size());
      w.str("retryable");
      w.boolean(!s.nonretryable);
    });
  });
  Section gateways;
  for (const auto& g : summary.gateways) {
    gateways.add([&](mp::Writer& w) {
      w.str(g.id);
      w.map_header(g.historical ? 6 : 5);
      w.str("budget");
      w.uint(g.view.budget);
      w.str("used_last_second");
      w.uint(g.view.used);
      w.str("waiting");
      w.uint(g.waiting);
      w.str("workers");
      w.uint(g.view.workers);
      w.str("charged");
      w.uint(g.view.charged);
      if (g.historical) {
        // IB's historical pacing for this gateway (docs/protocol.md §6.11).
        w.str("historical");
        w.map_header(8);
        w.str("requests");
        w.uint(g.hist.used);
        w.str("limit");
        w.uint(g.hist_limit);
        w.str("window_ms");
        w.uint(g.hist_window_ms);
        w.str("open");
        w.uint(g.hist.open);
        w.str("open_limit");
        w.uint(g.hist_open_limit);
        w.str("queued");
        w.uint(g.hist_queued);
        w.str("next_slot_ms");
        w.uint(g.hist_next_slot_ms);
        w.str("charged");
        w.uint(g.hist.charged);
      }
    });
  }
  Section gateway_workers;
  registry.for_each([&](const Worker& wk) {
    if (wk.gateway.empty()) return;
    gateway_workers.add([&](mp::Writer& w) {
      w.map_header(13);
      w.str("name");
      w.str(wk.name);
      w.str("jobs_done");
      w.uint(wk.jobs_done);
      w.str("gateway");
      w.str(wk.gateway);
      w.str("session");
      w.str(!wk.session_up ? "unknown" : *wk.session_up ? "up" : "down");
      w.str("session_age_ms");
      w.uint(wk.session_up.value_or(false)
                 ? wk.session_age_ms + ms_since(wk.registered, summary.now)
                 : 0);
      w.str("client_id");
      if (wk.client_id)
        w.integer(*wk.client_id);
      else
        w.nil();
      w.str("accounts");
      w.array_header(static_cast<uint32_t>(wk.accounts.size()));
      for (const auto& a : wk.accounts) w.str(a);
      w.str("reconnects");
      w.uint(wk.reconnects.value_or(0));
      w.str("budget");
      w.uint(wk.budget);
      w.str("busy");
      w.boolean(wk.job != nullptr);
      // While the session is down (issue 18): what it waits to serve, why, for how long.
      w.str("waiting");
      w.array_header(static_cast<uint32_t>(wk.waiting.size()));
      for (const auto& name : wk.waiting) w.str(name);
      w.str("session_error");
      w.str(wk.session_error);
      w.str("session_down_ms");
      w.uint(wk.down_since ? ms_since(*wk.down_since, summary.now) : 0);
    });
  });
  // Every live worker by the name it announced (host:pid or --name; hex routing id without one).
  Section worker_list(kWorkerListBytes);
  registry.for_each([&](const Worker& wk) {
    worker_list.add([&](mp::Writer& w) {
      w.map_header(6);
      w.str("name");
      w.str(wk.name);
      w.str("jobs_done");
      w.uint(wk.jobs_done);
      w.str("services");
      w.uint(wk.services.size());
      w.str("busy");
      w.boolean(wk.job != nullptr);
      w.str("gateway");
      w.str(wk.gateway);
      w.str("uptime_ms");
      w.uint(ms_since(wk.registered, summary.now));
    });
  });

  std::string out;
  mp::Writer w(out);
  w.map_header(17);
  w.str("services");
  w.map_header(services.count());
  w.raw(services.bytes());
  w.str("workers");
  w.uint(summary.workers);
  w.str("jobs");
  w.uint(summary.jobs);
  w.str("unanswered");
  w.uint(summary.unanswered);
  w.str("dedup_entries");
  w.uint(summary.dedup_entries);
  w.str("dedup_bytes");
  w.uint(summary.dedup_bytes);
  w.str("jobs_bytes");
  w.uint(summary.jobs_bytes);
  w.str("held");
  w.uint(summary.held);
  w.str("held_bytes");
  w.uint(summary.held_bytes);
  w.str("draining");
  w.boolean(summary.draining);
  w.str("uptime_ms");
  w.uint(summary.uptime_ms);
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
  w.str("truncated");
  w.boolean(services.truncated() || gateways.truncated() || gateway_workers.truncated() ||
            worker_list.truncated());
  w.str("reuse");
  w.map_header(6);
  const ReuseCache empty(0, Ms(0));
  const ReuseCache& reuse = summary.reuse ? *summary.reuse : empty;
  w.str("entries");
  w.uint(reuse.size());
  w.str("bytes");
  w.uint(reuse.bytes());
  w.str("max_bytes");
  w.uint(reuse.max_bytes());
  w.str("hits");
  w.uint(reuse.hits());
  w.str("misses");
  w.uint(reuse.misses());
  w.str("hit_ratio");
  const auto lookups = reuse.hits() + reuse.misses();
  w.real(lookups ? static_cast<double>(reuse.hits()) / static_cast<double>(lookups) : 0.0);
  w.str("counters");
  uint32_t n = 0;
  counters.for_each([&](std::string_view, uint64_t) { ++n; });
  w.map_header(n);
  counters.for_each([&](std::string_view name, uint64_t v) {
    w.str(name);
    w.uint(v);
  });
  return out;
}

}  // namespace intentq::broker
