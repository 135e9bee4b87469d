#include "broker/broker.hpp"

#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "broker/request_body.hpp"
#include "common/envelope.hpp"
#include "common/msgpack_codec.hpp"

namespace intentq::broker {
namespace {

using mdp::frame;
using mdp::view;

constexpr size_t kMaxServiceName = 255;
constexpr size_t kMaxServicesPerWorker = 256;
// Deadlines beyond a day are clamped: no job should sit longer, and time arithmetic stays safe.
constexpr uint64_t kMaxDeadlineMs = 24ull * 3600 * 1000;

uint64_t ms_between(Clock::time_point from, Clock::time_point to) {
  if (to <= from) return 0;
  return static_cast<uint64_t>(std::chrono::duration_cast<Ms>(to - from).count());
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

zmq::message_t share(zmq::message_t& m) {
  zmq::message_t copy;
  copy.copy(m);  // refcounted for bodies over 33 bytes: no memcpy
  return copy;
}

}  // namespace

Clock::time_point Broker::Worker::expiry(const Broker& b) const {
  const auto window = heartbeat * b.config_.liveness;
  auto at = last_heard + window;
  if (job) {
    // Stock workers are silent while busy: the job's deadline bounds them instead.
    if (!intentq) at = std::max(at, job->deadline + window);
    // A worker that keeps a timed-out job longer than one liveness window is treated as hung.
    if (job->state == JobState::kAnswered) at = std::min(at, job->deadline + window);
  }
  return at;
}

Broker::Broker(Config config, Outbox& outbox, Clock::time_point now)
    : config_(std::move(config)),
      outbox_(outbox),
      started_(now),
      next_tick_(now),
      dedup_(config_.dedup_ttl, config_.dedup_max_entries) {
  if (config_.heartbeat.count() <= 0) config_.heartbeat = Ms(1000);
  if (config_.liveness <= 0) config_.liveness = 3;
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", static_cast<unsigned>(rd() & 0xffffff));
  id_prefix_ = std::string("j-") + buf + "-";
}

Broker::~Broker() = default;

// ---------------------------------------------------------------------------------------------
// Frontend

void Broker::on_client_message(Frames& frames, Clock::time_point now) {
  if (frames.empty()) return;
  ++counters_.requests;
  std::string client(view(frames[0]));
  try {
    if (frames.size() < 4 || frames[1].size() != 0 || view(frames[2]) != mdp::kClient) {
      ++counters_.bad_requests;
      const auto service = frames.size() >= 4 ? view(frames[3]) : std::string_view();
      std::string why = frames.size() < 4       ? "expected frames \"\", \"MDPC01\", service, body"
                        : frames[1].size() != 0 ? "the first frame must be empty"
                                                : "the protocol frame must be \"MDPC01\"";
      warn_limited("bad client message: " + why);
      send_client_error(client, service.substr(0, kMaxServiceName), "", ErrorCode::kBadRequest,
                        "malformed MDP client message: " + why, false);
      return;
    }
    const std::string service_name(view(frames[3]));
    if (service_name.empty() || service_name.size() > kMaxServiceName) {
      ++counters_.bad_requests;
      send_client_error(client, service_name.substr(0, kMaxServiceName), "", ErrorCode::kBadRequest,
                        "service name must be 1..255 bytes", false);
      return;
    }
    if (service_name.compare(0, mdp::kMmiPrefix.size(), mdp::kMmiPrefix) == 0)
      handle_mmi(client, service_name, frames, now);
    else
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
      const auto* s = find_service(view(frames[4]));
      present = s && s->workers > 0;
    }
    body.push_back(frame(present ? "200" : "404"));
  } else if (service == "mmi.stats") {
    body.push_back(frame(stats_body(now)));
  } else {
    body.push_back(frame("501"));
  }
  send_client(client, service, std::move(body));
}

void Broker::handle_request(std::string client, std::string_view service_name, Frames& frames,
                            Clock::time_point now) {
  Service* service = find_service(service_name);
  if (!service && !draining_ && now < started_ + config_.startup_grace &&
      held_.size() < config_.max_queue) {
    hold_request(std::move(client), frames);
    return;
  }
  if (!service) {
    // No worker ever registered this service: answer at once rather than queueing forever.
    ++counters_.unknown_intent;
    std::string id;
    if (frames.size() == 5) {
      try {
        if (auto f = parse_request(view(frames[4])); f.id) id = std::string(*f.id);
      } catch (const EnvelopeError&) {
      }
    }
    send_client_error(client, service_name, std::move(id), ErrorCode::kUnknownIntent,
                      "no worker has registered service '" + std::string(service_name) + "'", true);
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
    ++counters_.bad_requests;
    send_client_error(client, service.name, "", ErrorCode::kBadRequest,
                      "a request carries exactly one body frame (a msgpack map), got " +
                          std::to_string(frames.size() - 4),
                      true);
    return;
  }
  RequestFields fields;
  try {
    fields = parse_request(view(frames[4]));
  } catch (const EnvelopeError& e) {
    ++counters_.bad_requests;
    send_client_error(client, service.name, "", ErrorCode::kBadRequest,
                      std::string("invalid request envelope: ") + e.what(), true);
    return;
  }
  std::string id = fields.id ? std::string(*fields.id) : new_job_id();
  std::string key = job_key(service.name, id);

  if (fields.id) {
    if (auto* cached = dedup_.find(key, now)) {
      ++counters_.dedup_hits;
      if (fields.reply) {
        Frames body;
        body.push_back(share(*cached));
        send_client(client, service.name, std::move(body));
      }
      return;
    }
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      Job& job = *it->second;
      if (job.state == JobState::kAnswered) {
        ++counters_.busy_rejects;
        send_client_error(client, service.name, id, ErrorCode::kBusy,
                          "job '" + id +
                              "' passed its deadline but its worker has not finished it yet; "
                              "retry later with the same id",
                          true);
      } else if (job.submitters.size() >= config_.max_attached) {
        ++counters_.busy_rejects;
        send_client_error(client, service.name, id, ErrorCode::kBusy,
                          "too many submitters waiting for job '" + id + "'", true);
      } else {
        ++counters_.attached;
        job.submitters.push_back({std::move(client), fields.reply});
      }
      return;
    }
  }
  if (draining_) {
    ++counters_.busy_rejects;
    send_client_error(client, service.name, id, ErrorCode::kBusy,
                      "broker is shutting down; retry against the next broker", true);
    return;
  }
  if (service.queued >= config_.max_queue) {
    ++counters_.busy_rejects;
    send_client_error(
        client, service.name, id, ErrorCode::kBusy,
        "queue of '" + service.name + "' is full (" + std::to_string(config_.max_queue) + " jobs)",
        true);
    return;
  }
  auto job = std::make_unique<Job>();
  job->service = &service;
  job->intentq = true;
  job->key = std::move(key);
  job->id = std::move(id);
  const uint64_t deadline_ms = std::min<uint64_t>(
      fields.deadline_ms.value_or(static_cast<uint64_t>(config_.default_deadline.count())),
      kMaxDeadlineMs);
  job->body.push_back(std::move(frames[4]));
  job->submitters.push_back({std::move(client), fields.reply});
  job->accepted = now;
  job->deadline = now + Ms(deadline_ms);
  Job& j = add_job(std::move(job));
  in_flight_[j.key] = &j;
  dispatch(service, now);
}

