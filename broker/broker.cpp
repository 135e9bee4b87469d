#include "broker/broker.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include <spdlog/spdlog.h>

#include "broker/canonical_params.hpp"
#include "broker/request_body.hpp"
#include "broker/service_name.hpp"
#include "broker/shared_reply.hpp"
#include "broker/time_text.hpp"
#include "common/envelope.hpp"
#include "common/logging.hpp"
#include "common/strings.hpp"

namespace intentq::broker {
namespace {

using mdp::frame;
using mdp::share;
using mdp::view;

// A debug line about one job: json logs carry job_id, intent and worker (the name the worker
// announced, host:pid, as in its own logs and replies). Costs nothing above debug level.
template <typename... Args>
void log_job(const Job& job, const Worker* worker, spdlog::format_string_t<Args...> fmt,
             Args&&... args) {
  if (!spdlog::default_logger_raw()->should_log(spdlog::level::debug)) return;
  LogJobScope scope(job.id, job.service ? job.service->name : std::string(),
                    worker ? worker->name : std::string());
  spdlog::debug(fmt, std::forward<Args>(args)...);
}

// A worker that announced no "@name=": its routing id in hex.
std::string hex_name(std::string_view identity) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex = "0x";
  for (unsigned char c : identity) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

// A stalled worker that resumes may send a request its deadline timer has not stopped yet.
constexpr Ms kStalledWorkerMargin{1000};
constexpr size_t kMaxServiceName = 255;
constexpr size_t kMaxServicesPerWorker = 256;
// Deadlines beyond a day are clamped: no job should sit longer, and time arithmetic stays safe.
constexpr uint64_t kMaxDeadlineMs = 24ull * 3600 * 1000;
// What a reply envelope adds around an echoed request body (id, intent, worker, timings, error
// text): a request bigger than the frame limit minus this could never be answered in one frame.
constexpr int64_t kReplyOverhead = 16 * 1024;
// Request frames below this are copied out of libzmq's receive buffer when a job keeps them
// (a received message can pin that whole 8 KiB buffer).
constexpr size_t kCopyBelow = 8192;
// Bytes charged per job and per attached submitter on top of the request bytes, so the byte
// budgets also bound many tiny jobs (the Job record, its routing ids, index entries).
constexpr size_t kJobOverhead = 512;
constexpr size_t kSubmitterOverhead = 64;

zmq::message_t keep(zmq::message_t& m) {
  if (m.size() >= kCopyBelow) return std::move(m);
  return zmq::message_t(m.data(), m.size());
}

// The id of an intentq request, if its body parses; "" otherwise.
std::string request_id(const Frames& frames) {
  if (frames.size() != 5) return {};
  try {
    if (auto f = parse_request(view(frames[4])); f.id) return std::string(*f.id);
  } catch (const EnvelopeError&) {
    return readable_id(view(frames[4]));  // refused for another field: still tell its id
  }
  return {};
}

// The "client address" a worker gets for a job: the job's sequence number, 8 bytes. The broker
// does not need it to route (it knows which job each worker holds) but checks it to recognise
// replies that belong to an earlier job.
std::string job_token(uint64_t seq) {
  std::string t(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) t[i] = static_cast<char>(seq & 0xff);
  return t;
}

std::string job_key(std::string_view service, std::string_view id) {
  std::string key;
  key.reserve(service.size() + 1 + id.size());
  key.append(service);
  key.push_back('\0');
  key.append(id);
  return key;
}

}  // namespace

// Ends every public entry point, also when it returns early or throws: frees the workers retired
// during the event once nothing up the stack can hold them.
struct Broker::EventScope {
  Broker& broker;
  explicit EventScope(Broker& b) : broker(b) {}
  ~EventScope() { broker.registry_.end_event(); }
  EventScope(const EventScope&) = delete;
  EventScope& operator=(const EventScope&) = delete;
};

Broker::Broker(Config config, Outbox& outbox, Clock::time_point now)
    : config_(std::move(config)),
      outbox_(outbox),
      started_(now),
      next_tick_(now),
      dedup_(config_.dedup_ttl, config_.dedup_max_entries, config_.dedup_max_bytes),
      hist_(config_.historical),
      reuse_(config_.reuse_max_bytes, config_.reuse_ttl),
      stats_rate_(config_.stats_per_second) {
  if (config_.heartbeat.count() <= 0) config_.heartbeat = Ms(1000);
  if (config_.liveness <= 0) config_.liveness = 3;
}

Broker::~Broker() = default;

// ---------------------------------------------------------------------------------------------
// Frontend

void Broker::on_client_message(Frames& frames, Clock::time_point now, std::string_view curve_key) {
  if (frames.empty()) return;
  EventScope scope(*this);
  ++counters_.requests;
  std::string client(view(frames[0]));
  // Who may cancel what this message submits (mmi.cancel): its CURVE key when there is one.
  owner_ = curve_key.empty() ? client : "key:" + std::string(curve_key);
  try {
    if (frames.size() < 4 || frames[1].size() != 0 || view(frames[2]) != mdp::kClient) {
      const auto service = frames.size() >= 4 ? view(frames[3]) : std::string_view();
      std::string why = frames.size() < 4       ? "expected frames \"\", \"MDPC01\", service, body"
                        : frames[1].size() != 0 ? "the first frame must be empty"
                                                : "the protocol frame must be \"MDPC01\"";
      warn_limited("bad client message: " + why, now);
      reject(client, service.substr(0, kMaxServiceName), "", ErrorCode::kBadRequest,
             "malformed MDP client message: " + why, false);
      return;
    }
    const std::string service_name(view(frames[3]));
    if (service_name.compare(0, mdp::kMmiPrefix.size(), mdp::kMmiPrefix) == 0 &&
        service_name.size() <= kMaxServiceNameBytes) {
      handle_mmi(client, service_name, frames, now);
      return;
    }
    if (auto problem = service_name_problem(service_name)) {
      // Not published: no subscriber may receive a topic made from a name like this.
      reject(client, service_name.substr(0, kMaxServiceName), request_id(frames),
             ErrorCode::kBadRequest, "invalid service name: " + *problem, false);
      return;
    }
    handle_request(std::move(client), service_name, frames, now);
  } catch (const std::exception& e) {
    // Nothing a client sends may stop the broker; this is a bug if it ever fires.
    spdlog::error("internal error handling a client message: {}", e.what());
  }
}

void Broker::handle_mmi(const std::string& client, std::string_view service, Frames& frames,
                        Clock::time_point now) {
  Frames body;
  if (service == "mmi.service") {
    bool present = false;
    if (frames.size() >= 5) {
      const auto* s = registry_.find_service(view(frames[4]));
      present = s && s->workers > 0;
    }
    body.push_back(frame(present ? "200" : "404"));
  } else if (service == mdp::kMmiCancel) {
    handle_cancel(client, frames, now);  // answers the canceller itself
    return;
  } else if (service == "mmi.stats") {
    // Over the rate, the latest body goes out again: libzmq shares one buffer between all its
    // copies, so a client asking thousands of times pins one body, not thousands.
    if (stats_rate_.allow(client, now) || stats_cache_.size() == 0) {
      stats_cache_ = frame(stats_body(now));
    } else {
      ++counters_.stats_repeated;
    }
    body.emplace_back();
    body.back().copy(stats_cache_);
  } else {
    body.push_back(frame("501"));
  }
  send_client(client, service, std::move(body));
}

std::string Broker::known_services() const {
  // Bounded: a broker may serve many services; the first ones by name are enough to spot a typo.
  constexpr size_t kMaxNames = 40;
  std::vector<std::string_view> live;
  registry_.for_each_service([&](const Service& s) {
    if (s.workers > 0) live.push_back(s.name);
  });
  if (live.empty()) return "no worker is registered at all";
  std::sort(live.begin(), live.end());
  std::string names;
  for (size_t i = 0; i < live.size() && i < kMaxNames; ++i)
    names += std::string(i ? ", " : "") + std::string(live[i]);
  if (live.size() > kMaxNames) names += " and " + std::to_string(live.size() - kMaxNames) + " more";
  return "the broker knows: " + names;
}

void Broker::handle_request(std::string client, std::string_view service_name, Frames& frames,
                            Clock::time_point now) {
  Service* service = registry_.find_service(service_name);
  // Not held when workers wait for their gateway to serve it: that is answered at once (below).
  if (!service && !draining_ && now < started_ + config_.startup_grace &&
      !waiting_.count(std::string(service_name)) && held_.size() < config_.max_queue &&
      held_bytes_ + frames_bytes(frames) + kJobOverhead <= config_.max_held_bytes) {
    hold_request(std::move(client), frames);
    return;
  }
  if (!service) {
    // Workers wait for their gateway to serve it, or it was served once and forgotten since.
    if (auto answer = no_worker_answer(service_name, nullptr, now)) {
      reject(client, service_name, request_id(frames), answer->first, answer->second,
             frames.size() == 5);
      return;
    }
    // No worker ever registered this service: answer at once rather than queueing forever.
    // The name is valid (checked above), so its error topic cannot reach another service's
    // subscribers.
    reject(
        client, service_name, request_id(frames), ErrorCode::kUnknownIntent,
        "no worker has registered service '" + std::string(service_name) + "'; " + known_services(),
        true);
    return;
  }
  if (service->intentq)
    handle_intentq_request(std::move(client), *service, frames, now);
  else
    handle_opaque_request(std::move(client), *service, frames, now);
}

void Broker::handle_intentq_request(std::string client, Service& service, Frames& frames,
                                    Clock::time_point now) {
  if (frames.size() != 5) {
    reject(client, service.name, "", ErrorCode::kBadRequest,
           "a request carries exactly one body frame (a msgpack map), got " +
               std::to_string(frames.size() - 4),
           true);
    return;
  }
  if (static_cast<int64_t>(frames[4].size()) > config_.max_message_bytes - kReplyOverhead) {
    reject(client, service.name, request_id(frames), ErrorCode::kBadRequest,
           "request body of " + std::to_string(frames[4].size()) + " bytes is over the limit of " +
               std::to_string(config_.max_message_bytes - kReplyOverhead) +
               " bytes (the broker's --max-message-bytes minus " + std::to_string(kReplyOverhead) +
               " for the reply envelope)",
           true);
    return;
  }
  RequestFields fields;
  try {
    fields = parse_request(view(frames[4]));
  } catch (const EnvelopeError& e) {
    // The id, when it can be read, so the submitter can match the refusal to its request.
    reject(client, service.name, request_id(frames), ErrorCode::kBadRequest,
           std::string("invalid request envelope: ") + e.what(), true);
    return;
  }
  std::string id = fields.id ? std::string(*fields.id) : ids_.next();
  std::string key = job_key(service.name, id);

  if (fields.id) {
    Clock::time_point submitted;
    if (auto* cached = dedup_.find(key, now, &submitted)) {
      ++counters_.dedup_hits;
      if (fields.reply) {
        // Marked, so a resubmission with other params sees that this is the first one's answer.
        Frames body;
        const auto age = std::chrono::duration_cast<Ms>(now - submitted).count();
        try {
          body.push_back(frame(mark_dedup(view(*cached), static_cast<uint64_t>(age))));
        } catch (const EnvelopeError&) {
          body.push_back(share(*cached));  // not a map: passed on as it is
        }
        send_client(client, service.name, std::move(body));
      }
      return;
    }
    if (Job* attached = jobs_.in_flight(key)) {
      Job& job = *attached;
      if (job.state == JobState::kAnswered) {
        reject(client, service.name, id, ErrorCode::kBusy,
               "job '" + id +
                   "' passed its deadline but its worker has not finished it yet; "
                   "retry later with the same id",
               true);
      } else if (job.submitters.size() >= config_.max_attached) {
        reject(client, service.name, id, ErrorCode::kBusy,
               "too many submitters waiting for job '" + id + "'", true);
      } else {
        if (jobs_.bytes() + kSubmitterOverhead + client.size() > config_.max_jobs_bytes) {
          reject(client, service.name, id, ErrorCode::kBusy,
                 "the broker holds its limit of request bytes (" +
                     std::to_string(config_.max_jobs_bytes) + ")",
                 true);
          return;
        }
        ++counters_.attached;
        jobs_.grow(job, kSubmitterOverhead + client.size());
        auto* submitters = &job.submitters;  // the id may be a rider's of a shared job
        for (auto& r : job.riders)
          if (r.key == key) submitters = &r.submitters;
        submitters->push_back({std::move(client), fields.reply, owner_});
      }
      return;
    }
  }
  // No live worker serves it: its gateway is down, or its workers left (issue 18).
  if (auto answer = no_worker_answer(service.name, &service, now)) {
    reject(client, service.name, id, answer->first, answer->second, true);
    return;
  }
  const uint64_t deadline_ms = std::min<uint64_t>(
      fields.deadline_ms.value_or(static_cast<uint64_t>(config_.default_deadline.count())),
      kMaxDeadlineMs);
  auto job = std::make_unique<Job>();
  std::optional<std::string> canonical_body;
  if (service.gateway) {
    // Gateway services: account routing, answer reuse and coalescing (broker_reuse.cpp).
    // The params are validated with the worker's schema before anything is shared: a request
    // the worker would refuse never joins, nor is answered from, an honest one (issue 16).
    ReuseFields reuse;
    try {
      reuse = read_reuse_fields(service.name, fields);
    } catch (const params::ParamsError& e) {
      reject(client, service.name, id, ErrorCode::kBadRequest, e.what(), true);
      return;
    } catch (const EnvelopeError& e) {
      reject(client, service.name, id, ErrorCode::kBadRequest,
             std::string("invalid request envelope: ") + e.what(), true);
      return;
    }
    // The worker runs exactly the canonical params the sharing key is built from.
    if (reuse.rewrite) canonical_body = replace_params(view(frames[4]), reuse.params);
    if (reuse.account && now >= started_ + config_.startup_grace &&
        !account_known(service, *reuse.account)) {
      // The gateway that managed it when its session was last up may be down (issue 18).
      if (auto answer = unknown_account_answer(service.name, *reuse.account, now))
        reject(client, service.name, id, answer->first, answer->second, true);
      else
        reject(client, service.name, id, ErrorCode::kUnknownAccount,
               "no live worker of '" + service.name + "' holds account '" + *reuse.account + "'",
               true);
      return;
    }
    if (reuse.gateway && now >= started_ + config_.startup_grace &&
        !gateway_known(service, *reuse.gateway)) {
      reject(client, service.name, id, ErrorCode::kNoWorker,
             "no live worker of '" + service.name + "' talks to gateway '" + *reuse.gateway +
                 "' (the request's 'gateway' param)",
             true);
      return;
    }
    job->account = reuse.account;
    job->gateway = reuse.gateway;
    classify(*job, fields, client);
    if (service.historical) job->hist = historical::describe(service.name, reuse.params);
    if (!service.nonretryable) {  // an order is never shared nor answered twice
      job->reuse_key = service.name;
      job->reuse_key.push_back('\0');
      job->reuse_key += reuse.account.value_or("");
      job->reuse_key.push_back('\0');
      job->reuse_key += reuse.params;
    }
    if (try_reuse(client, service, id, key, fields.id.has_value(), fields.reply, deadline_ms, *job,
                  reuse.max_age_ms, now))
      return;
  }
  if (draining_) {
    reject(client, service.name, id, ErrorCode::kBusy,
           "broker is shutting down; retry against the next broker", true);
    return;
  }
  // A historical job also keeps its pacing key and submitter name (issue 20), both bounded by
  // the request: charged like its body.
  const size_t body_bytes = (canonical_body ? canonical_body->size() : frames[4].size()) +
                            (job->hist ? job->hist->key.size() + job->submitter.size() : 0);
  if (auto full = over_budget(service, body_bytes + kJobOverhead + client.size())) {
    reject(client, service.name, id, ErrorCode::kBusy, *full, true);
    return;
  }
  job->service = &service;
  job->intentq = true;
  job->client_id = fields.id.has_value();
  job->bytes = body_bytes + kJobOverhead + client.size();
  job->key = std::move(key);
  job->id = std::move(id);
  job->body.push_back(canonical_body ? frame(*canonical_body) : keep(frames[4]));
  job->submitters.push_back({std::move(client), fields.reply, owner_});
  job->accepted = now;
  job->deadline = now + Ms(deadline_ms);
  job->own_deadline = job->deadline;
  if (service.historical) {
    // A deadline that certainly passes before the job's slot is answered now, not at the deadline.
    if (auto slot = certain_slot(job.get(), now); slot.slot > job->deadline) {
      ++counters_.timeouts;
      ++counters_.historical_timeouts;
      reject(job->submitters.front().client, service.name, job->id, ErrorCode::kTimeout,
             late_message(slot, now), true);
      return;
    }
  }
  Job& j = add_job(std::move(job));
  // Only a submitter-chosen id can be asked for again (attach, dedup); a generated one is
  // known to its submitter alone.
  if (j.client_id) jobs_.set_in_flight(j);
  if (!j.reuse_key.empty()) coalescing_[j.reuse_key] = &j;
  dispatch(service, now);
}

void Broker::handle_opaque_request(std::string client, Service& service, Frames& frames,
                                   Clock::time_point now) {
  if (draining_) {
    reject(client, service.name, "", ErrorCode::kBusy, "broker is shutting down", false);
    return;
  }
  if (auto answer = no_worker_answer(service.name, &service, now)) {
    reject(client, service.name, "", answer->first, answer->second, false);
    return;
  }
  const size_t bytes = frames_bytes(frames) + kJobOverhead + client.size();
  if (auto full = over_budget(service, bytes)) {
    reject(client, service.name, "", ErrorCode::kBusy, *full, false);
    return;
  }
  auto job = std::make_unique<Job>();
  job->service = &service;
  job->id = ids_.next();
  job->bytes = bytes;
  for (size_t i = 4; i < frames.size(); ++i) job->body.push_back(keep(frames[i]));
  job->submitters.push_back({std::move(client), true, owner_});
  job->accepted = now;
  job->deadline = now + config_.default_deadline;
  add_job(std::move(job));
  dispatch(service, now);
}

std::optional<std::string> Broker::over_budget(const Service& service, size_t bytes) const {
  if (service.queued >= config_.max_queue)
    return "queue of '" + service.name + "' is full (" + std::to_string(config_.max_queue) +
           " jobs)";
  if (service.queued_bytes + bytes > config_.max_queue_bytes)
    return "queue of '" + service.name + "' is full (" + std::to_string(config_.max_queue_bytes) +
           " bytes queued)";
  if (jobs_.bytes() + bytes > config_.max_jobs_bytes)
    return "the broker holds its limit of request bytes (" +
           std::to_string(config_.max_jobs_bytes) + ")";
  return std::nullopt;
}

size_t Broker::frames_bytes(const Frames& frames) {
  size_t n = 0;
  for (size_t i = 4; i < frames.size(); ++i) n += frames[i].size();
  return n;
}

Job& Broker::add_job(std::unique_ptr<Job> job) {
  ++counters_.accepted;
  ++unanswered_;
  return jobs_.add(std::move(job));
}

void Broker::dispatch(Service& service, Clock::time_point now) {
  if (service.historical) return dispatch_historical(service, now);
  if (service.gateway) return dispatch_gateway(service, now);
  while (Worker* idle = registry_.idle_worker(service)) {
    Job* next = jobs_.pop_queued(service);
    if (!next) break;
    if (!send_job(*next, *idle, now)) {
      // The worker is gone (or wedged): put the job back first in line and forget the worker.
      jobs_.enqueue(*next, true);
      delete_worker(*idle, false, "unreachable on dispatch", now);
    }
  }
  jobs_.compact(service);
}

bool Broker::send_job(Job& job, Worker& worker, Clock::time_point now) {
  Service& service = *job.service;
  Frames& f = scratch_;
  f.clear();
  f.push_back(frame(worker.identity));
  f.push_back(frame(""));
  f.push_back(frame(mdp::kWorker));
  f.push_back(frame(std::string_view("\x02", 1)));
  f.push_back(frame(job_token(job.seq)));
  f.push_back(frame(""));
  if (worker.intentq) f.push_back(frame(service.name));
  if (job.intentq) {
    const uint64_t remaining = std::max<uint64_t>(1, ms_between(now, job.deadline));
    f.push_back(frame(
        reencode_request(view(job.body[0]), job.id, remaining, ms_between(job.accepted, now))));
  } else {
    // Keep the originals: the job may have to be sent again if this worker dies.
    for (auto& b : job.body) f.push_back(share(b));
  }
  if (outbox_.to_worker(f) != mdp::SendResult::kOk) return false;
  if (service.historical && !worker.gateway.empty())
    worker.hist_charge = hist_.charge(worker.gateway, hist_request(job), now);
  ++counters_.dispatched;
  if (observer_ && job.dispatches == 0) observer_->on_dispatch(service.name, now - job.accepted);
  ++job.dispatches;
  job.state = JobState::kRunning;
  job.worker = &worker;
  job.dispatched_at = now;
  worker.job = &job;
  worker.next_heartbeat = now + std::min(config_.heartbeat, worker.heartbeat);
  // The charge opens at dispatch and settles when the worker is free again (docs/gateway.md);
  // workers without a gateway skip it.
  if (!worker.gateway.empty())
    if (const uint32_t cost = worker.cost_of(&service); cost > 0)
      worker.charge = budgets_.charge(worker.gateway, cost, now);
  registry_.set_busy(worker);
  log_job(job, &worker, "job {} dispatched (dispatch {})", job.id, job.dispatches);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Backend

void Broker::on_worker_message(Frames& frames, Clock::time_point now) {
  if (frames.empty()) return;
  EventScope scope(*this);
  try {
    const std::string identity(view(frames[0]));
    Worker* worker = registry_.find(identity);
    if (frames.size() < 4 || frames[1].size() != 0 || view(frames[2]) != mdp::kWorker ||
        frames[3].size() != 1) {
      ++counters_.bad_worker_messages;
      warn_limited("malformed worker message (" + std::to_string(frames.size()) + " frames)", now);
      // RFC 7: a peer that sends an invalid message is treated as invalid.
      if (worker) delete_worker(*worker, true, "sent a malformed message", now);
      return;
    }
    const auto command = static_cast<mdp::Command>(view(frames[3])[0]);
    if (worker) worker->last_heard = now;  // any valid command counts as a heartbeat
    switch (command) {
      case mdp::Command::kReady:
        if (worker) {
          ++counters_.bad_worker_messages;
          delete_worker(*worker, true, "sent READY twice", now);
        } else {
          handle_ready(identity, frames, now);
        }
        return;
      case mdp::Command::kReply:
        if (worker)
          handle_reply(*worker, frames, now);
        else
          disconnect_peer(identity);  // e.g. a worker of the broker before a restart
        return;
      case mdp::Command::kHeartbeat:
        if (!worker)
          disconnect_peer(identity);  // makes it re-register
        else if (frames.size() > 4)
          handle_session_update(*worker, frames, now);  // a session update rides on it
        return;
      case mdp::Command::kDisconnect:
        if (worker) worker_disconnected(*worker, now);
        return;
      default:
        ++counters_.bad_worker_messages;
        warn_limited("worker sent unexpected command " + std::to_string(static_cast<int>(command)),
                     now);
        if (worker)
          delete_worker(*worker, true, "sent an unexpected command", now);
        else
          disconnect_peer(identity);
        return;
    }
  } catch (const std::exception& e) {
    spdlog::error("internal error handling a worker message: {}", e.what());
  }
}

std::optional<mdp::ReadyInfo> Broker::read_worker_info(
    mdp::ReadyInfo (*parse)(const Frames&, size_t), const Frames& frames, const std::string& what,
    Clock::time_point now) {
  try {
    return parse(frames, 4);
  } catch (const mdp::MdpError& e) {
    ++counters_.bad_worker_messages;
    warn_limited(what + ": " + e.what(), now);
    return std::nullopt;
  }
}

void Broker::handle_ready(const std::string& identity, Frames& frames, Clock::time_point now) {
  auto parsed = read_worker_info(mdp::parse_ready, frames, "refusing worker", now);
  if (!parsed) return disconnect_peer(identity);
  mdp::ReadyInfo& info = *parsed;
  auto refuse = [&](const std::string& why) {
    ++counters_.bad_worker_messages;
    warn_limited("refusing worker: " + why, now);
    disconnect_peer(identity);
  };
  if (info.services.size() > kMaxServicesPerWorker) return refuse("too many services in READY");
  if (registry_.size() >= config_.max_workers)
    return refuse("too many workers (limit " + std::to_string(config_.max_workers) + ")");
  if (info.heartbeat_ms && Ms(*info.heartbeat_ms) > config_.max_worker_heartbeat)
    return refuse("announced heartbeat of " + std::to_string(*info.heartbeat_ms) +
                  " ms is over the limit of " +
                  std::to_string(config_.max_worker_heartbeat.count()) + " ms");
  std::sort(info.services.begin(), info.services.end());
  info.services.erase(std::unique(info.services.begin(), info.services.end()), info.services.end());
  size_t new_services = 0;
  // A name a worker may announce (served or waiting), or why not.
  auto name_refused = [](const std::string& name,
                         std::string_view where) -> std::optional<std::string> {
    if (name.compare(0, mdp::kMmiPrefix.size(), mdp::kMmiPrefix) == 0)
      return "service '" + name + "' is reserved for the broker (mmi.*)";
    if (auto problem = service_name_problem(name))
      return "invalid service name" + std::string(where) + " (" + *problem + ")";
    return std::nullopt;
  };
  for (const auto& name : info.services) {
    if (auto why = name_refused(name, "")) return refuse(*why);
    auto* s = registry_.find_service(name);
    if (s && s->intentq != info.intentq && (s->workers > 0 || s->queued > 0))
      return refuse("service '" + name + "' is served by " +
                    (s->intentq ? "intentq" : "plain MDP") + " workers; kinds cannot mix");
    if (!s) ++new_services;
  }
  if (info.waiting.size() > kMaxServicesPerWorker) return refuse("too many services in @waiting");
  size_t new_waiting = 0;
  for (const auto& name : info.waiting) {
    if (auto why = name_refused(name, " in @waiting")) return refuse(*why);
    if (!waiting_.count(name)) ++new_waiting;
  }
  if (waiting_.size() + new_waiting > config_.max_services)
    return refuse("too many services waiting for a gateway (limit " +
                  std::to_string(config_.max_services) + ")");
  // Exactly: the services this READY would add count, not only whether one more fits.
  if (registry_.service_count() + new_services > config_.max_services)
    return refuse("too many services (the broker knows " +
                  std::to_string(registry_.service_count()) + ", limit " +
                  std::to_string(config_.max_services) + ")");
  for (const auto& o : info.unknown_options) spdlog::info("worker option '{}' ignored", o);

  auto worker = std::make_unique<Worker>();
  worker->identity = identity;
  worker->name = info.name ? *info.name : hex_name(identity);
  worker->intentq = info.intentq;
  worker->cancels = info.cancel;
  if (info.heartbeat_ms)
    worker->heartbeat = Ms(*info.heartbeat_ms);
  else if (info.intentq)
    worker->heartbeat = config_.heartbeat;
  else
    worker->heartbeat = std::max(config_.heartbeat, config_.stock_worker_heartbeat);
  worker->last_heard = now;
  worker->registered = now;
  worker->next_heartbeat = now + std::min(config_.heartbeat, worker->heartbeat);
  Worker& w = registry_.add(std::move(worker), info.services, info.nonretryable);
  for (const auto& name : info.services) gone_services_.erase(name);
  register_historical(w, info);  // before register_gateway: its queued jobs go to the fair queue
  register_gateway(w, info);
  remember_accounts(w, info);
  apply_session(w, info, now);
  add_waiting(w, info.waiting);
  spdlog::info(
      "worker {} ready: {} service(s) [{}]{}, heartbeat {} ms{}", w.name, w.services.size(),
      join(info.services, ","), w.intentq ? ", intentq" : ", plain MDP", w.heartbeat.count(),
      info.waiting.empty() ? std::string()
                           : "; waiting for gateway " + w.gateway + " (" +
                                 (w.session_error.empty() ? "session down" : w.session_error) +
                                 ") to serve [" + join(info.waiting, ",") + "]");
  // Jobs queued for a service no live worker serves, that this worker waits for, cannot run.
  for (const auto& name : info.waiting)
    if (Service* s = registry_.find_service(name)) check_workerless(*s, now);
  registry_.set_idle(w);
  // dispatch() may retire `w` (unreachable); it stays valid memory until the event ends, and a
  // retired worker is in no idle set, so the remaining services simply skip it.
  for (auto* s : w.services) dispatch(*s, now);
  if (!held_.empty()) release_held(now);
}

void Broker::hold_request(std::string client, Frames& frames) {
  held_bytes_ += frames_bytes(frames) + kJobOverhead;
  held_.push_back(Held{std::move(client), std::move(frames), owner_});
}

// Hands held requests whose service now exists (or all of them, once the grace is over) to
// handle_request, which queues them or answers UNKNOWN_INTENT.
void Broker::release_held(Clock::time_point now) {
  const bool grace_over = now >= started_ + config_.startup_grace;
  std::vector<Held> ready;
  std::vector<Held> keep;
  for (auto& h : held_) {
    const auto name = view(h.frames[3]);
    if (grace_over || registry_.find_service(name) || waiting_.count(std::string(name)))
      ready.push_back(std::move(h));
    else
      keep.push_back(std::move(h));
  }
  held_ = std::move(keep);
  held_bytes_ = 0;
  for (auto& h : held_) held_bytes_ += frames_bytes(h.frames) + kJobOverhead;
  for (auto& h : ready) {
    const std::string service(view(h.frames[3]));
    owner_ = std::move(h.owner);
    handle_request(std::move(h.client), service, h.frames, now);
  }
}

void Broker::handle_reply(Worker& worker, Frames& frames, Clock::time_point now) {
  if (frames.size() < 6 || frames[5].size() != 0) {
    ++counters_.bad_worker_messages;
    delete_worker(worker, true, "sent a malformed REPLY", now);
    return;
  }
  Job* job = worker.job;
  if (!job || view(frames[4]) != job_token(job->seq)) {
    // Not the job this worker holds (a duplicate or a reply from before a requeue).
    ++counters_.late_replies_dropped;
    return;
  }
  Service& service = *job->service;
  ++worker.jobs_done;
  if (observer_) observer_->on_reply(service.name, now - job->dispatched_at);
  if (job->state == JobState::kAnswered) {
    // Its submitters already got TIMEOUT. The reply is not delivered nor published, but a valid
    // one is cached: resubmitting the id returns what really happened instead of running again.
    ++counters_.late_replies_dropped;
    // A cancelled job's reply is not kept: resubmitting its id runs it again (section 6.10).
    if (job->intentq && job->client_id && !job->cancelled && frames.size() == 7) {
      try {
        if (!names_job(parse_reply(view(frames[6])), job->id)) {
          ++counters_.forged_reply_ids;
          frames[6] = frame(rewrite_reply_id(view(frames[6]), job->id));
        }
        dedup_.put(job->key, frames[6], now, job->accepted);
      } catch (const EnvelopeError&) {
      }
    }
  } else if (job->intentq) {
    zmq::message_t body;
    bool ok = false;
    bool valid = false;
    ErrorCode code = ErrorCode::kInternal;
    std::string problem = "expected one body frame, got " + std::to_string(frames.size() - 6);
    if (frames.size() == 7) {
      try {
        const auto fields = parse_reply(view(frames[6]));
        ok = fields.ok;
        code = fields.code;
        valid = true;
        if (!names_job(fields, job->id)) {
          // The broker knows which job this worker holds: a reply naming another id (forged,
          // or a worker bug) must never reach a client as an answer to that other id.
          ++counters_.forged_reply_ids;
          warn_limited("worker replied to job '" + job->id + "' under another id; the id was " +
                           "overwritten",
                       now);
          body = frame(rewrite_reply_id(view(frames[6]), job->id));
        } else {
          body = std::move(frames[6]);
        }
      } catch (const EnvelopeError& e) {
        problem = e.what();
      }
    }
    if (!valid) {
      ++counters_.bad_worker_messages;
      warn_limited("worker sent an invalid reply envelope: " + problem, now);
      body = frame(encode_reply(make_error_reply(job->id, service.name, ErrorCode::kInternal,
                                                 "worker sent an invalid reply: " + problem)));
    } else if (job->client_id && !job->own_cancelled) {
      dedup_.put(job->key, body, now, job->accepted);
    }
    deliver(*job, body, ok && valid, valid, now);
    log_job(*job, &worker, "job {} answered: {}", job->id,
            !valid ? "invalid reply"
            : ok   ? "ok"
                   : "error");
    observe_answer(service.name, ok && valid ? std::nullopt : std::optional<ErrorCode>(code));
    ++counters_.replied;
    --unanswered_;
  } else {
    Frames body;
    for (size_t i = 6; i < frames.size(); ++i) body.push_back(std::move(frames[i]));
    send_client(job->submitters.front().client, service.name, std::move(body));
    observe_answer(service.name, std::nullopt);
    ++counters_.replied;
    --unanswered_;
  }
  worker.job = nullptr;
  settle_charge(worker, now);
  finish_job(*job);
  registry_.set_idle(worker);
  for (auto* s : worker.services) dispatch(*s, now);
}

void Broker::disconnect_peer(const std::string& identity) {
  Frames f = mdp::worker_command(mdp::Command::kDisconnect);
  f.insert(f.begin(), frame(identity));
  outbox_.to_worker(f);  // best effort: the peer may be gone already
}

void Broker::delete_worker(Worker& worker, bool send_disconnect, std::string_view why,
                           Clock::time_point now) {
  if (worker.retired) return;
  spdlog::info("worker {} removed: {}{}", worker.name, why, worker.job ? " (was busy)" : "");
  if (send_disconnect) disconnect_peer(worker.identity);
  // Whether its job may run again is decided with the worker still counted: retiring it
  // recomputes the service's attributes from the workers that remain.
  const bool nonretryable = worker.job && worker.job->service->nonretryable;
  // A worker removed while it may still be running its job (it stopped heartbeating or
  // misbehaves; it did not say DISCONNECT and the job did reach it) can send the job's IB
  // requests when it resumes, until the job's deadline (the worker starts nothing after it):
  // the job's gateway charges count as running until then, so a stalled worker cannot make the
  // broker's count of IB's windows end before IB's does (issue 20; a 4.5 s stall of 4 workers
  // let 1-4 window violations through). A crashed worker looks the same, so the hold is capped
  // at one historical window: a slot is not lost for a day-long deadline.
  Clock::time_point settle_at = now;
  if (send_disconnect && worker.job)
    settle_at = std::clamp(worker.job->deadline + kStalledWorkerMargin, now, now + hist_.window());
  registry_.retire(worker);
  remove_waiting(worker);
  Service* requeued_to = nullptr;
  if (Job* job = worker.job) {
    worker.job = nullptr;
    job->worker = nullptr;
    if (job->state == JobState::kAnswered) {
      finish_job(*job);
    } else if (!nonretryable && job->dispatches < 2 && now < job->deadline) {
      ++counters_.requeued;
      jobs_.enqueue(*job, true);
      requeued_to = job->service;
    } else {
      ++counters_.worker_lost;
      reply_error(*job, ErrorCode::kWorkerLost,
                  "the worker running the job was lost (" + std::string(why) + ")" +
                      (nonretryable ? "; the intent is not retryable" : "; already retried once"));
      finish_job(*job);
    }
  }
  unregister_gateway(worker, now, settle_at);  // may answer queued jobs UNKNOWN_ACCOUNT
  if (requeued_to) dispatch(*requeued_to, now);
  // Services it was the last worker of: GATEWAY_UNREACHABLE at once, or NO_WORKER after the grace.
  for (auto* s : worker.services)
    if (s->workers == 0) check_workerless(*s, now);
}

void Broker::finish_job(Job& job) {
  forget_coalescing(job);
  jobs_.finish(job);
}

void Broker::timeout_job(Job& job, Clock::time_point now) {
  ++counters_.timeouts;
  log_job(job, job.worker, "job {} timed out ({})", job.id,
          job.state == JobState::kQueued ? "queued" : "running");
  // Requests coalesced onto it are answered with their own deadline, never the job's (issue 18).
  timeout_riders(job);
  const auto deadline_ms = ms_between(job.accepted, job.deadline);
  if (job.state == JobState::kQueued) {
    reply_error(job, ErrorCode::kTimeout,
                "deadline of " + std::to_string(deadline_ms) +
                    " ms passed while the job was queued " + queued_reason(job));
    Service& s = *job.service;
    finish_job(job);
    jobs_.compact(s);
  } else {
    reply_error(job, ErrorCode::kTimeout,
                "deadline of " + std::to_string(deadline_ms) +
                    " ms passed while a worker was running the job");
    // The worker still holds it; it becomes idle when it replies (the reply is dropped).
    job.state = JobState::kAnswered;
    forget_coalescing(job);
  }
}

// ---------------------------------------------------------------------------------------------
// Replies

void Broker::send_submitters(const std::vector<Submitter>& submitters, std::string_view service,
                             zmq::message_t& body) {
  for (const auto& s : submitters) {
    if (!s.reply) continue;
    Frames b;
    b.push_back(share(body));
    send_client(s.client, service, std::move(b));
  }
}

void Broker::reply_error(Job& job, ErrorCode code, const std::string& message) {
  --unanswered_;
  const auto& service = job.service->name;
  observe_answer(service, code);
  if (!job.own_answered) {
    zmq::message_t body(encode_reply(make_error_reply(job.id, service, code, message)));
    send_submitters(job.submitters, service, body);
    if (job.intentq) publish(service, false, body);
  }
  answer_riders_error(job, code, message);
}

void Broker::send_client(const std::string& client, std::string_view service, Frames body) {
  Frames f;
  f.reserve(4 + body.size());
  f.push_back(frame(client));
  f.push_back(frame(""));
  f.push_back(frame(mdp::kClient));
  f.push_back(frame(service));
  for (auto& b : body) f.push_back(std::move(b));
  switch (outbox_.to_client(f)) {
    case mdp::SendResult::kOk:
      break;
    case mdp::SendResult::kUnroutable:
      ++counters_.dropped_unroutable;
      break;
    default:
      ++counters_.dropped_full;
      break;
  }
}

void Broker::reject(const std::string& client, std::string_view service, std::string id,
                    ErrorCode code, const std::string& message, bool publish_it) {
  counters_.count_reject(code);
  if (observer_)
    observe_answer(registry_.find_service(service) ? service : std::string_view(), code);
  // The envelope names the intent only when it is a valid name (valid names are ASCII): the
  // service frame is echoed as MDP requires, but no text field carries arbitrary bytes.
  const bool valid = !service_name_problem(service);
  zmq::message_t body(encode_reply(make_error_reply(
      std::move(id), valid ? std::string(service) : std::string(), code, message)));
  if (publish_it) publish(service, false, body);
  Frames b;
  b.push_back(std::move(body));
  send_client(client, service, std::move(b));
}

void Broker::publish(std::string_view intent, bool ok, zmq::message_t& body) {
  Frames f;
  std::string topic;
  topic.reserve(16 + intent.size());
  topic.append("result.").append(intent).append(ok ? ".ok" : ".error");
  f.push_back(frame(topic));
  f.push_back(share(body));
  outbox_.publish(f);
  ++counters_.published;
}

// ---------------------------------------------------------------------------------------------
// Time

void Broker::on_timer(Clock::time_point now) {
  EventScope scope(*this);
  try {
    {
      Job* job = nullptr;
      std::string key;
      Clock::time_point when;
      while (jobs_.pop_due_rider(now, job, key, when)) {
        // The request that keeps the job alive longest times out with the job (below).
        if (when < job->deadline) timeout_rider(*job, key);
      }
    }
    while (Job* job = jobs_.pop_due(now)) timeout_job(*job, now);
    if (!held_.empty() && now >= started_ + config_.startup_grace) release_held(now);
    if (!accounts_checked_ && now >= started_ + config_.startup_grace) {
      accounts_checked_ = true;
      registry_.for_each_service([&](Service& s) {
        if (s.gateway) reject_unknown_accounts(s, nullptr);
      });
    }
    if (now >= no_worker_wakeup_) {
      no_worker_wakeup_ = Clock::time_point::max();
      std::vector<Service*> workerless;
      registry_.for_each_service([&](Service& s) {
        if (s.workers == 0 && s.no_worker_since) workerless.push_back(&s);
      });
      for (auto* s : workerless) check_workerless(*s, now);
    }
    if (now >= budget_wakeup_) {
      budget_wakeup_ = Clock::time_point::max();
      registry_.for_each_service([&](Service& s) {
        if (s.gateway && s.queued > 0) dispatch(s, now);
      });
    }
    if (now >= next_tick_) {
      const auto expired = registry_.expired(now, config_.liveness);
      registry_.for_each([&](Worker& w) {
        if (now >= w.next_heartbeat && now < w.expiry(config_.liveness)) {
          Frames f = mdp::worker_command(mdp::Command::kHeartbeat);
          f.insert(f.begin(), frame(w.identity));
          outbox_.to_worker(f);
          w.next_heartbeat = now + std::min(config_.heartbeat, w.heartbeat);
        }
      });
      // Out of the idle sets first, so a job requeued from one of them is not handed to another.
      for (auto* w : expired) registry_.set_busy(*w);
      for (auto* w : expired) {
        if (w->retired) continue;  // dropped meanwhile (unreachable when a requeue reached it)
        ++counters_.workers_expired;
        delete_worker(*w, true, "expired (no heartbeat)", now);
      }
      dedup_.expire(now);
      reuse_.expire(now);
      stats_rate_.collect(now);
      budgets_.collect(now);
      hist_.collect(now);
      remember_gone_services(now);
      // A quarter heartbeat bounds how late expiry and heartbeats can be.
      next_tick_ = now + std::max(Ms(10), config_.heartbeat / 4);
    }
  } catch (const std::exception& e) {
    spdlog::error("internal error in the broker's timer: {}", e.what());
  }
}

Clock::time_point Broker::next_wakeup() const {
  auto at = next_tick_;
  if (jobs_.has_deadlines()) at = std::min(at, jobs_.next_deadline());
  if (!held_.empty() || !accounts_checked_) at = std::min(at, started_ + config_.startup_grace);
  if (jobs_.has_rider_deadlines()) at = std::min(at, jobs_.next_rider_deadline());
  return std::min({at, budget_wakeup_, no_worker_wakeup_});
}

void Broker::begin_drain(Clock::time_point now) {
  if (draining_) return;
  draining_ = true;
  // Requests held for the startup grace will not be served by this broker: BUSY, as for any
  // request that arrives while draining (docs/protocol.md §6.6).
  for (auto& h : held_) {
    const std::string service(view(h.frames[3]));
    reject(h.client, service, request_id(h.frames), ErrorCode::kBusy,
           "broker is shutting down; retry against the next broker", true);
  }
  held_.clear();
  held_bytes_ = 0;
  spdlog::info("draining: {} job(s) unanswered, new requests get BUSY", unanswered_);
}

void Broker::finish_drain(Clock::time_point now) {
  EventScope scope(*this);
  std::vector<Job*> left;
  jobs_.for_each([&](Job& job) {
    if (job.state != JobState::kAnswered) left.push_back(&job);
  });
  for (auto* job : left) {
    ++counters_.timeouts;
    reply_error(*job, ErrorCode::kTimeout, "the broker shut down before the job finished");
    job->state = JobState::kAnswered;
  }
  registry_.for_each([&](Worker& w) { disconnect_peer(w.identity); });
  if (!left.empty()) spdlog::warn("shutdown: answered {} unfinished job(s) TIMEOUT", left.size());
}

// ---------------------------------------------------------------------------------------------
// Introspection and helpers

size_t Broker::queued_count(std::string_view service) const {
  const auto* s = registry_.find_service(service);
  return s ? s->queued : 0;
}

std::string Broker::stats_body(Clock::time_point now) const {
  StatsSummary summary;
  summary.workers = registry_.size();
  summary.jobs = jobs_.size();
  summary.unanswered = unanswered_;
  summary.dedup_entries = dedup_.size();
  summary.dedup_bytes = dedup_.bytes();
  summary.jobs_bytes = jobs_.bytes();
  summary.held = held_.size();
  summary.held_bytes = held_bytes_;
  summary.draining = draining_;
  summary.uptime_ms = ms_between(started_, now);
  summary.gateways = gateway_stats(now);
  summary.reuse = &reuse_;
  summary.now = now;
  return encode_stats(registry_, counters_, summary);
}

void Broker::warn_limited(const std::string& message, Clock::time_point now) {
  warnings_.warn(message, now);
}

}  // namespace intentq::broker
