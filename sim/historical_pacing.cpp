#include "sim/historical_pacing.hpp"

#include <algorithm>

namespace intentq::sim {

PacingClock::duration scaled(double seconds, double scale) {
  const auto d = std::chrono::duration_cast<PacingClock::duration>(
      std::chrono::duration<double>(seconds * scale));
  return std::max<PacingClock::duration>(d, std::chrono::milliseconds(1));
}

HistoricalPacing::HistoricalPacing(HistoricalPacingOptions o)
    : o_(o),
      identical_(scaled(15, o.time_scale)),
      same_contract_(scaled(2, o.time_scale)),
      long_(scaled(600, o.time_scale)) {}

void HistoricalPacing::expire(PacingClock::time_point now) {
  while (!identical_order_.empty() && now - identical_order_.front().first >= identical_) {
    auto it = last_identical_.find(identical_order_.front().second);
    if (it != last_identical_.end() && it->second <= identical_order_.front().first)
      last_identical_.erase(it);
    identical_order_.pop_front();
  }
  while (!contract_order_.empty() && now - contract_order_.front().first >= same_contract_) {
    auto it = by_contract_.find(contract_order_.front().second);
    if (it != by_contract_.end()) {
      auto& times = it->second;
      while (!times.empty() && now - times.front() >= same_contract_) times.pop_front();
      if (times.empty()) by_contract_.erase(it);
    }
    contract_order_.pop_front();
  }
  while (!window_.empty() && now - window_.front().first >= long_) {
    window_weight_ -= window_.front().second;
    window_.pop_front();
  }
}

HistoricalVerdict HistoricalPacing::on_request(uint64_t conn, int64_t req_id,
                                               const HistoricalRequestKey& key,
                                               PacingClock::time_point now) {
  ++counters_.requests;
  HistoricalVerdict verdict = HistoricalVerdict::kOk;
  if (key.small || !o_.small_bars_only) {
    expire(now);
    const bool identical = last_identical_.count(key.identity) > 0;
    auto& recent = by_contract_[key.contract];
    const bool burst = static_cast<int>(recent.size()) >= o_.same_contract_limit;
    const bool over = window_weight_ + key.weight > o_.window_limit;
    const bool over_unweighted = static_cast<int>(window_.size()) + 1 > o_.window_limit;
    if (identical) {
      verdict = HistoricalVerdict::kIdentical;
      ++counters_.identical;
    } else if (burst) {
      verdict = HistoricalVerdict::kSameContract;
      ++counters_.same_contract;
    } else if (over) {
      verdict = HistoricalVerdict::kWindow;
      ++counters_.window;
      // Rule 4: a window that only the BID_ASK double weight overflowed.
      if (!over_unweighted) ++counters_.bid_ask_double;
    }
    last_identical_[key.identity] = now;
    identical_order_.emplace_back(now, key.identity);
    recent.push_back(now);
    contract_order_.emplace_back(now, key.contract);
    window_.emplace_back(now, key.weight);
    window_weight_ += key.weight;
  }
  if (verdict != HistoricalVerdict::kOk) return verdict;
  if (static_cast<int>(open_.size()) >= o_.max_open) {
    ++counters_.open_limit;
    return HistoricalVerdict::kOpenLimit;
  }
  open_.insert({conn, req_id});
  return HistoricalVerdict::kOk;
}

void HistoricalPacing::close(uint64_t conn, int64_t req_id) {
  open_.erase({conn, req_id});
}

void HistoricalPacing::close_connection(uint64_t conn) {
  for (auto it = open_.lower_bound({conn, INT64_MIN}); it != open_.end() && it->first == conn;)
    it = open_.erase(it);
}

}  // namespace intentq::sim
