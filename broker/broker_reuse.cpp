// Answer reuse (issue 11): identical read-only requests of gateway services share one job
// (coalescing) or a recent answer (freshness window, max_age_ms). docs/protocol.md section 6.8
// says what a caller can rely on.
#include <algorithm>

#include "broker/broker.hpp"
#include "broker/request_body.hpp"
#include "broker/shared_reply.hpp"
#include "broker/time_text.hpp"
#include "common/envelope.hpp"

namespace intentq::broker {
namespace {

using mdp::frame;
using mdp::share;
using mdp::view;

// Bytes charged for a rider on top of its routing id and request id (record, heap entry).
constexpr size_t kRiderOverhead = 128;

}  // namespace

bool Broker::try_reuse(std::string& client, Service& service, const std::string& id,
                       const std::string& key, bool client_id, bool reply, uint64_t deadline_ms,
                       const Job& probe, uint64_t max_age_ms, Clock::time_point now) {
  if (probe.reuse_key.empty()) return false;
  if (max_age_ms > 0) {
    if (auto hit = reuse_.find(probe.reuse_key, Ms(max_age_ms), now)) {
      ++counters_.reuse_hits;
      zmq::message_t body(
          rewrite_reply(hit->body, id, hit->source_id, static_cast<uint64_t>(hit->age.count())));
      if (client_id) dedup_.put(key, body, now);  // a retry of this id gets the same answer
      publish(service.name, true, body);
      if (reply) {
        Frames b;
        b.push_back(std::move(body));
        send_client(client, service.name, std::move(b));
      }
      return true;
    }
    ++counters_.reuse_misses;
  }
  auto it = coalescing_.find(probe.reuse_key);
  if (it == coalescing_.end()) return false;
  Job& job = *it->second;
  if (job.state == JobState::kAnswered) return false;
  if (job.riders.size() + job.submitters.size() >= config_.max_attached) return false;
  const size_t bytes = kRiderOverhead + client.size() + id.size();
  if (jobs_.bytes() + bytes > config_.max_jobs_bytes) return false;  // admission answers BUSY
  ++counters_.coalesced;
  jobs_.grow(job, bytes);
  Rider r;
  r.id = id;
  r.key = key;
  r.client_id = client_id;
  r.submitters.push_back({std::move(client), reply, owner_});
  r.accepted = now;
  r.deadline = now + Ms(deadline_ms);
  // From now on the job's own deadline only times out its first submitter; the job lives as long
  // as its longest-waiting request (a queued job is dispatched with that much time; a running one
  // keeps the deadline its worker was given).
  const bool first_rider = job.riders.empty();
  const Clock::time_point deadline = r.deadline;
  if (r.client_id) jobs_.set_in_flight(r.key, job);
  job.riders.push_back(std::move(r));
  // Pushed after the rider is in place: a rebuild of the heap starts from the live riders.
  if (first_rider) jobs_.add_rider_deadline(job.own_deadline, job, job.key);
  jobs_.add_rider_deadline(deadline, job, job.riders.back().key);
  jobs_.extend_deadline(job, deadline);
  return true;
}

void Broker::deliver(Job& job, zmq::message_t& body, bool ok, bool valid, Clock::time_point now) {
  const auto& service = job.service->name;
  if (!job.own_answered) {
    send_submitters(job.submitters, service, body);
    publish(service, ok, body);
  }
  // A worker's TIMEOUT names the deadline the worker was given (the job's, at dispatch); a rider
  // is told its own instead (issue 18: never another request's deadline as its own).
  bool worker_timeout = false;
  if (!ok && valid && !job.riders.empty()) {
    try {
      const auto fields = parse_reply(view(body));
      worker_timeout = fields.code == ErrorCode::kTimeout;
    } catch (const EnvelopeError&) {
    }
  }
  for (auto& r : job.riders) {
    zmq::message_t rb;
    try {
      if (worker_timeout)
        rb = frame(encode_reply(make_error_reply(
            r.id, service, ErrorCode::kTimeout,
            "the shared job '" + job.id +
                "' this request joined timed out at its worker before this request's own "
                "deadline of " +
                std::to_string(ms_between(r.accepted, r.deadline)) + " ms passed: resubmit it")));
      else
        rb = frame(rewrite_reply(view(body), r.id, job.id, std::nullopt));
    } catch (const EnvelopeError& e) {
      rb = frame(
          encode_reply(make_error_reply(r.id, service, ErrorCode::kInternal,
                                        std::string("shared reply unreadable: ") + e.what())));
    }
    if (valid && r.client_id) dedup_.put(r.key, rb, now, r.accepted);
    send_submitters(r.submitters, service, rb);
    publish(service, ok, rb);
  }
  // Only successful answers are reused; their age counts from dispatch, when the worker began
  // fetching, so age_ms never understates how old the data is.
  if (ok && valid && !job.reuse_key.empty())
    reuse_.put(job.reuse_key, view(body), job.id, job.dispatched_at);
}

void Broker::answer_riders_error(Job& job, ErrorCode code, const std::string& message) {
  const auto& service = job.service->name;
  for (auto& r : job.riders) {
    zmq::message_t body(encode_reply(make_error_reply(r.id, service, code, message)));
    send_submitters(r.submitters, service, body);
    publish(service, false, body);
    jobs_.clear_in_flight(r.key, job);
  }
  job.riders.clear();
}

void Broker::timeout_riders(Job& job) {
  const auto& service = job.service->name;
  const char* where = job.state == JobState::kQueued ? "queued" : "running";
  for (auto& r : job.riders) {
    ++counters_.timeouts;
    zmq::message_t body(encode_reply(make_error_reply(
        r.id, service, ErrorCode::kTimeout,
        "deadline of " + std::to_string(ms_between(r.accepted, r.deadline)) +
            " ms passed while waiting for a shared job (job '" + job.id + "', " + where + ")")));
    send_submitters(r.submitters, service, body);
    publish(service, false, body);
    jobs_.clear_in_flight(r.key, job);
  }
  job.riders.clear();
}

void Broker::timeout_rider(Job& job, const std::string& key) {
  const auto& service = job.service->name;
  auto answer = [&](const std::string& id, std::vector<Submitter>& submitters, uint64_t ms) {
    ++counters_.timeouts;
    zmq::message_t body(encode_reply(make_error_reply(
        id, service, ErrorCode::kTimeout,
        "deadline of " + std::to_string(ms) +
            " ms passed while waiting for a shared job (it continues for other requests)")));
    send_submitters(submitters, service, body);
    publish(service, false, body);
  };
  if (key == job.key) {
    if (job.own_answered) return;
    job.own_answered = true;
    answer(job.id, job.submitters, ms_between(job.accepted, job.own_deadline));
    // A resubmission of this id starts (or joins) a job again rather than waiting on this one.
    jobs_.clear_in_flight(job.key, job);
    return;
  }
  for (auto r = job.riders.begin(); r != job.riders.end(); ++r) {
    if (r->key != key) continue;
    answer(r->id, r->submitters, ms_between(r->accepted, r->deadline));
    jobs_.clear_in_flight(r->key, job);
    job.riders.erase(r);
    return;
  }
}

void Broker::forget_coalescing(Job& job) {
  if (job.reuse_key.empty()) return;
  auto it = coalescing_.find(job.reuse_key);
  if (it != coalescing_.end() && it->second == &job) coalescing_.erase(it);
  for (auto& r : job.riders) jobs_.clear_in_flight(r.key, job);
}

}  // namespace intentq::broker
