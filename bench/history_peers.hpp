// The `history` scenario's baselines: each service on its own direct gateway session (a plain TWS
// client connection to intentq-gwsim, its own clientId), downloading its chunks one request at a
// time as a peer library's loop does, paced by that peer's strategy:
//   none  no pacing (ib_insync paces messages, nothing historical);
//   lean  at most 58 requests in any (scaled) 10 minutes per service (QuantConnect Lean);
//   gap   a fixed gap between two requests, 0.5 s scaled (pysystemtrade).
// A refused request (IB's 162 pacing violation, a 322) is not retried at once (the peers return
// an empty answer); the service goes over the chunks still missing in another pass, one
// (scaled) 10-minute window later, as a user reruns an incomplete download, at most `max_passes`
// passes.
#pragma once

#include <string>

#include "bench/history_load.hpp"

namespace intentq::bench {

enum class PeerStrategy { kNone, kLean, kGap };

std::string to_string(PeerStrategy s);

// Runs the whole load (the four bulk services and the interactive one, in parallel) against the
// simulator at `sim_address` (HOST:PORT), clientIds from `first_client_id` on.
HistoryRun run_peers(const HistoryLoad& load, PeerStrategy strategy, const std::string& sim_address,
                     int first_client_id);

}  // namespace intentq::bench
