#include "worker/worker_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "common/envelope.hpp"
#include "common/logging.hpp"
#include "common/mdp.hpp"
#include "common/params_schema.hpp"
#include "gateway/session.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/worker_metrics.hpp"

namespace intentq {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kDefaultDeadline{30000};

}  // namespace

WorkerLoop::WorkerLoop(WorkerOptions options, const std::vector<IntentInfo>& catalog,
                       std::string worker_name)
    : options_(std::move(options)),
      catalog_(catalog),
      worker_name_(std::move(worker_name)),
      broker_(context_, options_) {
  if (options_.session_mode == SessionMode::kPersistent) {
    GatewayLink::Options link;
    link.session = intents::session_options_for(options_.gateway);
    link.reconnect_min = options_.gateway_reconnect_min;
    link.reconnect_max = options_.gateway_reconnect_max;
    if (auto metrics = options_.metrics) {
      link.on_connect = [metrics](bool ok, GatewayLink::Clock::duration took) {
        metrics->gateway_connect(ok, took);
      };
      link.on_down = [metrics] { metrics->session_down(); };
    }
    link_ = std::make_unique<GatewayLink>(std::move(link));
  }
}

WorkerLoop::~WorkerLoop() = default;

const IntentInfo* WorkerLoop::find_intent(std::string_view name) const {
  for (const auto& intent : catalog_)
    if (intent.name == name) return &intent;
  return nullptr;
}

void WorkerLoop::connect() {
  last_ready_ = ready_info();
  const size_t frames = broker_.connect(last_ready_);
  spdlog::info("connected to broker {} and sent READY ({} frames, gateway session {})",
               options_.endpoint, frames,
               !link_        ? "per-job"
               : link_->up() ? "up"
                             : "down");
}

mdp::ReadyInfo WorkerLoop::ready_info() {
  mdp::ReadyInfo ready;
  // Per-job sessions are opened by each job: the worker offers its gateway intents always.
  const bool session_up = !link_ || link_->up();
  if (link_) link_->take_change();  // this READY reports the current state
  ready_offers_gateway_ = session_up;
  auto offered = [&](const IntentInfo& intent) { return session_up || !intent.uses_gateway(); };
  for (const auto& intent : catalog_)
    if (offered(intent)) ready.services.push_back(intent.name);
  ready.intentq = true;
  ready.cancel = true;  // JobThread::cancel stops a running job
  ready.heartbeat_ms = static_cast<uint32_t>(options_.heartbeat.count());
  for (const auto& intent : catalog_)
    if (!intent.retryable && offered(intent)) ready.nonretryable.push_back(intent.name);

  // Gateway session, budget and routing (CONTRACT; docs/protocol.md "READY options").
  ready.gateway = options_.gateway_id;
  ready.session_up = session_up;
  ready.budget = static_cast<uint32_t>(options_.gateway.max_messages_per_second);
  // Intents whose requests IB counts as historical: the broker paces them by IB's rules.
  for (const auto& intent : catalog_)
    if (intent.historical && offered(intent)) ready.historical.push_back(intent.name);
  if (session_up) {
    // A per-job session adds startApi to every job.
    const int extra = link_ ? 0 : 1;
    for (const auto& intent : catalog_)
      if (intent.uses_gateway())
        ready.costs.emplace_back(intent.name, static_cast<uint32_t>(intent.gateway_cost + extra));
  }
  if (link_ && link_->up()) {
    // worker_ready() splits a long list into several @accounts frames of at most
    // mdp::kMaxOptionBytes; an account that cannot fit one frame is left out.
    for (const auto& account : link_->accounts())
      if (!account.empty() && mdp::kOptAccounts.size() + account.size() <= mdp::kMaxOptionBytes)
        ready.accounts.push_back(account);
  }
  ready.client_id = options_.gateway.client_id;
  if (link_) {
    ready.reconnects = link_->reconnects();
    if (link_->up()) ready.session_age_ms = link_->session_age_ms(Clock::now());
  }
  ready.name = worker_name_.substr(0, mdp::kMaxWorkerNameBytes);
  if (!session_up) {
    // The broker answers requests for these GATEWAY_UNREACHABLE at once, with our error, instead
    // of queueing them until a deadline (issue 18).
    for (const auto& intent : catalog_)
      if (intent.uses_gateway()) ready.waiting.push_back(intent.name);
    add_session_down(ready);
  }
  return ready;
}