void Broker::handle_opaque_request(std::string client, Service& service, Frames& frames,
                                   Clock::time_point now) {
  if (draining_) {
    ++counters_.busy_rejects;
    send_client_error(client, service.name, "", ErrorCode::kBusy, "broker is shutting down", false);
    return;
  }
  if (service.queued >= config_.max_queue) {
    ++counters_.busy_rejects;
    send_client_error(client, service.name, "", ErrorCode::kBusy,
                      "queue of '" + service.name + "' is full", false);
    return;
  }
  auto job = std::make_unique<Job>();
  job->service = &service;
  job->id = new_job_id();
  for (size_t i = 4; i < frames.size(); ++i) job->body.push_back(std::move(frames[i]));
  job->submitters.push_back({std::move(client), true});
  job->accepted = now;
  job->deadline = now + config_.default_deadline;
  add_job(std::move(job));
  dispatch(service, now);
}

Broker::Job& Broker::add_job(std::unique_ptr<Job> job) {
  Job& j = *job;
  j.seq = ++next_seq_;
  ++counters_.accepted;
  ++unanswered_;
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
  enqueue(j, false);
  return j;
}

void Broker::enqueue(Job& j, bool front) {
  j.state = JobState::kQueued;
  j.worker = nullptr;
  if (front)
    j.service->queue.push_front(j.seq);
  else
    j.service->queue.push_back(j.seq);
  ++j.service->queued;
}

