// The broker's gateway services (issue 10): workers' gateway sessions, account routing and
// admission against each gateway's message budget. docs/protocol.md section 6.7 and
// docs/gateway.md "Gateway budget" describe the behaviour.
#include <algorithm>
#include <map>
#include <set>

#include "broker/broker.hpp"

namespace intentq::broker {

uint32_t Worker::cost_of(const Service* s) const {
  for (const auto& [service, cost] : costs)
    if (service == s) return cost;
  return 0;
}

bool Worker::holds(const std::string& account) const {
  return std::binary_search(accounts.begin(), accounts.end(), account);
}

void Broker::register_gateway(Worker& worker, const mdp::ReadyInfo& info) {
  worker.session_up = info.session_up;
  worker.client_id = info.client_id;
  worker.reconnects = info.reconnects;
  worker.session_age_ms = info.session_age_ms.value_or(0);
  worker.accounts = info.accounts;
  std::sort(worker.accounts.begin(), worker.accounts.end());
  for (const auto& [name, cost] : info.costs) {
    auto it = std::find_if(worker.services.begin(), worker.services.end(),
                           [&](const Service* s) { return s->name == name; });
    if (it == worker.services.end()) continue;  // a cost for a service this READY does not list
    worker.costs.emplace_back(*it, cost);
    if (cost > 0) jobs_.make_gateway(**it);  // jobs queued so far move to per-account queues
  }
  // A worker that announces no accounts (a per-job session learns them only inside each job) is
  // offered every account; it answers BAD_REQUEST itself for one its gateway does not manage.
  for (auto* s : worker.services) {
    if (worker.accounts.empty()) ++s->any_account;
    for (const auto& a : worker.accounts) ++s->holders[a];
  }
  if (info.gateway) {
    worker.gateway = *info.gateway;
    // A worker that names its gateway but no budget is held to IB's documented 50/s.
    worker.budget = info.budget.value_or(50);
    budgets_.add_worker(worker.gateway, worker.budget);
  }
}

void Broker::settle_charge(Worker& worker, Clock::time_point now, Clock::time_point settle_at) {
  if (worker.hist_charge) {
    hist_.settle(worker.gateway, worker.hist_charge, settle_at);
    worker.hist_charge = 0;
    // A historical job ended: the open limit has room now, and historical jobs of services this
    // worker does not serve may go. Looked at on the next timer pass.
    budget_wakeup_ = std::min(budget_wakeup_, now);
  }
  if (!worker.charge) return;
  budgets_.settle(worker.gateway, worker.charge, settle_at);
  worker.charge = 0;
  // Jobs blocked only by running charges got no wake-up time (room_at); this one frees its share
  // a second from now.
  budget_wakeup_ = std::min(budget_wakeup_, now + GatewayBudget::kWindow);
}

void Broker::unregister_gateway(Worker& worker, Clock::time_point now,
                                Clock::time_point settle_at) {
  settle_charge(worker, now, settle_at);
  unregister_historical(worker, now);
  if (!worker.gateway.empty()) budgets_.remove_worker(worker.gateway, worker.budget, now);
  const bool grace_over = now >= started_ + config_.startup_grace;
  for (auto* s : worker.services) {
    if (worker.accounts.empty() && s->any_account > 0 && --s->any_account == 0 && s->gateway &&
        grace_over)
      reject_unknown_accounts(*s, nullptr, &worker);
    for (const auto& a : worker.accounts) {
      auto it = s->holders.find(a);
      if (it == s->holders.end()) continue;
      if (--it->second > 0) continue;
      s->holders.erase(it);
      // The last worker holding the account went away: its queued jobs cannot run anywhere.
      if (s->gateway && grace_over && s->any_account == 0) reject_unknown_accounts(*s, &a, &worker);
    }
  }
}

bool Broker::account_known(const Service& service, const std::string& account) const {
  return service.any_account > 0 || service.holders.count(account) != 0;
}

bool Broker::gateway_known(const Service& service, const std::string& gateway) const {
  bool known = false;
  registry_.for_each([&](const Worker& w) {
    if (known || w.gateway != gateway) return;
    known = std::find(w.services.begin(), w.services.end(), &service) != w.services.end() ||
            std::find(w.waiting.begin(), w.waiting.end(), service.name) != w.waiting.end();
  });
  return known;
}

void Broker::reject_unknown_accounts(Service& service, const std::string* only,
                                     const Worker* gone) {
  // No live worker at all: not an account problem. Fail fast (broker_failfast.cpp) answers with
  // the cause, GATEWAY_UNREACHABLE or NO_WORKER, as for requests without an account.
  if (service.workers == 0) return;
  for (auto it = service.by_account.begin(); it != service.by_account.end();) {
    const std::string account(queue_account(it->first));
    if (account.empty() || (only && account != *only) || account_known(service, account)) {
      ++it;
      continue;
    }
    std::deque<uint64_t> seqs;
    seqs.swap(it->second.seqs);
    it = service.by_account.erase(it);
    for (const auto seq : seqs) {
      Job* job = jobs_.find(seq);
      if (!job || job->state != JobState::kQueued) continue;
      // The worker that held it said its session is down just before it left (issue 18).
      if (auto down = gone_gateway_answer(gone, account)) {
        ++counters_.gateway_unreachable;
        reply_error(*job, ErrorCode::kGatewayUnreachable, *down);
        finish_job(*job);
        continue;
      }
      ++counters_.unknown_account;
      reply_error(*job, ErrorCode::kUnknownAccount,
                  "no live worker of '" + service.name + "' holds account '" + account + "'");
      finish_job(*job);  // its account queue is gone already; finish() settles the counts
    }
  }
}

Worker* Broker::pick_worker(Service& service, Job& job, Clock::time_point now,
                            std::string& blocked_on) {
  blocked_on.clear();
  for (const auto& [idle_seq, w] : service.idle) {
    if (job.account && !w->accounts.empty() && !w->holds(*job.account)) continue;
    if (job.gateway && w->gateway != *job.gateway) continue;  // pinned (params.gateway)
    const uint32_t cost = w->cost_of(&service);
    if (cost > 0 && !w->gateway.empty() && !budgets_.can_charge(w->gateway, cost, now)) {
      blocked_on = w->gateway;
      budget_wakeup_ = std::min(budget_wakeup_, budgets_.room_at(w->gateway, cost, now));
      continue;
    }
    if (service.historical && !w->gateway.empty()) {
      const auto verdict = hist_.check(w->gateway, hist_request(job), now);
      if (!verdict.ok) {
        blocked_on = w->gateway;
        service.hist_blocked = "gateway '" + w->gateway + "': " + verdict.why;
        if (verdict.slot > now) budget_wakeup_ = std::min(budget_wakeup_, verdict.slot);
        ++counters_.historical_deferrals;
        continue;
      }
    }
    return w;
  }
  return nullptr;
}

void Broker::dispatch_gateway(Service& service, Clock::time_point now) {
  std::string blocked;
  while (!service.idle.empty() && service.queued > 0) {
    // The oldest job, among the heads of the account queues, that some idle worker may run now.
    Job* best = nullptr;
    Worker* best_worker = nullptr;
    AccountQueue* best_queue = nullptr;
    for (auto it = service.by_account.begin(); it != service.by_account.end();) {
      auto& q = it->second;
      Job* head = jobs_.head(q);
      if (!head) {
        it = service.by_account.erase(it);
        continue;
      }
      if (!best || head->seq < best->seq) {
        if (Worker* w = pick_worker(service, *head, now, blocked)) {
          best = head;
          best_worker = w;
          best_queue = &q;
        } else if (!blocked.empty() && q.blocked_on.empty()) {
          ++counters_.budget_deferrals;
        }
        q.blocked_on = blocked;
      }
      ++it;
    }
    if (!best) break;
    jobs_.take_head(service, *best_queue);
    if (!send_job(*best, *best_worker, now)) {
      jobs_.enqueue(*best, true);
      delete_worker(*best_worker, false, "unreachable on dispatch", now);
    }
  }
  jobs_.compact(service);
}

std::string Broker::queued_reason(const Job& job) const {
  if (job.service->historical && !job.service->hist_blocked.empty())
    return "(waiting for a historical slot of " + job.service->hist_blocked + ")";
  if (job.service->gateway) {
    auto it = job.service->by_account.find(job.queue_key());
    if (it != job.service->by_account.end() && !it->second.blocked_on.empty())
      return "(waiting for the message budget of gateway '" + it->second.blocked_on + "')";
    if (job.account) return "(no free worker holding account '" + *job.account + "')";
    if (job.gateway) return "(no free worker of gateway '" + *job.gateway + "')";
  }
  return "(no free worker)";
}

std::vector<GatewayStats> Broker::gateway_stats(Clock::time_point now) const {
  std::map<std::string, GatewayStats> by_id;
  budgets_.for_each(now, [&](const std::string& id, const GatewayBudget::View& v) {
    by_id.emplace(id, GatewayStats{.id = id, .view = v});
  });
  registry_.for_each_service([&](const Service& s) {
    if (!s.gateway) return;
    for (const auto& [account, q] : s.by_account) {
      if (q.blocked_on.empty() || q.queued == 0) continue;
      auto it = by_id.find(q.blocked_on);
      if (it != by_id.end()) it->second.waiting += q.queued;
    }
  });
  // Historical pacing: each gateway a historical worker names, with the queued jobs of the
  // historical services its workers serve (any of them may go to it).
  std::set<std::pair<std::string, const Service*>> serves;
  registry_.for_each([&](const Worker& w) {
    if (w.gateway.empty()) return;
    for (const auto* s : w.historical) serves.emplace(w.gateway, s);
  });
  hist_.for_each([&](const std::string& id) {
    auto& g = by_id.try_emplace(id, GatewayStats{.id = id}).first->second;
    g.historical = true;
    g.hist = hist_.view(id, now);
    g.hist_limit = hist_.config().requests;
    g.hist_window_ms = static_cast<uint64_t>(hist_.window().count());
    g.hist_open_limit = hist_.config().open;
    g.hist_next_slot_ms =
        g.hist.next_slot > now
            ? static_cast<uint64_t>(std::chrono::duration_cast<Ms>(g.hist.next_slot - now).count())
            : 0;
  });
  for (const auto& [id, s] : serves) {
    auto it = by_id.find(id);
    if (it != by_id.end()) it->second.hist_queued += s->queued;
  }
  std::vector<GatewayStats> out;
  out.reserve(by_id.size());
  for (auto& [id, g] : by_id) out.push_back(std::move(g));
  return out;
}

}  // namespace intentq::broker