void WorkerLoop::add_session_down(mdp::ReadyInfo& info) {
  if (!link_) return;
  link_->take_error_change();  // this message reports the current error
  info.session_up = link_->up();
  if (link_->up()) return;
  std::string error = link_->last_error().empty() ? "not connected yet" : link_->last_error();
  // Printable ASCII within the broker's bound (it would cut it too).
  for (auto& c : error)
    if (c < ' ' || c > '~') c = '?';
  info.session_error = error.substr(0, mdp::kMaxSessionErrorBytes);
  if (auto since = link_->down_since())
    info.session_down_ms = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *since).count());
}

void WorkerLoop::reregister() {
  spdlog::info("gateway session {}: registering again with the broker",
               link_->up() ? "up" : "down");
  // Session down: the broker hears why first, so that jobs for this gateway's accounts that it
  // must answer when this worker leaves get GATEWAY_UNREACHABLE with the cause (issue 18).
  if (!link_->up()) {
    mdp::ReadyInfo update;
    add_session_down(update);
    broker_.session_update(update);
  }
  // Let the DISCONNECT reach the broker before its socket closes.
  broker_.disconnect(1000ms);
  connect();
}

void WorkerLoop::receive_all() {
  // Cancels are applied in the order they came: those read before a REQUEST are for an earlier
  // job, even when the new job has the same id (a resubmission after the cancel).
  while (auto request = broker_.receive()) {
    apply_cancels();
    on_request(*request);
  }
  apply_cancels();
}

void WorkerLoop::apply_cancels() {
  // The broker asks us to stop a job whose submitters all cancelled it (issue 20). Only the
  // running job can be meant; an id that is not it (it ended meanwhile) is ignored.
  for (const auto& id : broker_.take_cancels()) {
    if (!job_.busy() || id != job_id_) continue;
    LogJobScope log_scope(job_id_, "", worker_name_);
    spdlog::info("job {}: cancelled by its submitter; stopping it", id);
    job_.cancel();
  }
}

