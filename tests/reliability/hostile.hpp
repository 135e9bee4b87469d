// Hostile peers for the reliability suite: raw TCP garbage on both broker ports, malformed MDP
// clients on the frontend, and junk workers on the backend (random READYs, stray REPLYs, absurd
// heartbeats, vanishing right after READY). Each peer is rate-limited (about 1,000 messages per
// second) so it tests robustness, not how fast two cores can be saturated.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace intentq::reliability {

struct HostileCounts {
  uint64_t tcp_connections = 0;  // raw connections that sent garbage
  uint64_t frontend_messages = 0;
  uint64_t backend_messages = 0;
};

// Runs the hostile peers against `frontend` and `backend` (tcp://HOST:PORT) until `stop`.
HostileCounts run_hostile(const std::string& frontend, const std::string& backend,
                          const std::atomic<bool>& stop);

}  // namespace intentq::reliability
