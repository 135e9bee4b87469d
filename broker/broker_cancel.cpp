// Cancellation (issue 20; docs/protocol.md sections 4 and 6.10): mmi.cancel with a job id.
//
// A submission belongs to the identity that sent it (Submitter::owner: the routing id, or the
// CURVE key). A cancel answers the caller's own submissions of that id CANCELLED and removes them;
// whatever other submitters (the same id attached, requests coalesced onto the job) wait for keeps
// running for them. Only when nobody is left does the job stop: a queued one leaves its queue, a
// running one is marked answered (like a timed-out job, its worker's late reply is dropped) and
// its worker, when it announced "@cancel=1", is told to stop it so its gateway session sends IB's
// cancel. An id the caller has no submission under -- unknown, finished, or someone else's -- is
// answered UNKNOWN_JOB with one message, which says nothing about whether it exists.
#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "broker/broker.hpp"
#include "common/envelope.hpp"

namespace intentq::broker {
namespace {

using mdp::frame;
using mdp::share;
using mdp::view;

// True for well-formed UTF-8 (reply envelopes carry only valid text).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}

std::string job_key(std::string_view service, std::string_view id) {
  std::string key(service);
  key.push_back('\0');
  key.append(id);
  return key;
}

}  // namespace

void Broker::handle_cancel(const std::string& client, Frames& frames, Clock::time_point now) {
  if (frames.size() != 5)
    return reply_cancel(client, "", ErrorCode::kBadRequest,
                        "mmi.cancel takes exactly one body frame, the job id; got " +
                            std::to_string(frames.size() - 4),
                        "");
  const auto id = view(frames[4]);
  if (id.empty())
    return reply_cancel(client, "", ErrorCode::kBadRequest, "mmi.cancel: the job id is empty", "");
  if (id.size() > kMaxIdBytes || !valid_utf8(id))
    return reply_cancel(client, "", ErrorCode::kBadRequest,
                        "mmi.cancel: a job id is 1.." + std::to_string(kMaxIdBytes) +
                            " bytes of UTF-8; got " + std::to_string(id.size()) + " bytes" +
                            (valid_utf8(id) ? "" : " that are not UTF-8"),
                        "");
  // A job id names one job per service; the caller's jobs are found through the in-flight index
  // (jobs submitted with an id, and requests coalesced under theirs): one hash lookup for an id
  // nobody uses, one lookup per service for an id in flight.
  std::vector<Service*> services;
  if (jobs_.id_in_flight(id))
    registry_.for_each_service([&](Service& s) {
      if (s.intentq) services.push_back(&s);
    });
  CancelOutcome best = CancelOutcome::kNotMine;
  for (auto* s : services) {
    const auto key = job_key(s->name, id);
    Job* job = jobs_.in_flight(key);
    if (!job || job->state == JobState::kAnswered) continue;
    const auto outcome = cancel_submissions(*job, key, now);
    if (outcome != CancelOutcome::kNotMine) best = std::max(best, outcome);
  }
  switch (best) {
    case CancelOutcome::kNotMine:
      ++counters_.cancels_unknown;
      return reply_cancel(
          client, std::string(id), ErrorCode::kUnknownJob,
          "no job '" + std::string(id) + "' submitted by this client is queued or running", "");
    case CancelOutcome::kDetached:
      return reply_cancel(client, std::string(id), std::nullopt, "", "detached");
    case CancelOutcome::kStoppedQueued:
      return reply_cancel(client, std::string(id), std::nullopt, "", "queued");
    case CancelOutcome::kStoppedRunning:
      return reply_cancel(client, std::string(id), std::nullopt, "", "running");
  }
}

Broker::CancelOutcome Broker::cancel_submissions(Job& job, const std::string& key,
                                                 Clock::time_point now) {
  const auto& service = job.service->name;
  const bool own = key == job.key;
  if (own && job.own_answered) return CancelOutcome::kNotMine;  // already timed out
  auto rider = job.riders.end();
  if (!own) {
    rider = std::find_if(job.riders.begin(), job.riders.end(),
                         [&](const Rider& r) { return r.key == key; });
    if (rider == job.riders.end()) return CancelOutcome::kNotMine;
  }
  auto& submitters = own ? job.submitters : rider->submitters;
  const auto mine = std::stable_partition(submitters.begin(), submitters.end(),
                                          [&](const Submitter& s) { return s.owner != owner_; });
  if (mine == submitters.end()) return CancelOutcome::kNotMine;

  const std::string& id = own ? job.id : rider->id;
  zmq::message_t body(encode_reply(make_error_reply(
      id, service, ErrorCode::kCancelled, "job '" + id + "' was cancelled by its submitter")));
  for (auto s = mine; s != submitters.end(); ++s) {
    ++counters_.cancelled;
    if (!s->reply) continue;
    Frames b;
    b.push_back(share(body));
    send_client(s->client, service, std::move(b));
  }
  publish(service, false, body);
  submitters.erase(mine, submitters.end());
  spdlog::debug("job {}: submission '{}' cancelled by its submitter", job.id, id);
  if (!submitters.empty()) return CancelOutcome::kDetached;  // others wait under this id

  // Nobody waits under this id any more: a resubmission of it starts afresh.
  jobs_.clear_in_flight(key, job);
  if (own) {
    job.own_answered = true;
    job.own_cancelled = true;  // its reply is not cached under this id: a resubmission runs
  } else {
    job.riders.erase(rider);
  }
  if (!job.own_answered || !job.riders.empty()) return CancelOutcome::kDetached;
  const bool queued = job.state == JobState::kQueued;
  stop_job(job, now);
  return queued ? CancelOutcome::kStoppedQueued : CancelOutcome::kStoppedRunning;
}

void Broker::stop_job(Job& job, Clock::time_point now) {
  --unanswered_;
  observe_answer(job.service->name, ErrorCode::kCancelled);
  job.cancelled = true;
  if (job.state == JobState::kQueued) {
    Service& s = *job.service;
    finish_job(job);
    jobs_.compact(s);
    dispatch(s, now);  // a gateway queue's next job may go now
    return;
  }
  // Running: like a job past its deadline, the worker keeps it until it replies (dropped).
  job.state = JobState::kAnswered;
  forget_coalescing(job);
  Worker* worker = job.worker;
  if (worker && worker->cancels) {
    ++counters_.jobs_stopped;
    Frames f = mdp::worker_cancel(job.id);
    f.insert(f.begin(), frame(worker->identity));
    outbox_.to_worker(f);  // best effort: a worker that is gone is handled as any other
    worker->next_heartbeat = now + std::min(config_.heartbeat, worker->heartbeat);
  }
}

void Broker::reply_cancel(const std::string& client, std::string id, std::optional<ErrorCode> error,
                          const std::string& text, const std::string& state) {
  JobReply reply;
  if (error) {
    reply = make_error_reply(std::move(id), std::string(mdp::kMmiCancel), *error, text);
  } else {
    reply.id = std::move(id);
    reply.intent = std::string(mdp::kMmiCancel);
    reply.result = nlohmann::json{{"state", state}};
    reply.worker = "broker";
  }
  if (error == ErrorCode::kBadRequest) ++counters_.bad_requests;
  Frames b;
  b.push_back(frame(encode_reply(reply)));
  send_client(client, mdp::kMmiCancel, std::move(b));
}

}  // namespace intentq::broker
