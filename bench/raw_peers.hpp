// The baselines the bench measures intentq against, run as child processes of the bench
// (`intentq-bench --role raw-relay|raw-echo`):
//  - raw relay: a minimal Majordomo relay, ROUTER (clients) <-> ROUTER (workers), a FIFO of idle
//    workers (least recently used first) and a FIFO of waiting requests, nothing else: no job
//    table, no envelopes, no heartbeats, no deadlines. It speaks exactly the frames the intentq
//    broker speaks to an intentq worker, so the same no-op workers and clients drive both.
//  - raw echo: one ROUTER that sends every message straight back (one hop each way).
#pragma once

#include <string>

namespace intentq::bench {

// Both print one readiness line ("raw-relay ready frontend=... backend=..." /
// "raw-echo ready endpoint=...") and run until killed.
// `transport` "ipc" binds ipc:// wildcards instead of loopback TCP (the relay scenario's
// --transport).
int run_raw_relay(const std::string& service, const std::string& transport = "tcp");
int run_raw_echo();

}  // namespace intentq::bench
