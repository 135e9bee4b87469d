// Every accepted job not yet finished, by sequence number, with the indexes the broker needs:
// in-flight intentq jobs by key (service + id) so a second submitter attaches instead of running
// twice, a min-heap of deadlines with lazy deletion (O(log n) per job), and each service's FIFO
// of queued job numbers (also lazy: finished jobs leave stale entries, compacted when they pile
// up). Bounded by the broker's admission checks, not here.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "broker/entities.hpp"

namespace intentq::broker {

class JobTable {
 public:
  // Numbers a new job, indexes its deadline and queues it at the back of its service.
  Job& add(std::unique_ptr<Job> job);
  // (Re)queues a job, at the front for one that lost its worker.
  void enqueue(Job& job, bool front);
  // Takes the next live job out of `service`'s queue (state still kQueued), or nullptr.
  Job* pop_queued(Service& service);
  // Gateway services queue per account (Service::by_account): the live head of one account
  // queue (stale entries dropped), or nullptr; take_head() takes it out like pop_queued().
  Job* head(AccountQueue& queue);
  void take_head(Service& service, AccountQueue& queue);
  // Moves a service's plain queue into per-account queues (it just became a gateway service).
  void make_gateway(Service& service);
  // Historical-class services (issue 20) queue in Service::fair: make_historical() moves the
  // service's queued jobs there (it becomes a gateway service too); take_fair() takes a queued
  // job out for dispatch (its submitter's turn passes).
  void make_historical(Service& service);
  void take_fair(Job& job);
  Job* find(uint64_t seq);
  // Drops stale queue entries once they outnumber the live ones.
  void compact(Service& service);
  // Charges `bytes` more to a job (an attached submitter).
  void grow(Job& job, size_t bytes);
  // Removes a job from every index and frees it.
  void finish(Job& job);

  Job* in_flight(const std::string& key);
  void set_in_flight(Job& job);
  void set_in_flight(const std::string& key, Job& job);          // a rider's key
  void clear_in_flight(const std::string& key, const Job& job);  // only if it points at job
  // Whether some in-flight key (any service) carries this job id: mmi.cancel looks further only
  // then, so a cancel for an id nobody uses costs one hash lookup.
  bool id_in_flight(std::string_view id) const;
  // Moves a job's deadline later (a rider that waits longer joined it).
  void extend_deadline(Job& job, Clock::time_point deadline);

  // The next job whose deadline passed by `now` and that is not answered yet, or nullptr.
  Job* pop_due(Clock::time_point now);
  bool has_deadlines() const { return !deadlines_.empty(); }
  Clock::time_point next_deadline() const { return deadlines_.top().first; }
  // Riders' own deadlines (and a shared job's first submitter's), lazily deleted like the jobs'.
  void add_rider_deadline(Clock::time_point when, const Job& job, const std::string& key);
  // The next due (job, key, deadline) whose job is still unanswered; false when none is due.
  bool pop_due_rider(Clock::time_point now, Job*& job, std::string& key, Clock::time_point& when);
  bool has_rider_deadlines() const { return !riders_.empty(); }
  Clock::time_point next_rider_deadline() const { return std::get<0>(riders_.top()); }

  size_t size() const { return jobs_.size(); }
  size_t bytes() const { return bytes_; }  // request bytes of all unfinished jobs
  uint64_t last_seq() const { return next_seq_; }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& [seq, job] : jobs_) fn(*job);
  }

 private:
  std::unordered_map<uint64_t, std::unique_ptr<Job>> jobs_;
  std::unordered_map<std::string, Job*> in_flight_;     // by key, intentq jobs only
  std::unordered_map<std::string, size_t> ids_;         // job id -> in_flight_ keys carrying it
  static std::string_view id_of(std::string_view key);  // the id part of "service\0id"
  using Deadline = std::pair<Clock::time_point, uint64_t>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  using RiderDeadline = std::tuple<Clock::time_point, uint64_t, std::string>;
  std::priority_queue<RiderDeadline, std::vector<RiderDeadline>, std::greater<>> riders_;
  size_t riders_live_ = 0;  // live entries at the last rebuild (amortises the next one)
  uint64_t next_seq_ = 0;
  size_t bytes_ = 0;
};

}  // namespace intentq::broker
