// The historical requests and cancels the simulator received, in arrival order, each with when it
// came and how IB's historical pacing judged it. Counters say how many requests broke a rule; the
// log says which ones came when: what a test needs to check, on the gateway's side, the order in
// which a broker served its clients, how fully it used the 10-minute window, that an identical
// request never came twice within 15 s, and that a cancel came for a running request.
//
// Off by default (capacity 0): `--historical-log N` keeps the last N entries (each under ~300
// bytes in the counters' line), counting the older ones it dropped, so what it holds is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gateway/messages.hpp"
#include "sim/historical_pacing.hpp"

namespace intentq::sim {

struct HistoricalLogEntry {
  int64_t t_ms = 0;     // when it came, in ms since the simulator started (steady clock)
  uint64_t conn = 0;    // the connection's number (the first accepted is 1)
  int64_t req_id = 0;   // the client's request id
  std::string message;  // "reqHistoricalData", "cancelHistoricalData", "reqHeadTimestamp", ...
  // Requests only (empty for cancels): "ok", the rule broken ("identical_15s", "same_contract_2s",
  // "window_10min"), "open_limit_322", or "unpaced" (--historical-pacing off).
  std::string verdict;
  // Requests only: the contract's conId and the request's fields that tell requests apart (at most
  // 64 bytes of each).
  int64_t con_id = 0;
  std::string what_to_show, end, bar_size, duration;
};

// How pacing judged a request, as the log and the violation counters name it.
std::string verdict_name(HistoricalVerdict v);

// An entry for a historical request, a head-timestamp request or one of their cancels; nullopt for
// any other message.
std::optional<HistoricalLogEntry> historical_log_entry(const gw::ClientMessage& m);

class HistoricalLog {
 public:
  explicit HistoricalLog(size_t capacity = 0) : capacity_(capacity) {}

  bool enabled() const { return capacity_ > 0; }
  void add(HistoricalLogEntry e);  // drops the oldest entry when full (nothing when disabled)

  const std::deque<HistoricalLogEntry>& entries() const { return entries_; }
  uint64_t dropped() const { return dropped_; }
  // [{"t_ms": 12, "conn": 1, "req_id": 7, "msg": "reqHistoricalData", "verdict": "ok",
  //   "con_id": 265598, "what_to_show": "TRADES", "end": "20261204 15:00:00 UTC",
  //   "bar_size": "1 min", "duration": "1800 S"}, {"t_ms": 40, "conn": 1, "req_id": 7,
  //   "msg": "cancelHistoricalData"}, ...]
  nlohmann::json to_json() const;

 private:
  size_t capacity_;
  std::deque<HistoricalLogEntry> entries_;
  uint64_t dropped_ = 0;
};

}  // namespace intentq::sim
