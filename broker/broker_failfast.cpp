// Fail fast with the cause (issue 18): requests for a service that no live worker serves are
// answered at once with what the broker knows instead of waiting for their deadline.
// docs/protocol.md section 6.1 (steps 1 and 5a) and section 3 (`@waiting=`) describe it.
//
// - Workers whose gateway session is down register their other intents and list the gateway
//   ones as "@waiting=", with the last connect error and how long the session has been down
//   (updated on HEARTBEATs between READYs). A service with no live worker but waiting workers is
//   answered GATEWAY_UNREACHABLE, naming each gateway, its error and for how long.
// - A service whose last worker left is answered NO_WORKER once --no-worker-grace-ms passed
//   (queued jobs at that moment, new requests at once), naming when it was last served.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include <spdlog/spdlog.h>

#include "broker/broker.hpp"
#include "broker/time_text.hpp"

namespace intentq::broker {
namespace {

constexpr Ms kMaxDown = std::chrono::hours(24 * 366);

}  // namespace

std::optional<std::string> Broker::unreachable_message(std::string_view service,
                                                       Clock::time_point now,
                                                       const std::string* only_gateway) const {
  if (waiting_.find(std::string(service)) == waiting_.end()) return std::nullopt;
  struct Gateway {
    size_t workers = 0;
    Clock::time_point down_since = Clock::time_point::max();
    Clock::time_point error_at{};
    std::string error;
  };
  std::map<std::string, Gateway> by_gateway;
  registry_.for_each([&](const Worker& w) {
    if (std::find(w.waiting.begin(), w.waiting.end(), service) == w.waiting.end()) return;
    if (only_gateway && w.gateway != *only_gateway) return;
    auto& g = by_gateway[w.gateway.empty() ? std::string("(unnamed)") : w.gateway];
    ++g.workers;
    if (w.down_since) g.down_since = std::min(g.down_since, *w.down_since);
    if (!w.session_error.empty() && (g.error.empty() || w.error_at >= g.error_at)) {
      g.error = w.session_error;
      g.error_at = w.error_at;
    }
  });
  if (by_gateway.empty()) return std::nullopt;
  std::string out;
  for (const auto& [id, g] : by_gateway) {
    if (!out.empty()) out += "; ";
    out += "gateway " + id + " unreachable";
    if (g.down_since != Clock::time_point::max())
      out += " for " + duration_text(now - g.down_since);
    out += ": " + (g.error.empty() ? std::string("no connect error reported") : g.error);
    out += "; " + std::to_string(g.workers) + (g.workers == 1 ? " worker" : " workers") +
           " waiting for it";
  }
  return out;
}

std::string Broker::no_worker_message(std::string_view service, Clock::time_point since,
                                      Clock::time_point now) const {
  std::string out = "no worker has served '" + std::string(service) + "' ";
  if (wall_clock_)
    out += "since " + utc_text(wall_clock_(since)) + " (" + duration_text(now - since) + ")";
  else
    out += "for " + duration_text(now - since);
  return out + "; start a worker for it, or check why its workers left";
}

std::optional<std::pair<ErrorCode, std::string>> Broker::no_worker_answer(
    std::string_view service, const Service* s, Clock::time_point now) const {
  if (s && s->workers > 0) return std::nullopt;
  if (auto unreachable = unreachable_message(service, now))
    return std::make_pair(ErrorCode::kGatewayUnreachable, *unreachable);
  if (config_.no_worker_grace.count() <= 0) return std::nullopt;
  std::optional<Clock::time_point> since;
  if (s) {
    since = s->no_worker_since;
  } else if (auto it = gone_services_.find(service); it != gone_services_.end()) {
    since = it->second;
  }
  if (!since || now < *since + config_.no_worker_grace) return std::nullopt;
  return std::make_pair(ErrorCode::kNoWorker, no_worker_message(service, *since, now));
}

std::optional<std::pair<ErrorCode, std::string>> Broker::unknown_account_answer(
    std::string_view service, const std::string& account, Clock::time_point now) const {
  for (const auto& [gateway, accounts] : last_accounts_) {
    if (!std::binary_search(accounts.begin(), accounts.end(), account)) continue;
    if (auto unreachable = unreachable_message(service, now, &gateway))
      return std::make_pair(ErrorCode::kGatewayUnreachable,
                            *unreachable + " (it manages account '" + account + "')");
  }
  if (auto unreachable = unreachable_message(service, now))
    return std::make_pair(ErrorCode::kUnknownAccount, "no live worker of '" + std::string(service) +
                                                          "' holds account '" + account + "' (" +
                                                          *unreachable + ")");
  return std::nullopt;
}

std::optional<std::string> Broker::gone_gateway_answer(const Worker* gone,
                                                       const std::string& account) const {
  if (!gone || gone->gateway.empty() || gone->session_up.value_or(true) ||
      gone->session_error.empty())
    return std::nullopt;
  return "gateway " + gone->gateway + " unreachable: " + gone->session_error + "; its worker " +
         gone->name + " is registering again without it (it manages account '" + account + "')";
}

void Broker::remember_accounts(const Worker& worker, const mdp::ReadyInfo& info) {
  if (worker.gateway.empty() || !info.session_up.value_or(false) || info.accounts.empty()) return;
  if (!last_accounts_.count(worker.gateway) && last_accounts_.size() >= config_.max_services)
    last_accounts_.erase(last_accounts_.begin());  // bounded; an arbitrary old gateway goes
  auto& accounts = last_accounts_[worker.gateway];
  accounts = info.accounts;
  std::sort(accounts.begin(), accounts.end());
}

void Broker::answer_queued(Service& service, ErrorCode code, const std::string& message) {
  std::vector<uint64_t> seqs(service.queue.begin(), service.queue.end());
  for (const auto& [account, q] : service.by_account)
    seqs.insert(seqs.end(), q.seqs.begin(), q.seqs.end());
  size_t answered = 0;
  for (const auto seq : seqs) {
    Job* job = jobs_.find(seq);
    if (!job || job->state != JobState::kQueued || job->service != &service) continue;
    if (code == ErrorCode::kNoWorker) ++counters_.no_worker;
    if (code == ErrorCode::kGatewayUnreachable) ++counters_.gateway_unreachable;
    reply_error(*job, code, message);
    finish_job(*job);
    ++answered;
  }
  jobs_.compact(service);
  if (answered)
    spdlog::info("answered {} queued job(s) of '{}' {}: {}", answered, service.name,
                 to_string(code), message);
}

void Broker::check_workerless(Service& service, Clock::time_point now) {
  if (service.workers > 0) return;
  if (!service.no_worker_since) service.no_worker_since = now;
  if (service.queued > 0) {
    if (auto answer = no_worker_answer(service.name, &service, now)) {
      answer_queued(service, answer->first, answer->second);
      return;
    }
  }
  // Past the grace nothing is queued any more (new requests are answered on arrival).
  const auto grace_end = *service.no_worker_since + config_.no_worker_grace;
  if (config_.no_worker_grace.count() > 0 && now < grace_end)
    no_worker_wakeup_ = std::min(no_worker_wakeup_, grace_end);
}

void Broker::worker_disconnected(Worker& worker, Clock::time_point now) {
  // An intentq worker sends DISCONNECT only between jobs (to re-register after its gateway
  // session went up or down, or to stop; docs/protocol.md section 2.2), so a job the broker
  // handed it meanwhile crossed the DISCONNECT and never ran there. Under persistent sessions
  // that flap this is frequent: counting it as the job's one retry would answer WORKER_LOST for a
  // job no worker ever ran. Non-retryable intents keep the strict rule (WORKER_LOST).
  Job* job = worker.job;
  Service* requeued_to = nullptr;
  if (worker.intentq && job && job->state != JobState::kAnswered && !job->service->nonretryable &&
      now < job->deadline) {
    worker.job = nullptr;
    ++counters_.requeued;
    jobs_.enqueue(*job, true);
    requeued_to = job->service;
  }
  delete_worker(worker, false, "disconnected", now);
  if (requeued_to) dispatch(*requeued_to, now);
}

void Broker::add_waiting(Worker& worker, const std::vector<std::string>& names) {
  worker.waiting = names;
  for (const auto& n : names) ++waiting_[n];
}

void Broker::remove_waiting(const Worker& worker) {
  for (const auto& n : worker.waiting) {
    auto it = waiting_.find(n);
    if (it != waiting_.end() && --it->second == 0) waiting_.erase(it);
  }
}

void Broker::remember_gone_services(Clock::time_point now) {
  std::vector<std::pair<std::string, Clock::time_point>> gone;
  registry_.sweep_services(now, config_.service_linger, &gone);
  for (auto& [name, since] : gone) {
    if (gone_services_.size() >= config_.max_services) {
      // Bounded: the service that left longest ago is forgotten for good.
      auto oldest = std::min_element(gone_services_.begin(), gone_services_.end(),
                                     [](auto& a, auto& b) { return a.second < b.second; });
      gone_services_.erase(oldest);
    }
    gone_services_[name] = since;
  }
}

void Broker::handle_session_update(Worker& worker, Frames& frames, Clock::time_point now) {
  // A HEARTBEAT still counts as one; a malformed update is only ignored.
  const auto update = read_worker_info(mdp::parse_session_update, frames,
                                       "ignoring a worker's session update", now);
  if (update) apply_session(worker, *update, now);
}

void Broker::apply_session(Worker& worker, const mdp::ReadyInfo& info, Clock::time_point now) {
  if (info.session_up) worker.session_up = info.session_up;
  if (info.session_error) {
    worker.session_error = printable_error(*info.session_error);
    worker.error_at = now;
  }
  // Clamped so that the arithmetic stays safe whatever a worker announces.
  if (info.session_down_ms) worker.down_since = now - std::min(Ms(*info.session_down_ms), kMaxDown);
  if (info.session_up.value_or(false)) {
    worker.down_since.reset();
    worker.session_error.clear();
  }
}

std::string Broker::printable_error(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, mdp::kMaxSessionErrorBytes))
    out += (c >= ' ' && c <= '~') ? c : '?';
  return out;
}

}  // namespace intentq::broker
