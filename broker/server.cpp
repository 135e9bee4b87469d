#include "broker/server.hpp"

#include <signal.h>

#include <cstdio>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/curve_socket.hpp"
#include "common/sd_notify.hpp"

namespace intentq::broker {
namespace {

// Messages handled per socket per poll round: keeps one busy socket from starving the other and
// the timers, while amortising the poll call under load.
constexpr int kBatch = 256;
constexpr int kPublishHwm = 1000;

// How often STATUS= is sent to systemd (jobs/s is measured over this interval).
constexpr Ms kStatusEvery{2000};

void bind_socket(zmq::socket_t& socket, const std::string& endpoint, const char* role,
                 std::string& bound) {
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("cannot bind ") + role + " to " + endpoint + ": " +
                             e.what());
  }
  bound = socket.get(zmq::sockopt::last_endpoint);
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      // Blocked before the ZeroMQ context starts its threads, so they inherit the mask.
      signals_({SIGINT, SIGTERM, SIGHUP}),
      context_(config_.io_threads),
      frontend_(context_, zmq::socket_type::router),
      backend_(context_, zmq::socket_type::router),
      publisher_(context_, zmq::socket_type::xpub),
      broker_(config_, *this, Clock::now()) {
  for (auto* s : {&frontend_, &backend_}) {
    // Untrusted peers: bound message size, report unroutable replies instead of dropping them
    // silently, and never block shutdown on unsent data.
    s->set(zmq::sockopt::maxmsgsize, config_.max_message_bytes);
    s->set(zmq::sockopt::router_mandatory, 1);
    s->set(zmq::sockopt::linger, 1000);
    s->set(zmq::sockopt::sndhwm, 100000);
    s->set(zmq::sockopt::rcvhwm, 100000);
  }
  // Messages name moments in UTC ("no worker has served 'positions' since 12:01:07 UTC"): the
  // core has no clock, so the server maps its steady time to the system clock at that moment.
  broker_.set_wall_clock([](Clock::time_point t) {
    return std::chrono::system_clock::now() -
           std::chrono::duration_cast<std::chrono::system_clock::duration>(Clock::now() - t);
  });
  // A worker that reconnects with the same identity takes over its old connection.
  backend_.set(zmq::sockopt::router_handover, 1);
  publisher_.set(zmq::sockopt::linger, 1000);
  // Per subscriber, at most this many results wait for a slow reader; past it XPUB drops
  // (ZMQ_XPUB_NODROP stays off). Messages, not bytes: the byte bound is this times the largest
  // result, worked out in docs/operations.md.
  publisher_.set(zmq::sockopt::sndhwm, kPublishHwm);
  security_ = std::make_unique<Security>(
      context_, config_.security,
      std::vector<std::pair<std::string, std::string>>{{"frontend", config_.frontend},
                                                       {"backend", config_.backend},
                                                       {"publish", config_.publish}});
  security_->secure(frontend_, curve::kDomainClients);
  security_->secure(backend_, curve::kDomainWorkers);
  security_->secure(publisher_, curve::kDomainSubscribers);
  if (security_->curve())
    handshakes_ = std::make_unique<HandshakeWatch>(
        context_,
        std::vector<HandshakeWatch::Watched>{{&frontend_, curve::kDomainClients, "frontend"},
                                             {&backend_, curve::kDomainWorkers, "backend"},
                                             {&publisher_, curve::kDomainSubscribers, "publish"}});
  bind_socket(frontend_, config_.frontend, "frontend", frontend_ep_);
  bind_socket(backend_, config_.backend, "backend", backend_ep_);
  bind_socket(publisher_, config_.publish, "publish", publish_ep_);
  if (!config_.metrics.empty()) {
    metrics_ = std::make_unique<MetricsExporter>(config_.metrics);
    broker_.set_observer(&metrics_->observer());
  }
}

Server::~Server() {
  broker_.set_observer(nullptr);  // metrics_ goes first
}

std::string Server::status_line(double jobs_per_second) const {
  char line[256];
  std::snprintf(line, sizeof line,
                "STATUS=%s: %zu workers, %zu jobs queued or running, %llu answered (%.1f jobs/s)",
                broker_.draining() ? "draining" : "serving", broker_.worker_count(),
                broker_.job_count(), static_cast<unsigned long long>(answered()), jobs_per_second);
  return line;
}

uint64_t Server::answered() const {
  const auto& c = broker_.counters();
  return c.replied + c.timeouts + c.worker_lost;
}

mdp::SendResult Server::to_client(Frames& frames) {
  return mdp::send_frames(frontend_, frames);
}

mdp::SendResult Server::to_worker(Frames& frames) {
  return mdp::send_frames(backend_, frames);
}

void Server::publish(Frames& frames) {
  // Nobody listening: skip the send (it would be dropped anyway; this saves a ZeroMQ call per
  // job). Otherwise XPUB drops at its high-water mark, like PUB: lagging subscribers lose results.
  if (subscriptions_ > 0) mdp::send_frames(publisher_, frames);
}

void Server::read_subscriptions() {
  // XPUB (non-verbose) passes up the first subscription and the last unsubscription of each
  // topic, so this counts the topics that have at least one subscriber.
  Frames f;
  while (mdp::recv_frames(publisher_, f)) {
    if (f.size() != 1 || f[0].size() == 0) continue;
    const auto kind = static_cast<const unsigned char*>(f[0].data())[0];
    if (kind == 1)
      ++subscriptions_;
    else if (kind == 0 && subscriptions_ > 0)
      --subscriptions_;
  }
}

int Server::run() {
  zmq_pollitem_t items[] = {
      {frontend_.handle(), 0, ZMQ_POLLIN, 0},
      {backend_.handle(), 0, ZMQ_POLLIN, 0},
      {nullptr, signals_.fd(), ZMQ_POLLIN, 0},
      {publisher_.handle(), 0, ZMQ_POLLIN, 0},
  };
  Frames frames;
  Clock::time_point drain_deadline{};
  // systemd: READY=1 once bound (the caller printed the readiness line already); watchdog pings
  // come from this loop so a hung loop is noticed; STATUS= every few seconds; STOPPING=1 when
  // draining starts.
  sd_notify("READY=1\n" + status_line(0));
  const auto watchdog = sd_watchdog_interval();
  const auto watchdog_every = watchdog ? std::chrono::duration_cast<Ms>(*watchdog / 2) : Ms::max();
  auto next_watchdog = Clock::now();
  auto next_metrics = Clock::now();
  auto last_status = Clock::now();
  uint64_t last_answered = answered();
  while (true) {
    auto now = Clock::now();
    if (broker_.draining() && (broker_.idle() || now >= drain_deadline)) break;
    if (watchdog && now >= next_watchdog) {
      sd_notify("WATCHDOG=1");
      next_watchdog = now + watchdog_every;
    }
    if (now - last_status >= kStatusEvery) {
      const double seconds = std::chrono::duration<double>(now - last_status).count();
      sd_notify(status_line(static_cast<double>(answered() - last_answered) / seconds));
      last_status = now;
      last_answered = answered();
    }
    auto wake = std::min(broker_.next_wakeup(), last_status + kStatusEvery);
    if (watchdog) wake = std::min(wake, next_watchdog);
    if (broker_.draining()) wake = std::min(wake, drain_deadline);
    const auto wait = std::chrono::duration_cast<Ms>(wake - now).count();
    // Round up so a wake-up is never early by a fraction of a millisecond (a busy spin).
    const long timeout = wait <= 0 ? 0 : wait + 1;
    if (zmq_poll(items, 4, timeout) < 0) {
      if (zmq_errno() == EINTR) continue;
      spdlog::critical("zmq_poll failed: {}", zmq_strerror(zmq_errno()));
      return 1;
    }
    now = Clock::now();
    broker_.note_zap_denied(security_->denied());
    if (items[2].revents & ZMQ_POLLIN) {
      bool stop = false;
      for (int signo : signals_.take()) {
        if (signo == SIGHUP)
          security_->reload();
        else
          stop = true;
      }
      if (stop && !broker_.draining()) {
        broker_.begin_drain(now);
        drain_deadline = now + config_.drain_timeout;
        sd_notify("STOPPING=1\n" + status_line(0));
      }
    }
    if (items[3].revents & ZMQ_POLLIN) read_subscriptions();
    if (items[0].revents & ZMQ_POLLIN)
      for (int i = 0; i < kBatch && mdp::recv_frames(frontend_, frames); ++i)
        broker_.on_client_message(frames, now);
    if (items[1].revents & ZMQ_POLLIN)
      for (int i = 0; i < kBatch && mdp::recv_frames(backend_, frames); ++i)
        broker_.on_worker_message(frames, now);
    now = Clock::now();
    if (now >= broker_.next_wakeup()) {
      broker_.on_timer(now);
      if (metrics_ && now >= next_metrics) {
        metrics_->update(broker_);
        if (security_->curve())
          for (const char* domain :
               {curve::kDomainClients, curve::kDomainWorkers, curve::kDomainSubscribers})
            metrics_->update_zap_denied(domain, security_->denied(domain));
        if (handshakes_)
          for (const auto& domain : handshakes_->domains())
            for (size_t r = 0; r < kRefusedReasonNames.size(); ++r)
              metrics_->update_handshake_refused(
                  domain, kRefusedReasonNames[r],
                  handshakes_->refused(domain, static_cast<RefusedReason>(r)));
        next_metrics = now + Ms(250);
      }
    }
  }
  broker_.finish_drain(Clock::now());
  spdlog::info("broker stopped");
  return 0;
}

}  // namespace intentq::broker
