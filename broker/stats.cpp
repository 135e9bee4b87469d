#include "broker/stats.hpp"

#include "broker/worker_registry.hpp"
#include "common/msgpack_codec.hpp"

namespace intentq::broker {

std::string encode_stats(const WorkerRegistry& registry, const Counters& counters,
                         const StatsSummary& summary) {
  namespace mp = msgpack_codec;
  std::string out;
  mp::Writer w(out);
  w.map_header(12);
  w.str("services");
  w.map_header(static_cast<uint32_t>(registry.service_count()));
  registry.for_each_service([&](const Service& s) {
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