void WorkerLoop::on_request(mdp::Request& in) {
  // in.body: [service,] body
  auto route = std::move(in.route);
  std::string service;
  std::string_view body;
  if (in.body.size() == 2) {
    service = std::string(mdp::view(in.body[0]));
    body = mdp::view(in.body[1]);
  } else if (in.body.size() == 1) {
    // No service frame (a broker without the intentq READY extension): the intent is unknown
    // and the job is answered UNKNOWN_INTENT below.
    body = mdp::view(in.body[0]);
  } else {
    reply_now(std::move(route),
              make_error_reply("", "", ErrorCode::kBadRequest,
                               "REQUEST must carry one body frame (and the service frame)"));
    return;
  }

  JobRequest request;
  try {
    request = decode_request(body);
  } catch (const EnvelopeError& e) {
    reply_now(std::move(route), make_error_reply("", service, ErrorCode::kBadRequest, e.what()));
    return;
  }
  std::string id = request.id.value_or("");
  LogJobScope log_scope(id, service, worker_name_);

  if (job_.busy()) {
    // The broker gives one job at a time; answer rather than silently drop a second one.
    spdlog::error("job {} arrived while job {} is running; answering BUSY", id, job_id_);
    reply_now(std::move(route),
              make_error_reply(id, service, ErrorCode::kBusy, "worker is busy with another job"));
    return;
  }
  const IntentInfo* intent = find_intent(service);
  if (!intent) {
    reply_now(std::move(route),
              make_error_reply(id, service, ErrorCode::kUnknownIntent,
                               "this worker does not serve intent '" + service + "'"));
    return;
  }

  auto now = Clock::now();
  gw::DetachedSession* session = nullptr;
  if (link_ && intent->uses_gateway()) {
    // A session the link closed itself after the previous job is being replaced: wait for it
    // (a connect, normally milliseconds), bounded well inside the job's deadline.
    if (link_->recycling()) {
      auto wait = std::min<std::chrono::milliseconds>(
          request.deadline_ms ? std::chrono::milliseconds(*request.deadline_ms / 2) : 2000ms,
          2000ms);
      link_->wait_for_recycle(now + wait);
    }
    // The broker may have dispatched this before it saw our READY with @session=down.
    session = link_->lend();
    if (!session) {
      reply_now(std::move(route),
                make_error_reply(id, service, ErrorCode::kGatewayUnreachable,
                                 "gateway " + options_.gateway_id +
                                     " unreachable: the worker's session is down (reconnecting)"));
      return;
    }
  }
  JobContext job;
  job.session = session;
  job.id = id;
  job.intent = service;
  job.params = request.params.is_null() ? nlohmann::json::object() : std::move(request.params);
  // The gateway intents validate the params' bytes with the shared schema (a key given twice is
  // only visible there). Other intents (echo, with large bodies) skip the second read.
  if (params::find_intent(service))
    job.params_msgpack = std::string(read_request_fields(body).params);  // decoded above: no throw
  job.deadline = now + (request.deadline_ms ? std::chrono::milliseconds(*request.deadline_ms)
                                            : kDefaultDeadline);
  job.gateway = options_.gateway;

  spdlog::debug("job {} start intent={} deadline_ms={}", id, service,
                request.deadline_ms ? static_cast<int64_t>(*request.deadline_ms) : -1);
  job_route_ = std::move(route);
  job_generation_ = broker_.generation();
  job_id_ = id;
  job_.start(*intent, std::move(job), request.queued_ms.value_or(0), worker_name_);
}

void WorkerLoop::finish_job() {
  auto reply = job_.collect();
  if (!reply) return;
  ++jobs_done_;
  LogJobScope log_scope(reply->id, reply->intent, worker_name_);
  if (link_) link_->returned(Clock::now());
  spdlog::debug("job {} end status={} run_ms={}", reply->id, reply->ok ? "ok" : "error",
                reply->timings_ms.value("run", uint64_t{0}));
  if (job_generation_ != broker_.generation() || !broker_.connected()) {
    // The broker this job came from is gone; a restarted broker does not know the job and the
    // client retries it under the same id.
    spdlog::warn("job {} finished after the broker connection was replaced; reply dropped",
                 reply->id);
  } else {
    reply_now(std::move(job_route_), *reply);
  }
  job_route_.clear();
  job_id_.clear();
}

void WorkerLoop::reply_now(mdp::Frames route, const JobReply& reply) {
  auto body = encode_reply(reply);
  if (static_cast<int64_t>(body.size()) > options_.max_message_bytes) {
    // libzmq on the broker drops a connection that sends a frame over its ZMQ_MAXMSGSIZE: answer
    // a small error instead of knocking this worker offline.
    spdlog::warn("job {}: reply of {} bytes exceeds --max-message-bytes {}; answering {}", reply.id,
                 body.size(), options_.max_message_bytes, to_string(ErrorCode::kResultTooLarge));
    auto error = make_error_reply(
        reply.id, reply.intent, ErrorCode::kResultTooLarge,
        "the result is " + std::to_string(body.size()) + " bytes encoded; the limit is " +
            std::to_string(options_.max_message_bytes) + " (--max-message-bytes)");
    error.worker = reply.worker;
    error.timings_ms = reply.timings_ms;
    body = encode_reply(error);
    if (options_.metrics)
      options_.metrics->job_answered(reply.intent, ErrorCode::kResultTooLarge, reply.timings_ms);
  } else if (options_.metrics) {
    options_.metrics->job_answered(
        reply.intent,
        reply.ok ? std::nullopt
                 : std::optional<ErrorCode>(reply.error ? reply.error->code : ErrorCode::kInternal),
        reply.timings_ms);
  }
  if (!reply.ok && reply.error)
    spdlog::debug("job {} answered {}: {}", reply.id, to_string(reply.error->code),
                  reply.error->message);
  broker_.reply(std::move(route), body);
}

