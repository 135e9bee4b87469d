// The broker's settings (command line: broker/main.cpp; meaning: docs/protocol.md).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace intentq::broker {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

// CURVE and the bind policy (broker/security.hpp; docs/operations.md).
struct SecurityConfig {
  std::string curve_secret;            // the broker's .key_secret file; empty = CURVE off
  std::string curve_allow;             // allowlist directory (clients/, workers/, subscribers/)
  bool insecure_allow_public = false;  // without CURVE, bind non-loopback addresses anyway
};

// IB's historical-data pacing, enforced per gateway (issue 20; docs/protocol.md §6.11): at most
// `requests` weighted requests in any `window_s`, `per_key` per (contract, exchange,
// what_to_show) in any `key_window_s`, `open` running at once, and no identical request within
// `identical_s`. `time_scale` multiplies every window (as the simulator's --time-scale does), so
// tests run IB's 10 minutes in seconds. `small_bars_only`: bars over 30 s are exempt from the
// windows (IB's documented scope); by default every historical request counts (safe).
struct HistoricalConfig {
  uint32_t requests = 60;
  double window_s = 600;
  uint32_t per_key = 5;
  double key_window_s = 2;
  uint32_t open = 50;
  double identical_s = 15;
  bool small_bars_only = false;
  double time_scale = 1;
  // A window after the time scale (at least 1 ms): multiplied by it, as intentq-gwsim's
  // --time-scale does (0.01: the 10-minute window lasts 6 s).
  Ms scaled(double seconds) const {
    const double ms = seconds * 1000.0 * (time_scale > 0 ? time_scale : 1.0);
    return Ms(std::max<int64_t>(1, static_cast<int64_t>(ms + 0.5)));
  }
};

struct Config {
  // Loopback by default: without CURVE the broker refuses public addresses (broker/security.hpp).
  std::string frontend = "tcp://127.0.0.1:5555";
  std::string backend = "tcp://127.0.0.1:5556";
  std::string publish = "tcp://127.0.0.1:5557";
  SecurityConfig security;
  std::string metrics;  // "host:port" for Prometheus GET /metrics; empty = off
  Ms heartbeat{1000};
  int liveness = 3;
  size_t max_queue = 10000;  // queued jobs per service
  Ms default_deadline{30000};
  Ms dedup_ttl{60000};
  size_t dedup_max_entries = 100000;
  Ms drain_timeout{10000};
  // After start, requests for a service no worker has registered yet are held this long instead
  // of being answered UNKNOWN_INTENT at once: after a broker restart, workers re-register within
  // about one heartbeat, and a client's retry must not lose its job to that race.
  Ms startup_grace{3000};
  int64_t max_message_bytes = 4 * 1024 * 1024;
  // Workers that do not announce "@heartbeat=" are assumed to beat at least this often (the
  // zguide's mdwrkapi uses 2500 ms and beats only while idle).
  Ms stock_worker_heartbeat{2500};
  // Services known to the broker; READY for more is refused (bounds the service table).
  size_t max_services = 4096;
  // Submitters attached to one in-flight job id (dedup); more get BUSY.
  size_t max_attached = 1024;

  // Byte budgets: what peers can make the broker hold, whatever they send (the ceiling they add
  // up to is worked out in docs/operations.md). A request past a budget gets BUSY.
  size_t max_queue_bytes = 64u << 20;  // request bytes queued per service
  size_t max_jobs_bytes = 256u << 20;  // request bytes of all unfinished jobs (queued, running)
  size_t dedup_max_bytes = 64u << 20;  // replies in the dedup cache; oldest evicted first
  size_t max_held_bytes = 16u << 20;   // requests held during the startup grace
  // Workers registered at once; READY past it is refused (each costs up to ~16 KiB of indexes).
  size_t max_workers = 1024;
  int io_threads = 1;  // libzmq I/O threads (docs/benchmarks.md measured 1 vs 2)
  // Announced worker heartbeats above this are refused at READY (liveness stays bounded).
  Ms max_worker_heartbeat{60000};
  // A service whose last worker went away answers NO_WORKER after this long (its queued jobs at
  // that moment, new requests at once): long enough for a worker to re-register (a gateway session
  // change, a restart under systemd), short enough that nobody waits for a deadline in vain.
  // 0: the Majordomo behaviour, jobs stay queued until a worker comes or their deadline passes.
  Ms no_worker_grace{2000};
  // A service with no worker and no queued job is forgotten after this long.
  Ms service_linger{60000};
  // Answer reuse (issue 11): the latest successful answer per (intent, account, canonical params)
  // is kept at most this long and within this many bytes (docs/protocol.md, freshness window).
  size_t reuse_max_bytes = 64 * 1024 * 1024;
  Ms reuse_ttl{60000};

  // Outbound and subscription paths, in bytes (issue 16; docs/operations.md "Broker memory").
  // Publish socket: longest subscription, distinct topics per subscriber connection, subscriber
  // connections at once, and the result bytes a subscriber may fall behind (raised to at least
  // twice --max-message-bytes); a subscriber past any of them is disconnected.
  size_t max_subscription_bytes = 128;
  size_t max_subscription_topics = 32;
  size_t max_subscribers = 32;
  size_t subscriber_queue_bytes = 8u << 20;
  // Frontend: reply bytes a client has not read yet, per client and for all clients together;
  // past either the client (the largest holder) is disconnected. Raised to at least twice
  // --max-message-bytes.
  size_t client_unread_bytes = 32u << 20;
  size_t clients_unread_bytes = 128u << 20;
  // mmi.stats answers per second per client (ten times that for all clients); 0 = unlimited.
  double stats_per_second = 5;
  HistoricalConfig historical;
};

}  // namespace intentq::broker