void Broker::compact_queue(Service& service) {
  if (service.queue.size() <= 2 * service.queued + 64) return;
  std::deque<uint64_t> live;
  for (auto seq : service.queue) {
    auto it = jobs_.find(seq);
    if (it != jobs_.end() && it->second->state == JobState::kQueued) live.push_back(seq);
  }
  service.queue.swap(live);
}

void Broker::dispatch(Service& service, Clock::time_point now) {
  while (!service.idle.empty() && service.queued > 0 && !service.queue.empty()) {
    const uint64_t seq = service.queue.front();
    service.queue.pop_front();
    auto it = jobs_.find(seq);
    if (it == jobs_.end() || it->second->state != JobState::kQueued) continue;  // stale entry
    Job& job = *it->second;
    --service.queued;
    Worker& worker = *service.idle.begin()->second;

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
    const auto result = outbox_.to_worker(f);
    if (result != mdp::SendResult::kOk) {
      // The worker is gone (or wedged): put the job back first in line and forget the worker.
      enqueue(job, true);
      delete_worker(worker, false, "unreachable on dispatch", now);
      continue;
    }
    ++counters_.dispatched;
    ++job.dispatches;
    job.state = JobState::kRunning;
    job.worker = &worker;
    worker.job = &job;
    worker.next_heartbeat = now + std::min(config_.heartbeat, worker.heartbeat);
    set_busy(worker);
  }
  compact_queue(service);
}

// ---------------------------------------------------------------------------------------------
// Backend