int WorkerLoop::run(int stop_fd, const std::function<void()>& on_ready) {
  // The first READY says whether the gateway session is up: try it once before registering.
  if (link_) link_->connect_now();
  connect();
  if (on_ready) on_ready();
  bool stopping = false;

  for (;;) {
    if (tick_) {
      WorkerStatus status;
      status.registered = broker_.connected();
      status.offers_gateway = broker_.connected() && ready_offers_gateway_;
      if (link_) status.session_up = link_->up();
      status.busy = job_.busy();
      status.stopping = stopping;
      status.jobs_done = jobs_done_;
      tick_(status);
    }
    if (stopping && !job_.busy()) break;
    auto now = Clock::now();

    // Timers: heartbeat, broker liveness, pending reconnect.
    broker_.tick(now);
    // READY promises the broker we are idle, so a reconnect waits for the running job to end.
    if (broker_.reconnect_due(now) && !job_.busy() && !stopping) connect();

    // While a job runs, a due reconnect waits for the job's eventfd, which wakes the poll.
    auto next = broker_.next_wakeup(now, now + options_.heartbeat, !job_.busy());
    if (link_) next = std::min(next, link_->next_wakeup(now));
    if (tick_) next = std::min(next, now + tick_every_);
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + 1ms;

    std::vector<zmq::pollitem_t> items;
    items.push_back({nullptr, job_.notify_fd(), ZMQ_POLLIN, 0});
    items.push_back({nullptr, stop_fd, ZMQ_POLLIN, 0});
    size_t socket_item = 0, link_item = 0;
    if (broker_.connected()) {
      socket_item = items.size();
      items.push_back({broker_.handle(), 0, ZMQ_POLLIN, 0});
    }
    if (link_) {
      // The connect thread's completion, and between jobs the session itself: whatever the
      // gateway sends unasked is read (and dropped) at once, EOF is noticed at once.
      items.push_back({nullptr, link_->connect_fd(), ZMQ_POLLIN, 0});
      if (int fd = link_->session_fd(); fd >= 0) {
        link_item = items.size();
        short events = ZMQ_POLLIN;
        if (link_->wants_write(now)) events |= ZMQ_POLLOUT;
        items.push_back({nullptr, fd, events, 0});
      }
    }
    zmq::poll(items.data(), items.size(), timeout);

    if (items[1].revents & ZMQ_POLLIN) {
      if (stopping) {
        spdlog::warn("second stop signal: exiting without waiting for job {}", job_id_);
        std::_Exit(1);
      }
      stopping = true;
      spdlog::info("stop requested{}", job_.busy() ? "; finishing the running job first" : "");
      // Drain the signal so the fd stops polling readable; the caller owns its format, so read
      // generously.
      char buf[256];
      (void)!::read(stop_fd, buf, sizeof buf);
    }
    if (items[0].revents & ZMQ_POLLIN) finish_job();
    if (link_) {
      link_->service(link_item && (items[link_item].revents & (ZMQ_POLLIN | ZMQ_POLLERR)),
                     Clock::now());
      // Only between jobs: READY promises the broker an idle worker.
      if (!job_.busy() && !stopping && broker_.connected() && link_->take_change()) {
        reregister();
      } else if (broker_.connected() && !link_->up() && link_->take_error_change()) {
        // Still down, with a new connect error: the broker hears it now, not at the next READY.
        mdp::ReadyInfo update;
        add_session_down(update);
        broker_.session_update(update);
      }
    }
    if (socket_item && broker_.connected() && (items[socket_item].revents & ZMQ_POLLIN))
      receive_all();
  }

  // Let the last reply and the DISCONNECT reach the broker before the socket closes.
  broker_.disconnect(1000ms);
  spdlog::info("worker stopped");
  return 0;
}

}  // namespace intentq
