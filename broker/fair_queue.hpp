// The queue of a historical-class service (issue 20 item 3; docs/protocol.md §6.11): fair shares
// by submitter and priority classes, so one bulk download cannot starve another service.
//
// Order of service: the `interactive` class first, then `normal`, then `bulk`; within a class the
// submitters take turns (round-robin: the submitter served longest ago goes first, a newcomer
// joins at the end of the round); within a submitter its jobs in arrival order (a job that lost
// its worker goes back to the front). A submitter is the client's `client` name when the envelope
// gives one, else its routing identity.
//
// Bounded by the jobs it holds (the broker's --max-queue and byte budgets): one entry per queued
// job, one lane per submitter with queued jobs (a lane is dropped when it empties).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace intentq::broker {

class FairQueue {
 public:
  static constexpr size_t kClasses = 3;  // common/envelope.hpp Priority: interactive, normal, bulk

  // Queues job `seq` of `submitter` in class `priority` (0 first); at the front of its lane for a
  // job that lost its worker. Returns the job's position for remove()/take().
  int64_t push(uint64_t seq, size_t priority, const std::string& submitter, bool front);
  // Removes a queued job (it timed out or was answered otherwise). False when it is not queued.
  bool remove(uint64_t seq, size_t priority, const std::string& submitter, int64_t position);
  // Removes the job and passes its submitter's turn: it goes to the end of the round.
  void take(uint64_t seq, size_t priority, const std::string& submitter, int64_t position);

  // Calls fn(seq) for queued jobs in the order of service until fn returns true (stop), at most
  // `limit` jobs and at most `per_lane` of each submitter (a job held back by its own rules lets
  // the ones behind it be looked at, but not the whole queue).
  template <typename Fn>
  void visit(size_t limit, size_t per_lane, Fn&& fn) const {
    for (const auto& level : levels_) {
      for (const auto& [turn, submitter] : level.order) {
        const auto& lane = level.lanes.at(submitter);
        size_t n = 0;
        for (const auto& [pos, seq] : lane.jobs) {
          if (limit == 0) return;
          --limit;
          if (fn(seq)) return;
          if (++n >= per_lane) break;
        }
      }
    }
  }
  size_t size() const { return size_; }
  size_t submitters() const;

 private:
  struct Lane {
    std::set<std::pair<int64_t, uint64_t>> jobs;  // (position, seq)
    uint64_t turn = 0;
  };
  struct Level {
    std::map<std::string, Lane> lanes;
    std::set<std::pair<uint64_t, std::string>> order;  // (turn, submitter)
  };
  std::array<Level, kClasses> levels_;
  uint64_t turn_ = 0;
  int64_t front_ = 0, back_ = 0;
  size_t size_ = 0;
};

}  // namespace intentq::broker
