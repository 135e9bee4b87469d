// The `intentq` subcommands. Each returns the process exit code: 0 success, 2 the broker answered
// with an error reply (submit), 1 usage or connection problems (message on stderr).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/curve_socket.hpp"
#include "common/mdp_client.hpp"

namespace intentq::cli {

// sysexits.h EX_CONFIG: a refused option or config file, as the other programs exit.
inline constexpr int kConfigExit = 78;

// Lazy Pirate retries (common/mdp_client.hpp): --timeout-ms, --retries.
using mdp::RetryPolicy;

inline constexpr const char* kDefaultFrontend = "tcp://127.0.0.1:5555";
inline constexpr const char* kDefaultPublish = "tcp://127.0.0.1:5557";
// The broker's --default-deadline-ms: how long submit waits for a job that names no deadline.
inline constexpr std::chrono::milliseconds kBrokerDefaultDeadline{30000};
// Beyond the deadline, time for the broker's TIMEOUT answer to come back.
inline constexpr std::chrono::milliseconds kAnswerMargin{2000};

struct SubmitOptions {
  std::string broker;
  std::string intent;
  std::vector<std::string> params;  // key=value
  std::string params_json;
  std::string id;  // generated when empty, so resends deduplicate
  std::optional<uint64_t> deadline_ms;
  uint64_t max_age_ms = 0;  // > 0: a stored answer up to this old is fine (docs/protocol.md §6.8)
  // Scheduling in a historical queue (docs/protocol.md §6.11); empty = not sent.
  std::string priority;  // interactive | normal | bulk
  std::string client;    // who submits, for fair shares
  RetryPolicy retry;
  bool compact = false;
  std::optional<curve::ClientKeys> curve;
};
int run_submit(const SubmitOptions& options);

struct WatchOptions {
  std::string publish;
  std::vector<std::string> topics;  // prefixes; none = everything
  std::optional<uint64_t> count;
  std::optional<curve::ClientKeys> curve;
  // How long to wait for the connection before giving up with the reason (nothing listens, CURVE
  // refused); watch says `subscribed` only once the connection is up.
  std::chrono::milliseconds connect_timeout{5000};
};
int run_watch(const WatchOptions& options);

struct StatsOptions {
  std::string broker;
  RetryPolicy retry;
  std::optional<curve::ClientKeys> curve;
};
int run_stats(const StatsOptions& options);

// `intentq cancel ID`: 0 cancelled, 2 an error reply (UNKNOWN_JOB: not a job of this client),
// 1 connection problems.
struct CancelOptions {
  std::string broker;
  std::string id;
  RetryPolicy retry;
  bool compact = false;
  std::optional<curve::ClientKeys> curve;
};
int run_cancel(const CancelOptions& options);

// "cli-" + 16 random hex digits.
std::string generate_job_id();

}  // namespace intentq::cli
