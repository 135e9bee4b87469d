#include "broker/job_table.hpp"

namespace intentq::broker {

Job& JobTable::add(std::unique_ptr<Job> job) {
  Job& j = *job;
  j.seq = ++next_seq_;
  deadlines_.emplace(j.deadline, j.seq);
  if (deadlines_.size() > 2 * jobs_.size() + 1024) {
    // Finished jobs leave stale heap entries; rebuild from live jobs so the heap stays O(jobs).
    std::vector<Deadline> live;
    live.reserve(jobs_.size() + 1);
    for (auto& [seq, jp] : jobs_) live.emplace_back(jp->deadline, seq);
    live.emplace_back(j.deadline, j.seq);
    deadlines_ = decltype(deadlines_)(std::greater<>(), std::move(live));
  }
  jobs_.emplace(j.seq, std::move(job));
  bytes_ += j.bytes;
  enqueue(j, false);
  return j;
}

void JobTable::enqueue(Job& j, bool front) {
  j.state = JobState::kQueued;
  j.worker = nullptr;
  if (front)
    j.service->queue.push_front(j.seq);
  else
    j.service->queue.push_back(j.seq);
  ++j.service->queued;
  j.service->queued_bytes += j.bytes;
}

Job* JobTable::pop_queued(Service& service) {
  while (service.queued > 0 && !service.queue.empty()) {
    const uint64_t seq = service.queue.front();
    service.queue.pop_front();
    auto it = jobs_.find(seq);
    if (it == jobs_.end() || it->second->state != JobState::kQueued) continue;  // stale entry
    --service.queued;
    service.queued_bytes -= it->second->bytes;
    return it->second.get();
  }
  return nullptr;
}

void JobTable::compact(Service& service) {
  if (service.queue.size() <= 2 * service.queued + 64) return;
  std::deque<uint64_t> live;
  for (auto seq : service.queue) {
    auto it = jobs_.find(seq);
    if (it != jobs_.end() && it->second->state == JobState::kQueued) live.push_back(seq);
  }
  service.queue.swap(live);
}

void JobTable::finish(Job& job) {
  if (job.state == JobState::kQueued) {  // its queue entry becomes stale
    --job.service->queued;
    job.service->queued_bytes -= job.bytes;
  }
  bytes_ -= job.bytes;
  if (job.intentq) {
    auto it = in_flight_.find(job.key);
    if (it != in_flight_.end() && it->second == &job) in_flight_.erase(it);
  }
  jobs_.erase(job.seq);
}

void JobTable::grow(Job& job, size_t bytes) {
  job.bytes += bytes;
  bytes_ += bytes;
  if (job.state == JobState::kQueued) job.service->queued_bytes += bytes;
}

Job* JobTable::in_flight(const std::string& key) {
  auto it = in_flight_.find(key);
  return it == in_flight_.end() ? nullptr : it->second;
}

void JobTable::set_in_flight(Job& job) {
  in_flight_[job.key] = &job;
}

Job* JobTable::pop_due(Clock::time_point now) {
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    const auto [when, seq] = deadlines_.top();
    deadlines_.pop();
    auto it = jobs_.find(seq);
    if (it == jobs_.end()) continue;
    Job& job = *it->second;
    if (job.deadline == when && job.state != JobState::kAnswered) return &job;
  }
  return nullptr;
}

}  // namespace intentq::broker
