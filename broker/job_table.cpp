#include "broker/job_table.hpp"

#include <algorithm>

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
  if (j.service->historical) {
    j.fair_position = j.service->fair.push(j.seq, j.priority, j.submitter, front);
  } else if (j.service->gateway) {
    auto& q = j.service->by_account[j.queue_key()];
    if (front)
      q.seqs.push_front(j.seq);
    else
      q.seqs.push_back(j.seq);
    ++q.queued;
  } else if (front)
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

Job* JobTable::head(AccountQueue& q) {
  while (!q.seqs.empty()) {
    auto it = jobs_.find(q.seqs.front());
    if (it != jobs_.end() && it->second->state == JobState::kQueued) return it->second.get();
    q.seqs.pop_front();  // stale entry
  }
  return nullptr;
}

void JobTable::take_head(Service& service, AccountQueue& q) {
  Job& job = *jobs_.at(q.seqs.front());
  q.seqs.pop_front();
  --q.queued;
  --service.queued;
  service.queued_bytes -= job.bytes;
}

void JobTable::take_fair(Job& job) {
  Service& service = *job.service;
  service.fair.take(job.seq, job.priority, job.submitter, job.fair_position);
  --service.queued;
  service.queued_bytes -= job.bytes;
}

void JobTable::make_historical(Service& service) {
  if (service.historical) return;
  // Its queued jobs move into the fair queue in the order they were accepted.
  std::vector<Job*> queued;
  for (auto& [seq, job] : jobs_)
    if (job->service == &service && job->state == JobState::kQueued) queued.push_back(job.get());
  std::sort(queued.begin(), queued.end(), [](Job* a, Job* b) { return a->seq < b->seq; });
  service.queue.clear();
  service.by_account.clear();
  service.queued = 0;
  service.queued_bytes = 0;
  service.gateway = true;
  service.historical = true;
  for (auto* job : queued) enqueue(*job, false);
}

void JobTable::make_gateway(Service& service) {
  if (service.gateway) return;
  service.gateway = true;
  std::deque<uint64_t> old;
  old.swap(service.queue);
  service.queued = 0;
  service.queued_bytes = 0;
  for (const auto seq : old) {
    auto it = jobs_.find(seq);
    if (it != jobs_.end() && it->second->state == JobState::kQueued) enqueue(*it->second, false);
  }
}

Job* JobTable::find(uint64_t seq) {
  auto it = jobs_.find(seq);
  return it == jobs_.end() ? nullptr : it->second.get();
}

void JobTable::compact(Service& service) {
  if (service.historical) return;  // the fair queue removes jobs at once
  if (service.gateway) {
    for (auto& [account, q] : service.by_account) {
      if (q.seqs.size() <= 2 * q.queued + 64) continue;
      std::deque<uint64_t> live;
      for (const auto seq : q.seqs) {
        auto it = jobs_.find(seq);
        if (it != jobs_.end() && it->second->state == JobState::kQueued) live.push_back(seq);
      }
      q.seqs.swap(live);
    }
    return;
  }
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
    if (job.service->historical) {
      job.service->fair.remove(job.seq, job.priority, job.submitter, job.fair_position);
    } else if (job.service->gateway) {
      auto it = job.service->by_account.find(job.queue_key());
      if (it != job.service->by_account.end() && it->second.queued > 0) --it->second.queued;
    }
  }
  bytes_ -= job.bytes;
  if (job.intentq) clear_in_flight(job.key, job);
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
  set_in_flight(job.key, job);
}

void JobTable::set_in_flight(const std::string& key, Job& job) {
  auto [it, added] = in_flight_.try_emplace(key, &job);
  if (!added) {
    it->second = &job;
    return;
  }
  ++ids_[std::string(id_of(key))];
}

void JobTable::clear_in_flight(const std::string& key, const Job& job) {
  auto it = in_flight_.find(key);
  if (it == in_flight_.end() || it->second != &job) return;
  in_flight_.erase(it);
  auto id = ids_.find(std::string(id_of(key)));
  if (id != ids_.end() && --id->second == 0) ids_.erase(id);
}

bool JobTable::id_in_flight(std::string_view id) const {
  return ids_.find(std::string(id)) != ids_.end();
}

std::string_view JobTable::id_of(std::string_view key) {
  const auto zero = key.find('\0');
  return zero == std::string_view::npos ? key : key.substr(zero + 1);
}

void JobTable::extend_deadline(Job& job, Clock::time_point deadline) {
  if (deadline <= job.deadline) return;
  job.deadline = deadline;
  deadlines_.emplace(deadline, job.seq);
}

void JobTable::add_rider_deadline(Clock::time_point when, const Job& job, const std::string& key) {
  riders_.emplace(when, job.seq, key);
  if (riders_.size() <= 2 * riders_live_ + 1024) return;
  // Finished jobs leave stale entries; rebuild from live riders so the heap stays O(riders).
  std::vector<RiderDeadline> live;
  for (auto& [seq, j] : jobs_) {
    if (j->riders.empty()) continue;
    if (!j->own_answered) live.emplace_back(j->own_deadline, seq, j->key);
    for (const auto& r : j->riders) live.emplace_back(r.deadline, seq, r.key);
  }
  riders_live_ = live.size();
  riders_ = decltype(riders_)(std::greater<>(), std::move(live));
}

bool JobTable::pop_due_rider(Clock::time_point now, Job*& job, std::string& key,
                             Clock::time_point& when) {
  while (!riders_.empty() && std::get<0>(riders_.top()) <= now) {
    auto top = riders_.top();
    riders_.pop();
    auto it = jobs_.find(std::get<1>(top));
    if (it == jobs_.end() || it->second->state == JobState::kAnswered) continue;
    job = it->second.get();
    when = std::get<0>(top);
    key = std::move(std::get<2>(top));
    return true;
  }
  return false;
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