void Broker::on_worker_message(Frames& frames, Clock::time_point now) {
  if (frames.empty()) return;
  try {
    const std::string identity(view(frames[0]));
    auto it = workers_.find(identity);
    Worker* worker = it == workers_.end() ? nullptr : it->second.get();
    if (frames.size() < 4 || frames[1].size() != 0 || view(frames[2]) != mdp::kWorker ||
        frames[3].size() != 1) {
      ++counters_.bad_worker_messages;
      warn_limited("malformed worker message (" + std::to_string(frames.size()) + " frames)");
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
        if (!worker) disconnect_peer(identity);  // makes it re-register
        return;
      case mdp::Command::kDisconnect:
        if (worker) delete_worker(*worker, false, "disconnected", now);
        return;
      default:
        ++counters_.bad_worker_messages;
        warn_limited("worker sent unexpected command " + std::to_string(static_cast<int>(command)));
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

void Broker::handle_ready(const std::string& identity, Frames& frames, Clock::time_point now) {
  mdp::ReadyInfo info;
  try {
    info = mdp::parse_ready(frames, 4);
  } catch (const mdp::MdpError& e) {
    ++counters_.bad_worker_messages;
    warn_limited(std::string("refusing worker: ") + e.what());
    disconnect_peer(identity);
    return;
  }
  auto refuse = [&](const std::string& why) {
    ++counters_.bad_worker_messages;
    warn_limited("refusing worker: " + why);
    disconnect_peer(identity);
  };
  if (info.services.size() > kMaxServicesPerWorker) return refuse("too many services in READY");
  std::sort(info.services.begin(), info.services.end());
  info.services.erase(std::unique(info.services.begin(), info.services.end()), info.services.end());
  for (const auto& name : info.services) {
    if (name.compare(0, mdp::kMmiPrefix.size(), mdp::kMmiPrefix) == 0)
      return refuse("service '" + name + "' is reserved for the broker (mmi.*)");
    auto* s = find_service(name);
    if (s && s->intentq != info.intentq && (s->workers > 0 || s->queued > 0))
      return refuse("service '" + name + "' is served by " +
                    (s->intentq ? "intentq" : "plain MDP") + " workers; kinds cannot mix");
    if (!s && services_.size() >= config_.max_services) return refuse("too many services");
  }
  for (const auto& o : info.unknown_options) spdlog::info("worker option '{}' ignored", o);

  auto worker = std::make_unique<Worker>();
  worker->identity = identity;
  worker->intentq = info.intentq;
  if (info.heartbeat_ms)
    worker->heartbeat = Ms(*info.heartbeat_ms);
  else if (info.intentq)
    worker->heartbeat = config_.heartbeat;
  else
    worker->heartbeat = std::max(config_.heartbeat, config_.stock_worker_heartbeat);
  worker->last_heard = now;
  worker->next_heartbeat = now + std::min(config_.heartbeat, worker->heartbeat);
  for (const auto& name : info.services) {
    auto& slot = services_[name];
    if (!slot) {
      slot = std::make_unique<Service>();
      slot->name = name;
    }
    slot->intentq = info.intentq;
    ++slot->workers;
    worker->services.push_back(slot.get());
  }
  for (const auto& name : info.nonretryable)
    if (std::binary_search(info.services.begin(), info.services.end(), name))
      find_service(name)->nonretryable = true;
  Worker& w = *worker;
  workers_.emplace(identity, std::move(worker));
  spdlog::info("worker ready: {} service(s) [{}]{}, heartbeat {} ms", w.services.size(),
               info.services.front(), w.intentq ? ", intentq" : ", plain MDP", w.heartbeat.count());
  set_idle(w);
  for (auto* s : w.services) dispatch(*s, now);
  if (!held_.empty()) release_held(now);
}

void Broker::hold_request(std::string client, Frames& frames) {
  held_.push_back(Held{std::move(client), std::move(frames)});
}

// Hands held requests whose service now exists (or all of them, once the grace is over) to
// handle_request, which queues them or answers UNKNOWN_INTENT.
void Broker::release_held(Clock::time_point now) {
  const bool grace_over = now >= started_ + config_.startup_grace;
  std::vector<Held> ready;
  std::vector<Held> keep;
  for (auto& h : held_) {
    if (grace_over || find_service(view(h.frames[3])))
      ready.push_back(std::move(h));
    else
      keep.push_back(std::move(h));
  }
  held_ = std::move(keep);
  for (auto& h : ready) {
    const std::string service(view(h.frames[3]));
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
  if (job->state == JobState::kAnswered) {
    // Its submitters already got TIMEOUT. The reply is not delivered nor published, but a valid
    // one is cached: resubmitting the id returns what really happened instead of running again.
    ++counters_.late_replies_dropped;
    if (job->intentq && frames.size() == 7) {
      try {
        parse_reply(view(frames[6]));
        dedup_.put(job->key, frames[6], now);
      } catch (const EnvelopeError&) {
      }
    }
  } else if (job->intentq) {
    zmq::message_t body;
    bool ok = false;
    bool valid = false;
    std::string problem = "expected one body frame, got " + std::to_string(frames.size() - 6);
    if (frames.size() == 7) {
      try {
        ok = parse_reply(view(frames[6])).ok;
        valid = true;
        body = std::move(frames[6]);
      } catch (const EnvelopeError& e) {
        problem = e.what();
      }
    }
    if (!valid) {
      ++counters_.bad_worker_messages;
      warn_limited("worker sent an invalid reply envelope: " + problem);
      body = frame(encode_reply(make_error_reply(job->id, service.name, ErrorCode::kInternal,
                                                 "worker sent an invalid reply: " + problem)));
    } else {
      dedup_.put(job->key, body, now);
    }
    for (auto& s : job->submitters) {
      if (!s.reply) continue;
      Frames b;
      b.push_back(share(body));
      send_client(s.client, service.name, std::move(b));
    }
    publish(service.name, ok, body);
    ++counters_.replied;
    --unanswered_;
  } else {
    Frames body;
    for (size_t i = 6; i < frames.size(); ++i) body.push_back(std::move(frames[i]));
    send_client(job->submitters.front().client, service.name, std::move(body));
    ++counters_.replied;
    --unanswered_;
  }
  worker.job = nullptr;
  finish_job(*job);
  set_idle(worker);
  for (auto* s : worker.services) dispatch(*s, now);
}

void Broker::set_busy(Worker& worker) {
  if (worker.idle_seq == 0) return;
  for (auto* s : worker.services) s->idle.erase({worker.idle_seq, &worker});
  worker.idle_seq = 0;
}

void Broker::set_idle(Worker& worker) {
  set_busy(worker);
  worker.idle_seq = ++next_idle_seq_;
  for (auto* s : worker.services) s->idle.emplace(worker.idle_seq, &worker);
}

void Broker::disconnect_peer(const std::string& identity) {
  Frames f = mdp::worker_command(mdp::Command::kDisconnect);
  f.insert(f.begin(), frame(identity));
  outbox_.to_worker(f);  // best effort: the peer may be gone already
}

void Broker::delete_worker(Worker& worker, bool send_disconnect, std::string_view why,
                           Clock::time_point now) {
  spdlog::info("worker removed: {}{}", why, worker.job ? " (was busy)" : "");
  if (send_disconnect) disconnect_peer(worker.identity);
  set_busy(worker);
  for (auto* s : worker.services) --s->workers;
  Service* requeued_to = nullptr;
  if (Job* job = worker.job) {
    worker.job = nullptr;
    job->worker = nullptr;
    if (job->state == JobState::kAnswered) {
      finish_job(*job);
    } else if (!job->service->nonretryable && job->dispatches < 2 && now < job->deadline) {
      ++counters_.requeued;
      enqueue(*job, true);
      requeued_to = job->service;
    } else {
      ++counters_.worker_lost;
      reply_error(*job, ErrorCode::kWorkerLost,
                  "the worker running the job was lost (" + std::string(why) + ")" +
                      (job->service->nonretryable ? "; the intent is not retryable"
                                                  : "; already retried once"));
      finish_job(*job);
    }
  }
  workers_.erase(worker.identity);  // `worker` is gone from here on
  if (requeued_to) dispatch(*requeued_to, now);
}

void Broker::finish_job(Job& job) {
  if (job.state == JobState::kQueued) --job.service->queued;  // its queue entry becomes stale
  if (job.intentq) {
    auto it = in_flight_.find(job.key);
    if (it != in_flight_.end() && it->second == &job) in_flight_.erase(it);
  }
  jobs_.erase(job.seq);
}

void Broker::timeout_job(Job& job, Clock::time_point now) {
  ++counters_.timeouts;
  const auto deadline_ms = ms_between(job.accepted, job.deadline);
  if (job.state == JobState::kQueued) {
    reply_error(job, ErrorCode::kTimeout,
                "deadline of " + std::to_string(deadline_ms) +
                    " ms passed while the job was queued (no free worker)");
    Service& s = *job.service;
    finish_job(job);
    compact_queue(s);
  } else {
    reply_error(job, ErrorCode::kTimeout,
                "deadline of " + std::to_string(deadline_ms) +
                    " ms passed while a worker was running the job");
    // The worker still holds it; it becomes idle when it replies (the reply is dropped).
    job.state = JobState::kAnswered;
  }
}

// ---------------------------------------------------------------------------------------------
// Replies

void Broker::reply_error(Job& job, ErrorCode code, const std::string& message) {
  --unanswered_;
  const auto& service = job.service->name;
  zmq::message_t body(encode_reply(make_error_reply(job.id, service, code, message)));
  for (auto& s : job.submitters) {
    if (!s.reply) continue;
    Frames b;
    b.push_back(share(body));
    send_client(s.client, service, std::move(b));
  }
  if (job.intentq) publish(service, false, body);
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

void Broker::send_client_error(const std::string& client, std::string_view service, std::string id,
                               ErrorCode code, const std::string& message, bool publish_it) {
  zmq::message_t body(
      encode_reply(make_error_reply(std::move(id), std::string(service), code, message)));
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
  try {
    while (!deadlines_.empty() && deadlines_.top().first <= now) {
      const auto [when, seq] = deadlines_.top();
      deadlines_.pop();
      auto it = jobs_.find(seq);
      if (it == jobs_.end()) continue;
      Job& job = *it->second;
      if (job.deadline == when && job.state != JobState::kAnswered) timeout_job(job, now);
    }
    if (!held_.empty() && now >= started_ + config_.startup_grace) release_held(now);
    if (now >= next_tick_) {
      std::vector<Worker*> expired;
      for (auto& [id, w] : workers_) {
        if (now >= w->expiry(*this)) {
          expired.push_back(w.get());
        } else if (now >= w->next_heartbeat) {
          Frames f = mdp::worker_command(mdp::Command::kHeartbeat);
          f.insert(f.begin(), frame(w->identity));
          outbox_.to_worker(f);
          w->next_heartbeat = now + std::min(config_.heartbeat, w->heartbeat);
        }
      }
      for (auto* w : expired) {
        ++counters_.workers_expired;
        delete_worker(*w, true, "expired (no heartbeat)", now);
      }
      dedup_.expire(now);
      // A quarter heartbeat bounds how late expiry and heartbeats can be.
      next_tick_ = now + std::max(Ms(10), config_.heartbeat / 4);
    }
  } catch (const std::exception& e) {
    spdlog::error("internal error in the broker's timer: {}", e.what());
  }
}

Clock::time_point Broker::next_wakeup() const {
  auto at = next_tick_;
  if (!deadlines_.empty()) at = std::min(at, deadlines_.top().first);
  if (!held_.empty()) at = std::min(at, started_ + config_.startup_grace);
  return at;
}

void Broker::begin_drain(Clock::time_point now) {
  if (draining_) return;
  draining_ = true;
  spdlog::info("draining: {} job(s) unanswered, new requests get BUSY", unanswered_);
}

void Broker::finish_drain(Clock::time_point now) {
  std::vector<Job*> left;
  for (auto& [seq, job] : jobs_)
    if (job->state != JobState::kAnswered) left.push_back(job.get());
  for (auto* job : left) {
    ++counters_.timeouts;
    reply_error(*job, ErrorCode::kTimeout, "the broker shut down before the job finished");
    job->state = JobState::kAnswered;
  }
  for (auto& [id, w] : workers_) disconnect_peer(w->identity);
  if (!left.empty()) spdlog::warn("shutdown: answered {} unfinished job(s) TIMEOUT", left.size());
}

// ---------------------------------------------------------------------------------------------
// Introspection and helpers

size_t Broker::queued_count(std::string_view service) const {
  auto it = services_.find(std::string(service));
  return it == services_.end() ? 0 : it->second->queued;
}

std::string Broker::stats_body(Clock::time_point now) const {
  namespace mp = msgpack_codec;
  std::string out;
  mp::Writer w(out);
  w.map_header(8);
  w.str("services");
  w.map_header(static_cast<uint32_t>(services_.size()));
  for (const auto& [name, s] : services_) {
    w.str(name);
    w.map_header(6);
    w.str("kind");
    w.str(s->intentq ? "intentq" : "opaque");
    w.str("queued");
    w.uint(s->queued);
    w.str("workers");
    w.uint(s->workers);
    w.str("idle");
    w.uint(s->idle.size());
    w.str("busy");
    w.uint(s->workers - s->idle.size());
    w.str("retryable");
    w.boolean(!s->nonretryable);
  }
  w.str("workers");
  w.uint(workers_.size());
  w.str("jobs");
  w.uint(jobs_.size());
  w.str("unanswered");
  w.uint(unanswered_);
  w.str("dedup_entries");
  w.uint(dedup_.size());
  w.str("draining");
  w.boolean(draining_);
  w.str("uptime_ms");
  w.uint(ms_between(started_, now));
  w.str("counters");
  uint32_t n = 0;
  counters_.for_each([&](std::string_view, uint64_t) { ++n; });
  w.map_header(n);
  counters_.for_each([&](std::string_view name, uint64_t v) {
    w.str(name);
    w.uint(v);
  });
  return out;
}

Broker::Service* Broker::find_service(std::string_view name) {
  auto it = services_.find(std::string(name));
  return it == services_.end() ? nullptr : it->second.get();
}

std::string Broker::new_job_id() {
  return id_prefix_ + std::to_string(next_seq_ + 1);
}

void Broker::warn_limited(const std::string& message) {
  // Garbage floods must not turn into log floods: at most one warning per second.
  const auto now = Clock::now();
  if (now - last_warning_ < std::chrono::seconds(1)) {
    ++suppressed_warnings_;
    return;
  }
  if (suppressed_warnings_)
    spdlog::warn("{} (and {} similar warnings suppressed)", message, suppressed_warnings_);
  else
    spdlog::warn("{}", message);
  last_warning_ = now;
  suppressed_warnings_ = 0;
}

}  // namespace intentq::broker
