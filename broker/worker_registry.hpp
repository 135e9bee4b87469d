// The workers the broker knows, by routing id, and the services they serve, by name: each
// service's idle workers in least-recently-used order and its live worker count.
//
// Ownership: a removed worker is "retired": out of every table at once, but its memory lives on
// until end_event(), which the broker calls when the message or timer tick that removed it has
// been handled. Code up the stack (walking the worker's services after a dispatch, walking a
// list of expired workers) may still hold it; it only has to check `retired`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/entities.hpp"

namespace intentq::broker {

class WorkerRegistry {
 public:
  Worker* find(const std::string& identity);
  Service* find_service(std::string_view name);
  const Service* find_service(std::string_view name) const;

  // Registers a worker for `services` (created as needed), busy until set_idle(). Those of
  // `nonretryable` it serves become non-retryable while it lives.
  Worker& add(std::unique_ptr<Worker> worker, const std::vector<std::string>& services,
              const std::vector<std::string>& nonretryable);
  // Takes the worker out of every table and recomputes its services' attributes without it; it
  // stays valid memory until end_event().
  void retire(Worker& worker);
  void end_event() { retired_.clear(); }

  void set_idle(Worker& worker);  // last in its services' LRU order
  void set_busy(Worker& worker);
  Worker* idle_worker(Service& service);  // least recently used idle worker, or nullptr

  // Forgets services that had no worker and no queued job for `linger`, adding (name, when its
  // last worker left) of each to `gone`. Call between events (jobs and workers hold Service
  // pointers; empty services have neither).
  void sweep_services(Clock::time_point now, Ms linger,
                      std::vector<std::pair<std::string, Clock::time_point>>* gone = nullptr);

  // Workers whose silence outlasted `liveness` heartbeats by `now`.
  std::vector<Worker*> expired(Clock::time_point now, int liveness);

  size_t size() const { return workers_.size(); }
  size_t service_count() const { return services_.size(); }
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& [id, w] : workers_) fn(*w);
  }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (auto& [id, w] : workers_) fn(static_cast<const Worker&>(*w));
  }
  template <typename Fn>
  void for_each_service(Fn&& fn) {
    for (auto& [name, s] : services_) fn(*s);
  }
  template <typename Fn>
  void for_each_service(Fn&& fn) const {
    for (auto& [name, s] : services_) fn(static_cast<const Service&>(*s));
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<Service>> services_;
  std::unordered_map<std::string, std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Worker>> retired_;  // removed during the current event
  uint64_t next_idle_seq_ = 0;
};

}  // namespace intentq::broker
