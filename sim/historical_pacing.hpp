// IB's historical-data pacing rules as the simulator enforces them, over every client of the
// gateway together (IB applies them per login). Pure: time is passed in, so unit tests drive it.
//
// A request is judged against, in this order:
//   1. identical: the same request (every field but the request id) within 15 s;
//   2. same contract: 6 or more requests for the same contract, exchange and whatToShow within 2 s;
//   3. window: more than 60 requests within 10 minutes, a BID_ASK request counting twice (rule 4;
//      a window violation that only the double count caused is also counted as `bid_ask_double`);
//      head-timestamp requests count like small-bar requests;
//   then the open limit: at most 50 requests open at once (the 51st gets 322).
// Every request is recorded in the windows, refused ones too (IB states nothing; counting them is
// the safe reading). With `small_bars_only` rules 1-3 apply only to bars of 30 s or less and to
// head timestamps. `time_scale` multiplies every window (0.01: the 10-minute window lasts 6 s).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "sim/pacing.hpp"

namespace intentq::sim {

struct HistoricalPacingOptions {
  bool small_bars_only = false;
  double time_scale = 1.0;
  int max_open = 50;
  int window_limit = 60;
  int same_contract_limit = 5;  // the 6th within the short window violates
};

enum class HistoricalVerdict {
  kOk,            // serve it (it is now open until close())
  kIdentical,     // 162 pacing violation
  kSameContract,  // 162 pacing violation
  kWindow,        // 162 pacing violation
  kOpenLimit,     // 322
};

struct HistoricalRequestKey {
  std::string identity;  // every field but the request id
  std::string contract;  // contract + exchange + whatToShow
  int weight = 1;        // 2 for BID_ASK
  bool small = true;     // bars of 30 s or less, or a head timestamp
};

struct HistoricalPacingCounters {
  uint64_t requests = 0;  // historical requests judged (bars and head timestamps)
  uint64_t identical = 0;
  uint64_t same_contract = 0;
  uint64_t window = 0;
  uint64_t bid_ask_double = 0;  // window violations the BID_ASK double count caused
  uint64_t open_limit = 0;      // 322 sent
  uint64_t violations() const { return identical + same_contract + window; }
};

class HistoricalPacing {
 public:
  explicit HistoricalPacing(HistoricalPacingOptions o = {});

  // Judges request `req_id` of connection `conn`; kOk marks it open.
  HistoricalVerdict on_request(uint64_t conn, int64_t req_id, const HistoricalRequestKey& key,
                               PacingClock::time_point now);
  // The request's answer is complete, or it was cancelled (unknown ids are ignored).
  void close(uint64_t conn, int64_t req_id);
  void close_connection(uint64_t conn);
  bool is_open(uint64_t conn, int64_t req_id) const { return open_.count({conn, req_id}) > 0; }
  size_t open_now() const { return open_.size(); }

  const HistoricalPacingCounters& counters() const { return counters_; }
  const HistoricalPacingOptions& options() const { return o_; }
  PacingClock::duration identical_window() const { return identical_; }
  PacingClock::duration same_contract_window() const { return same_contract_; }
  PacingClock::duration long_window() const { return long_; }

 private:
  void expire(PacingClock::time_point now);

  HistoricalPacingOptions o_;
  PacingClock::duration identical_, same_contract_, long_;
  HistoricalPacingCounters counters_;
  std::map<std::string, PacingClock::time_point> last_identical_;
  std::deque<std::pair<PacingClock::time_point, std::string>> identical_order_;
  std::map<std::string, std::deque<PacingClock::time_point>> by_contract_;
  std::deque<std::pair<PacingClock::time_point, std::string>> contract_order_;
  std::deque<std::pair<PacingClock::time_point, int>> window_;  // (time, weight)
  int window_weight_ = 0;
  std::set<std::pair<uint64_t, int64_t>> open_;
};

// A scaled duration: `seconds` * scale, at least 1 ms.
PacingClock::duration scaled(double seconds, double scale);

}  // namespace intentq::sim
