// The worker's configuration (from the command line and environment) and the rules that derive
// its IB clientId.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/curve_socket.hpp"
#include "common/mdp_worker.hpp"
#include "worker/intent.hpp"

namespace intentq {

class WorkerMetrics;

inline constexpr std::string_view kDefaultWorkerBroker = "tcp://127.0.0.1:5556";

// Largest reply body the worker sends; mirrors the broker's --max-message-bytes default (a frame
// above the broker's ZMQ_MAXMSGSIZE makes libzmq drop the worker's connection).
inline constexpr int64_t kDefaultMaxMessageBytes = 4 * 1024 * 1024;

enum class SessionMode { kPersistent, kPerJob };

// The broker side is the worker socket's own options (mdp::WorkerOptions: `endpoint`, the
// broker's backend, --broker; curve; heartbeat, liveness, reconnect_min/max), then the worker's.
struct WorkerOptions : mdp::WorkerOptions {
  WorkerOptions() { endpoint = kDefaultWorkerBroker; }
  GatewayConfig gateway;
  SessionMode session_mode = SessionMode::kPersistent;  // --gateway-session
  std::string gateway_id;                               // --gateway-id; default HOST:PORT
  std::chrono::milliseconds gateway_reconnect_min{250};
  std::chrono::milliseconds gateway_reconnect_max{30000};
  int64_t max_message_bytes = kDefaultMaxMessageBytes;  // --max-message-bytes
  std::string log_level = "info";
  std::shared_ptr<WorkerMetrics> metrics;  // --metrics; null: off
};

// The instance number of a systemd template unit, from (in order) the INTENTQ_INSTANCE value or
// the program name: "intentq-worker@7" or "intentq-worker@7.service" (argv[0], possibly a path,
// e.g. a symlink) -> 7. nullopt when neither names one. A set INTENTQ_INSTANCE that is not a
// whole number 0..2147483647 ("abc", "-5", "7x", an overflow) throws std::invalid_argument: two
// workers falling back to one clientId would fight over it.
std::optional<int> instance_number(std::optional<std::string_view> env_instance,
                                   std::string_view argv0);

// clientId rule: --client-id when given; else --client-id-base + instance number when there is
// one; else 1. Throws std::invalid_argument for a negative or overflowing id (IB takes any int,
// but a negative clientId here is almost certainly a typo).
int resolve_client_id(std::optional<int> explicit_id, int base, std::optional<int> instance);

// "host:port" -> host and port; throws std::invalid_argument naming the problem.
void parse_gateway(std::string_view host_port, GatewayConfig& gateway);

// --gateway-id: 1..mdp::kMaxGatewayIdBytes printable ASCII characters, no spaces (the broker
// refuses a READY whose id is longer; the id is a metrics label and a log field). Throws
// std::invalid_argument naming --gateway-id.
void check_gateway_id(std::string_view id);

}  // namespace intentq
