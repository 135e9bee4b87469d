#include "broker/worker_registry.hpp"

#include <algorithm>

namespace intentq::broker {

Clock::time_point Worker::expiry(int liveness) const {
  const auto window = heartbeat * liveness;
  auto at = last_heard + window;
  if (job) {
    // Stock workers are silent while busy: the job's deadline bounds them instead.
    if (!intentq) at = std::max(at, job->deadline + window);
    // A worker that keeps a timed-out job longer than one liveness window is treated as hung.
    if (job->state == JobState::kAnswered) at = std::min(at, job->deadline + window);
  }
  return at;
}

Worker* WorkerRegistry::find(const std::string& identity) {
  auto it = workers_.find(identity);
  return it == workers_.end() ? nullptr : it->second.get();
}

Service* WorkerRegistry::find_service(std::string_view name) {
  auto it = services_.find(std::string(name));
  return it == services_.end() ? nullptr : it->second.get();
}

const Service* WorkerRegistry::find_service(std::string_view name) const {
  auto it = services_.find(std::string(name));
  return it == services_.end() ? nullptr : it->second.get();
}

Worker& WorkerRegistry::add(std::unique_ptr<Worker> worker,
                            const std::vector<std::string>& services,
                            const std::vector<std::string>& nonretryable) {
  for (const auto& name : services) {
    auto& slot = services_[name];
    if (!slot) {
      slot = std::make_unique<Service>();
      slot->name = name;
    }
    slot->intentq = worker->intentq;
    ++slot->workers;
    slot->empty_since.reset();
    slot->no_worker_since.reset();
    worker->services.push_back(slot.get());
    if (std::find(nonretryable.begin(), nonretryable.end(), name) != nonretryable.end()) {
      ++slot->nonretryable_workers;
      slot->nonretryable = true;
      worker->nonretryable.push_back(slot.get());
    }
  }
  Worker& w = *worker;
  workers_[w.identity] = std::move(worker);
  return w;
}

void WorkerRegistry::retire(Worker& worker) {
  if (worker.retired) return;
  worker.retired = true;
  set_busy(worker);
  for (auto* s : worker.services) --s->workers;
  for (auto* s : worker.nonretryable) s->nonretryable = --s->nonretryable_workers > 0;
  auto it = workers_.find(worker.identity);
  retired_.push_back(std::move(it->second));
  workers_.erase(it);
}

void WorkerRegistry::set_busy(Worker& worker) {
  if (worker.idle_seq == 0) return;
  for (auto* s : worker.services) s->idle.erase({worker.idle_seq, &worker});
  worker.idle_seq = 0;
}

void WorkerRegistry::set_idle(Worker& worker) {
  set_busy(worker);
  worker.idle_seq = ++next_idle_seq_;
  for (auto* s : worker.services) s->idle.emplace(worker.idle_seq, &worker);
}

Worker* WorkerRegistry::idle_worker(Service& service) {
  return service.idle.empty() ? nullptr : service.idle.begin()->second;
}

void WorkerRegistry::sweep_services(Clock::time_point now, Ms linger,
                                    std::vector<std::pair<std::string, Clock::time_point>>* gone) {
  for (auto it = services_.begin(); it != services_.end();) {
    Service& s = *it->second;
    if (s.workers > 0 || s.queued > 0) {
      s.empty_since.reset();
    } else if (!s.empty_since) {
      s.empty_since = now;
    } else if (now - *s.empty_since >= linger) {
      if (gone) gone->emplace_back(s.name, s.no_worker_since.value_or(*s.empty_since));
      it = services_.erase(it);
      continue;
    }
    ++it;
  }
}

std::vector<Worker*> WorkerRegistry::expired(Clock::time_point now, int liveness) {
  std::vector<Worker*> out;
  for (auto& [id, w] : workers_)
    if (now >= w->expiry(liveness)) out.push_back(w.get());
  return out;
}

}  // namespace intentq::broker
