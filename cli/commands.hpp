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

// What a subcommand that asks the broker needs to reach it: the frontend endpoint, the retries
// and the CURVE keys (when CURVE is on).
struct BrokerLink {
  std::string broker;
  RetryPolicy retry;
  std::optional<curve::ClientKeys> curve;
};

struct SubmitOptions : BrokerLink {
  std::string intent;
  std::vector<std::string> params;  // key=value
  std::string params_json;
  std::string id;  // generated when empty, so resends deduplicate
  std::optional<uint64_t> deadline_ms;
  uint64_t max_age_ms = 0;  // > 0: a stored answer up to this old is fine (docs/protocol.md §6.8)
  // Scheduling in a historical queue (docs/protocol.md §6.11); empty = not sent.
  std::string priority;  // interactive | normal | bulk
  std::string client;    // who submits, for fair shares
  bool compact = false;
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

struct StatsOptions : BrokerLink {};
int run_stats(const StatsOptions& options);

// `intentq cancel ID`: 0 cancelled, 2 an error reply (UNKNOWN_JOB: not a job of this client),
// 1 connection problems.
struct CancelOptions : BrokerLink {
  std::string id;
  bool compact = false;
};
int run_cancel(const CancelOptions& options);

// `intentq history`: a contract's bars over a time range, fetched as many historical_bars jobs of
// priority bulk (docs/history.md). 0 done (or nothing left to fetch), 2 a chunk or the head
// timestamp was answered with an error, 78 bad input (refused before anything is submitted),
// 1 connection or output problems, 130 interrupted (SIGINT/SIGTERM: the file holds whole chunks).
struct HistoryOptions {
  std::string broker;
  std::vector<std::string> params;  // the contract (and `gateway`), key=value as submit's --param
  std::string from;                 // ISO-8601 UTC
  std::string to;                   // ISO-8601 UTC; empty = now
  std::string bar_size = "1 min";
  std::string what_to_show = "TRADES";
  bool rth = true;
  std::string format = "csv";
  std::string output;             // empty or "-": stdout
  size_t in_flight = 8;           // chunks submitted and not yet answered
  uint64_t deadline_ms = 900000;  // per chunk: how long it may wait for its pacing slot
  std::string client;             // the envelope's `client` (fair shares); empty: the connection
  bool check_head = true;         // ask head_timestamp first and refuse a --from before it
  bool progress = true;           // the progress bar (only on a terminal)
  std::optional<curve::ClientKeys> curve;
};
int run_history(const HistoryOptions& options);

// "cli-" + 16 random hex digits.
std::string generate_job_id();

}  // namespace intentq::cli
