#include "worker/worker_loop.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "common/envelope.hpp"
#include "common/logging.hpp"
#include "common/mdp.hpp"
#include "gateway/session.hpp"
#include "worker/intents/gateway_job.hpp"
#include "worker/worker_metrics.hpp"

namespace intentq {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kDefaultDeadline{30000};

zmq::message_t frame(std::string_view text) {
  return zmq::message_t(text.data(), text.size());
}

std::string_view view(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

}  // namespace

WorkerLoop::WorkerLoop(WorkerOptions options, const std::vector<IntentInfo>& catalog,
                       std::string worker_name)
    : options_(std::move(options)),
      catalog_(catalog),
      worker_name_(std::move(worker_name)),
      backoff_(options_.reconnect_min) {
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

WorkerLoop::~WorkerLoop() {
  disconnect_socket();
}

const IntentInfo* WorkerLoop::find_intent(std::string_view name) const {
  for (const auto& intent : catalog_)
    if (intent.name == name) return &intent;
  return nullptr;
}

void WorkerLoop::connect() {
  disconnect_socket();
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  if (options_.curve) curve::apply_curve_client(*socket_, *options_.curve);
  // Unsent heartbeats for a broker that is gone are worthless: drop them on close.
  socket_->set(zmq::sockopt::linger, 0);
  socket_->connect(options_.broker);
  ++generation_;
  healthy_ = false;
  reconnect_at_.reset();

  Frames ready;
  ready.push_back(frame(""));
  ready.push_back(frame(mdp::kWorker));
  ready.push_back(frame(std::string(1, static_cast<char>(mdp::Command::kReady))));
  append_ready(ready);
  size_t frames = ready.size();
  send(ready);
  last_heard_ = Clock::now();  // give the broker a full liveness window to answer
  spdlog::info("connected to broker {} and sent READY ({} frames, gateway session {})",
               options_.broker, frames,
               !link_        ? "per-job"
               : link_->up() ? "up"
                             : "down");
}

void WorkerLoop::append_ready(Frames& ready) {
  // Per-job sessions are opened by each job: the worker offers its gateway intents always.
  const bool session_up = !link_ || link_->up();
  if (link_) link_->take_change();  // this READY reports the current state
  ready_offers_gateway_ = session_up;
  auto offered = [&](const IntentInfo& intent) { return session_up || !intent.uses_gateway(); };
  for (const auto& intent : catalog_)
    if (offered(intent)) ready.push_back(frame(intent.name));
  ready.push_back(frame(mdp::kOptIntentq));
  ready.push_back(
      frame(std::string(mdp::kOptHeartbeat) + std::to_string(options_.heartbeat.count())));
  for (const auto& intent : catalog_)
    if (!intent.retryable && offered(intent))
      ready.push_back(frame(std::string(mdp::kOptNonRetryable) + intent.name));

  // Gateway session, budget and routing (CONTRACT; docs/protocol.md "READY options").
  ready.push_back(frame("@gateway=" + options_.gateway_id));
  ready.push_back(frame(std::string("@session=") + (session_up ? "up" : "down")));
  ready.push_back(frame("@budget=" + std::to_string(options_.gateway.msg_rate)));
  if (session_up) {
    // A per-job session adds startApi to every job.
    const int extra = link_ ? 0 : 1;
    for (const auto& intent : catalog_)
      if (intent.uses_gateway())
        ready.push_back(
            frame("@cost=" + intent.name + ":" + std::to_string(intent.gateway_cost + extra)));
  }
  if (link_ && link_->up()) {
    // At most 1024 bytes per frame: a long account list goes out in several @accounts frames.
    constexpr size_t kMaxFrame = 1024;
    const std::string prefix = "@accounts=";
    std::string list;
    for (const auto& account : link_->accounts()) {
      if (account.empty() || prefix.size() + account.size() > kMaxFrame) continue;
      if (!list.empty() && prefix.size() + list.size() + 1 + account.size() > kMaxFrame) {
        ready.push_back(frame(prefix + list));
        list.clear();
      }
      list += (list.empty() ? "" : ",") + account;
    }
    if (!list.empty()) ready.push_back(frame(prefix + list));
  }
  ready.push_back(frame("@client-id=" + std::to_string(options_.gateway.client_id)));
  if (link_) {
    ready.push_back(frame("@reconnects=" + std::to_string(link_->reconnects())));
    if (link_->up())
      ready.push_back(
          frame("@session-age-ms=" + std::to_string(link_->session_age_ms(Clock::now()))));
  }
}

void WorkerLoop::reregister() {
  spdlog::info("gateway session {}: registering again with the broker",
               link_->up() ? "up" : "down");
  if (socket_) {
    send_command(static_cast<unsigned char>(mdp::Command::kDisconnect));
    // Let the DISCONNECT reach the broker before its socket closes (connect() closes it).
    socket_->set(zmq::sockopt::linger, 1000);
  }
  connect();
}

void WorkerLoop::disconnect_socket() {
  if (socket_) {
    socket_->close();
    socket_.reset();
  }
}

void WorkerLoop::schedule_reconnect(bool immediately) {
  disconnect_socket();
  auto wait = immediately ? 0ms : backoff_;
  if (!immediately) backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  reconnect_at_ = Clock::now() + wait;
  spdlog::warn("reconnecting to the broker in {} ms", wait.count());
}

void WorkerLoop::send(Frames& frames) {
  if (!socket_) return;
  for (size_t i = 0; i < frames.size(); ++i) {
    auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // DEALER blocks only at its high-water mark; a broker that stops reading is caught by the
    // liveness check, so a dontwait failure (message dropped) is logged, not fatal.
    if (!socket_->send(frames[i], flags | zmq::send_flags::dontwait)) {
      spdlog::warn("send to broker would block; message dropped");
      return;
    }
  }
  last_sent_ = Clock::now();
}

void WorkerLoop::send_command(unsigned char command) {
  Frames frames;
  frames.push_back(frame(""));
  frames.push_back(frame(mdp::kWorker));
  frames.push_back(frame(std::string(1, static_cast<char>(command))));
  send(frames);
}

void WorkerLoop::receive_all() {
  while (socket_) {
    Frames frames;
    zmq::message_t part;
    do {
      if (!socket_->recv(part, zmq::recv_flags::dontwait)) {
        if (frames.empty()) return;  // nothing more queued
        break;
      }
      frames.push_back(std::move(part));
    } while (frames.back().more());
    on_frames(frames);
  }
}

void WorkerLoop::on_frames(Frames& frames) {
  if (frames.size() < 3 || frames[0].size() != 0 || view(frames[1]) != mdp::kWorker ||
      frames[2].size() != 1) {
    spdlog::warn("dropping malformed message from broker ({} frames)", frames.size());
    return;
  }
  auto command = static_cast<mdp::Command>(static_cast<const unsigned char*>(frames[2].data())[0]);
  switch (command) {
    case mdp::Command::kRequest:
      last_heard_ = Clock::now();
      healthy_ = true;
      disconnect_streak_ = false;
      backoff_ = options_.reconnect_min;
      on_request(frames);
      break;
    case mdp::Command::kHeartbeat:
      last_heard_ = Clock::now();
      healthy_ = true;
      disconnect_streak_ = false;
      backoff_ = options_.reconnect_min;
      break;
    case mdp::Command::kDisconnect:
      // A broker that restarted does not know us and says so; register again at once. A broker
      // that keeps refusing us gets the backoff instead of a reconnect storm.
      spdlog::info("broker sent DISCONNECT");
      schedule_reconnect(healthy_ || !disconnect_streak_);
      disconnect_streak_ = !healthy_;
      break;
    default:
      spdlog::warn("dropping unexpected command 0x{:02x} from broker",
                   static_cast<unsigned>(command));
  }
}

void WorkerLoop::on_request(Frames& frames) {
  // frames: "", MDPW01, REQUEST, route..., "", [service,] body
  size_t delimiter = 3;
  while (delimiter < frames.size() && frames[delimiter].size() != 0) ++delimiter;
  if (delimiter == 3 || delimiter >= frames.size()) {
    spdlog::error("dropping REQUEST without a client address and delimiter");
    return;
  }
  Frames route;
  for (size_t i = 3; i < delimiter; ++i) route.push_back(std::move(frames[i]));
  size_t rest = frames.size() - delimiter - 1;
  std::string service;
  std::string_view body;
  if (rest == 2) {
    service = std::string(view(frames[delimiter + 1]));
    body = view(frames[delimiter + 2]);
  } else if (rest == 1) {
    // No service frame (a broker without the intentq READY extension): the intent is unknown
    // and the job is answered UNKNOWN_INTENT below.
    body = view(frames[delimiter + 1]);
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
  job.deadline = now + (request.deadline_ms ? std::chrono::milliseconds(*request.deadline_ms)
                                            : kDefaultDeadline);
  job.gateway = options_.gateway;

  spdlog::debug("job {} start intent={} deadline_ms={}", id, service,
                request.deadline_ms ? static_cast<int64_t>(*request.deadline_ms) : -1);
  job_route_ = std::move(route);
  job_generation_ = generation_;
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
  if (job_generation_ != generation_ || !socket_) {
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

void WorkerLoop::reply_now(Frames route, const JobReply& reply) {
  Frames frames;
  frames.push_back(frame(""));
  frames.push_back(frame(mdp::kWorker));
  frames.push_back(frame(std::string(1, static_cast<char>(mdp::Command::kReply))));
  for (auto& r : route) frames.push_back(std::move(r));
  frames.push_back(frame(""));
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
  frames.push_back(frame(body));
  if (!reply.ok && reply.error)
    spdlog::debug("job {} answered {}: {}", reply.id, to_string(reply.error->code),
                  reply.error->message);
  send(frames);
}

int WorkerLoop::run(int stop_fd, const std::function<void()>& on_ready) {
  // The first READY says whether the gateway session is up: try it once before registering.
  if (link_) link_->connect_now();
  connect();
  if (on_ready) on_ready();
  bool stopping = false;
  const auto liveness = options_.heartbeat * options_.liveness;

  for (;;) {
    if (tick_) {
      WorkerStatus status;
      status.registered = socket_ != nullptr;
      status.offers_gateway = socket_ && ready_offers_gateway_;
      if (link_) status.session_up = link_->up();
      status.busy = job_.busy();
      status.stopping = stopping;
      status.jobs_done = jobs_done_;
      tick_(status);
    }
    if (stopping && !job_.busy()) break;
    auto now = Clock::now();

    // Timers: heartbeat, broker liveness, pending reconnect.
    if (socket_ && now - last_sent_ >= options_.heartbeat)
      send_command(static_cast<unsigned char>(mdp::Command::kHeartbeat));
    if (socket_ && now - last_heard_ >= liveness) schedule_reconnect(false);
    // READY promises the broker we are idle, so a reconnect waits for the running job to end.
    if (!socket_ && reconnect_at_ && now >= *reconnect_at_ && !job_.busy() && !stopping) connect();

    auto next = now + options_.heartbeat;
    if (socket_) next = std::min({next, last_sent_ + options_.heartbeat, last_heard_ + liveness});
    // While a job runs, a due reconnect waits for the job's eventfd, which wakes the poll.
    if (reconnect_at_ && !job_.busy()) next = std::min(next, std::max(*reconnect_at_, now));
    if (link_) next = std::min(next, link_->next_wakeup(now));
    if (tick_) next = std::min(next, now + tick_every_);
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + 1ms;

    std::vector<zmq::pollitem_t> items;
    items.push_back({nullptr, job_.notify_fd(), ZMQ_POLLIN, 0});
    items.push_back({nullptr, stop_fd, ZMQ_POLLIN, 0});
    size_t socket_item = 0, link_item = 0;
    if (socket_) {
      socket_item = items.size();
      items.push_back({socket_->handle(), 0, ZMQ_POLLIN, 0});
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
      if (!job_.busy() && !stopping && socket_ && link_->take_change()) reregister();
    }
    if (socket_item && socket_ && (items[socket_item].revents & ZMQ_POLLIN)) receive_all();
  }

  if (socket_) {
    // Let the last reply and the DISCONNECT reach the broker before the socket closes.
    socket_->set(zmq::sockopt::linger, 1000);
    send_command(static_cast<unsigned char>(mdp::Command::kDisconnect));
  }
  disconnect_socket();
  spdlog::info("worker stopped");
  return 0;
}

}  // namespace intentq
