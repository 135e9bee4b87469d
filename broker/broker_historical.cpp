// Historical-class services (issue 20): IB's historical pacing enforced per gateway, waiting
// visibly, fair shares and priority. docs/protocol.md §6.11 describes the behaviour.
//
// A service is historical-class once a worker announced "@historical=<service>" (its intent spec's
// pacing class). Its jobs queue in the service's FairQueue (priority class, then round-robin by
// submitter, then arrival) and go to a worker only when the worker's gateway's HistoricalBudget
// admits them (next to the message budget, which still applies). A job whose deadline certainly
// passes before any gateway could take it is answered TIMEOUT at once with the reason and the
// next slot.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include <spdlog/spdlog.h>

#include "broker/broker.hpp"
#include "broker/request_body.hpp"
#include "broker/time_text.hpp"

namespace intentq::broker {
namespace {

// Jobs looked at per dispatch pass, and per submitter: a job held back by its own rules (its
// contract's 2-second window, an identical request) lets others go, without scanning the queue.
constexpr size_t kScanJobs = 256;
constexpr size_t kScanPerSubmitter = 8;

}  // namespace

void Broker::classify(Job& job, const RequestFields& fields, const std::string& client) {
  job.priority = static_cast<uint8_t>(fields.priority);
  if (fields.client) {
    job.submitter = "c:";
    job.submitter += *fields.client;
  } else {
    job.submitter = "r:";
    job.submitter += client;
  }
}

const historical::Request& Broker::hist_request(Job& job) {
  if (!job.hist) {
    // A job accepted before its service was known to be historical: read its (canonical) params.
    std::string_view params;
    try {
      if (job.intentq && !job.body.empty()) params = parse_request(mdp::view(job.body[0])).params;
    } catch (const EnvelopeError&) {
    }
    job.hist = historical::describe(job.service ? job.service->name : std::string(), params);
  }
  return *job.hist;
}

void Broker::register_historical(Worker& worker, const mdp::ReadyInfo& info) {
  for (const auto& name : info.historical) {
    auto it = std::find_if(worker.services.begin(), worker.services.end(),
                           [&](const Service* s) { return s->name == name; });
    if (it == worker.services.end()) continue;  // a service this READY does not list
    // Only intentq services have envelopes (priority, client, params) to schedule by.
    if (!(*it)->intentq) continue;
    jobs_.make_historical(**it);
    worker.historical.push_back(*it);
  }
  if (worker.historical.empty()) return;
  if (worker.gateway.empty() && !info.gateway)
    ++hist_without_gateway_;
  else
    hist_.add_worker(info.gateway ? *info.gateway : worker.gateway);
}

void Broker::unregister_historical(Worker& worker, Clock::time_point now) {
  if (worker.historical.empty()) return;
  if (worker.gateway.empty()) {
    if (hist_without_gateway_ > 0) --hist_without_gateway_;
  } else {
    hist_.remove_worker(worker.gateway, now);
  }
  worker.historical.clear();
}

Broker::HistSlot Broker::certain_slot(Job* job, Clock::time_point now) {
  HistSlot best{Clock::time_point::max(), {}, {}};
  // A worker with no gateway id takes historical jobs unpaced: nothing is certain then.
  if (hist_without_gateway_ > 0) return HistSlot{now, {}, {}};
  std::vector<std::string> gateways;
  hist_.for_each([&](const std::string& id) { gateways.push_back(id); });
  const historical::Request any;  // a request no rule of its own holds back
  for (const auto& id : gateways) {
    if (hist_.view(id, now).workers == 0) continue;
    auto v = job ? hist_.check(id, hist_request(*job), now) : hist_.check(id, any, now, true);
    const auto slot = v.ok ? now : v.slot;
    if (slot < best.slot) best = HistSlot{slot, id, std::move(v.why)};
  }
  if (best.slot == Clock::time_point::max()) return HistSlot{now, {}, {}};  // no gateway yet
  return best;
}

std::string Broker::late_message(const HistSlot& slot, Clock::time_point now) const {
  std::string when = "in " + duration_text(slot.slot - now, /*hours=*/false);
  if (wall_clock_) when = utc_text(wall_clock_(slot.slot)) + " (" + when + ")";
  return "no historical slot before this request's deadline: gateway '" + slot.gateway + "' has " +
         slot.why + "; next slot " + when;
}

void Broker::answer_late(Job& job, const HistSlot& slot, Clock::time_point now) {
  ++counters_.timeouts;
  ++counters_.historical_timeouts;
  reply_error(job, ErrorCode::kTimeout, late_message(slot, now));
  finish_job(job);
}

void Broker::dispatch_historical(Service& service, Clock::time_point now) {
  while (service.queued > 0) {
    // What every job meets: the window and open rules of each gateway. When no idle worker's
    // gateway has room, no job can go and the queue is only swept for jobs that cannot make it.
    bool any_room = false;
    for (const auto& [seq, w] : service.idle) {
      if (w->gateway.empty()) {
        any_room = true;
        break;
      }
      const auto v = hist_.check(w->gateway, historical::Request{}, now, true);
      if (v.ok) {
        any_room = true;
        break;
      }
      if (v.slot > now) budget_wakeup_ = std::min(budget_wakeup_, v.slot);
      service.hist_blocked = "gateway '" + w->gateway + "': " + v.why;
    }
    if (!any_room && !service.idle.empty()) ++counters_.historical_deferrals;
    const HistSlot global = certain_slot(nullptr, now);
    std::vector<Job*> late;
    std::vector<HistSlot> late_slots;
    Job* chosen = nullptr;
    Worker* worker = nullptr;
    service.fair.visit(kScanJobs, kScanPerSubmitter, [&](uint64_t seq) {
      Job* job = jobs_.find(seq);
      if (!job || job->state != JobState::kQueued) return false;
      if (global.slot > job->deadline) {
        late.push_back(job);
        late_slots.push_back(global);
        return false;
      }
      if (!any_room) return false;
      std::string blocked;
      if (Worker* w = pick_worker(service, *job, now, blocked)) {
        chosen = job;
        worker = w;
        return true;
      }
      if (!blocked.empty()) {
        auto slot = certain_slot(job, now);
        if (slot.slot > job->deadline) {
          late.push_back(job);
          late_slots.push_back(std::move(slot));
        }
      }
      return false;
    });
    for (size_t i = 0; i < late.size(); ++i) answer_late(*late[i], late_slots[i], now);
    if (!chosen) break;
    jobs_.take_fair(*chosen);
    if (!send_job(*chosen, *worker, now)) {
      jobs_.enqueue(*chosen, true);
      delete_worker(*worker, false, "unreachable on dispatch", now);
    }
  }
}

}  // namespace intentq::broker
