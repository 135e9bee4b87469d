#include "broker/server.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include <spdlog/spdlog.h>

#include "broker/peer_socket.hpp"
#include "common/curve_socket.hpp"
#include "common/sd_notify.hpp"

namespace intentq::broker {
namespace {

// Messages handled per socket per poll round: keeps one busy socket from starving the other and
// the timers, while amortising the poll call under load.
constexpr int kBatch = 256;
// Subscriptions waiting in libzmq for the broker to look at them, per subscriber: what a
// subscriber can add to libzmq's topic trie before the broker can cut it.
constexpr int kSubscriptionHwm = 32;
// Results waiting per subscriber, in messages (the byte bound is --subscriber-queue-bytes). A
// small mark would drop results for subscribers that read: the broker learns that a subscriber's
// queue has room only between sends, about once a millisecond.
constexpr int kPublishHwm = 1000;
// libzmq cuts a subscriber whose frame is over this (before buffering it); subscriptions between
// --max-subscription-bytes and this are seen, counted and cut by the broker.
constexpr int64_t kSubscriptionFrameLimit = 1024;

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

// The port of a bound "tcp://HOST:PORT" endpoint; -1 for other transports.
int tcp_port(const std::string& endpoint) {
  if (endpoint.rfind("tcp://", 0) != 0) return -1;
  try {
    return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  } catch (const std::exception&) {
    return -1;
  }
}

// Bytes a message's frames take on the wire in plain mode (ZMTP 3: a 2-byte header below 256
// bytes, 9 above): what broker/inbound_watch.hpp compares with the kernel's figure.
size_t wire_bytes(const Frames& frames) {
  size_t n = 0;
  for (const auto& f : frames) n += f.size() + (f.size() < 256 ? 2 : 9);
  return n;
}

// An unfinished message a connection may leave in libzmq (broker/inbound_watch.hpp): a message
// in flight is a few frames of --max-message-bytes; subscriptions are frames of at most
// kSubscriptionFrameLimit.
size_t unfinished_limit(int64_t max_message_bytes) {
  return 2 * static_cast<size_t>(std::max<int64_t>(max_message_bytes, 1)) + (1u << 20);
}
constexpr size_t kUnfinishedSubscriptionLimit = 64 * 1024;
// How often the connections are checked: an unfinished message grows for at most about two
// intervals past the limit before its connection is cut.
constexpr Ms kInboundCheckEvery{25};

size_t body_bytes(const Frames& frames) {
  // What libzmq will queue for the peer: every frame but the routing id, with the smallest ZMTP
  // frame header (an undercount is safe: broker/reply_ledger.hpp re-bases on the kernel's figure).
  size_t n = 0;
  for (size_t i = 1; i < frames.size(); ++i) n += frames[i].size() + 2;
  return n;
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
      publish_monitor_(context_, zmq::socket_type::pair),
      frontend_monitor_(context_, zmq::socket_type::pair),
      backend_monitor_(context_, zmq::socket_type::pair),
      frontend_in_(unfinished_limit(config_.max_message_bytes), kernel_read),
      backend_in_(unfinished_limit(config_.max_message_bytes), kernel_read),
      publish_in_(kUnfinishedSubscriptionLimit, kernel_read),
      subscribers_({config_.max_subscription_bytes, config_.max_subscription_topics,
                    config_.max_subscribers}),
      unread_(std::max<size_t>(config_.client_unread_bytes,
                               2 * static_cast<size_t>(config_.max_message_bytes)),
              std::max<size_t>(config_.clients_unread_bytes,
                               2 * static_cast<size_t>(config_.max_message_bytes)),
              kernel_taken),
      lagging_(std::max<size_t>(config_.subscriber_queue_bytes,
                                2 * static_cast<size_t>(config_.max_message_bytes)),
               std::max<size_t>(config_.subscriber_queue_bytes,
                                2 * static_cast<size_t>(config_.max_message_bytes)) *
                   std::max<size_t>(config_.max_subscribers, 1),
               kernel_taken),
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
  // Per subscriber, at most kPublishHwm results wait for a slow reader (XPUB drops past it,
  // ZMQ_XPUB_NODROP stays off); in bytes, a subscriber more than --subscriber-queue-bytes behind
  // is disconnected (lagging_, counted in publish()).
  publisher_.set(zmq::sockopt::sndhwm, kPublishHwm);
  // Every subscription and unsubscription reaches the broker with its connection's descriptor
  // (broker/subscriber_guard.hpp); none is buffered beyond a small frame limit.
  publisher_.set(zmq::sockopt::xpub_verboser, 1);
  publisher_.set(zmq::sockopt::rcvhwm, kSubscriptionHwm);
  publisher_.set(zmq::sockopt::maxmsgsize,
                 std::max<int64_t>(kSubscriptionFrameLimit,
                                   static_cast<int64_t>(config_.max_subscription_bytes) + 1));
  security_ = std::make_unique<Security>(
      context_, config_.security,
      std::vector<std::pair<std::string, std::string>>{{"frontend", config_.frontend},
                                                       {"backend", config_.backend},
                                                       {"publish", config_.publish}});
  security_->secure(frontend_, curve::kDomainClients);
  security_->secure(backend_, curve::kDomainWorkers);
  security_->secure(publisher_, curve::kDomainSubscribers);
  // Connection events (accepted, closed) of each socket reach its *_monitor_ PAIR.
  const std::array<std::tuple<zmq::socket_t*, zmq::socket_t*, const char*>, 3> monitored{{
      {&frontend_, &frontend_monitor_, "inproc://intentq-monitor-frontend"},
      {&backend_, &backend_monitor_, "inproc://intentq-monitor-backend"},
      {&publisher_, &publish_monitor_, "inproc://intentq-monitor-publish"},
  }};
  constexpr int kConnectionEvents = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED;
  if (security_->curve()) {
    // The handshake watch owns the sockets' monitors and passes these events on (its thread is
    // the only user of connection_events_; no high-water mark, so it never waits on us).
    for (const auto& [socket, monitor, name] : monitored) {
      connection_events_.emplace_back(context_, zmq::socket_type::pair);
      connection_events_.back().set(zmq::sockopt::linger, 0);
      connection_events_.back().set(zmq::sockopt::sndhwm, 0);
      connection_events_.back().bind(name);
    }
    handshakes_ = std::make_unique<HandshakeWatch>(
        context_,
        std::vector<HandshakeWatch::Watched>{{&frontend_, curve::kDomainClients, "frontend"},
                                             {&backend_, curve::kDomainWorkers, "backend"},
                                             {&publisher_, curve::kDomainSubscribers, "publish"}},
        5, std::chrono::seconds(60), kConnectionEvents,
        [this](size_t socket, uint16_t event, int32_t value) {
          char head[6];
          std::memcpy(head, &event, 2);
          std::memcpy(head + 2, &value, 4);
          try {
            connection_events_[socket].send(zmq::buffer(head, sizeof head),
                                            zmq::send_flags::sndmore);
            connection_events_[socket].send(zmq::str_buffer(""), zmq::send_flags::none);
          } catch (const zmq::error_t&) {
            // The context is ending: nobody reads them any more.
          }
        });
  } else {
    for (const auto& [socket, monitor, name] : monitored)
      if (zmq_socket_monitor(socket->handle(), name, kConnectionEvents) != 0)
        throw std::runtime_error(std::string("cannot monitor a socket: ") +
                                 zmq_strerror(zmq_errno()));
  }
  for (const auto& [socket, monitor, name] : monitored) monitor->connect(name);
  bind_socket(frontend_, config_.frontend, "frontend", frontend_ep_);
  bind_socket(backend_, config_.backend, "backend", backend_ep_);
  bind_socket(publisher_, config_.publish, "publish", publish_ep_);
  publish_port_ = tcp_port(publish_ep_);
  frontend_port_ = tcp_port(frontend_ep_);
  backend_port_ = tcp_port(backend_ep_);
  if (!config_.metrics.empty()) {
    metrics_ = std::make_unique<MetricsExporter>(config_.metrics);
    broker_.set_observer(&metrics_->observer());
  }
}

Server::~Server() {
  broker_.set_observer(nullptr);  // metrics_ goes first
  // Stop the monitors before their PAIR ends close: libzmq's I/O thread must never wait on a
  // monitor pipe nobody reads.
  for (auto* s : {&publisher_, &frontend_, &backend_}) zmq_socket_monitor(s->handle(), nullptr, 0);
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
  if (!frames.empty()) {
    auto d = unread_.before_send(std::string(mdp::view(frames[0])), body_bytes(frames));
    for (int fd : d.cut) cut(fd, frontend_port_, "a client did not read its replies");
    if (!d.send) return mdp::SendResult::kWouldBlock;
  }
  return mdp::send_frames(frontend_, frames);
}

mdp::SendResult Server::to_worker(Frames& frames) {
  return mdp::send_frames(backend_, frames);
}

void Server::publish(Frames& frames) {
  // Nobody listening: skip the send (it would be dropped anyway; this saves a ZeroMQ call per
  // job). Otherwise XPUB drops at its high-water mark, like PUB: lagging subscribers lose results.
  if (!subscribers_.anyone_subscribed() || frames.empty()) return;
  size_t bytes = 0;
  for (const auto& f : frames) bytes += f.size() + (f.size() < 256 ? 2 : 9);
  // Count the bytes for every subscriber libzmq will queue them for; one that has taken too
  // little of what it was sent is cut (libzmq frees its queue with the connection).
  std::vector<int> cuts;
  subscribers_.for_each_matching(mdp::view(frames[0]), [&](int fd) {
    auto d = lagging_.before_send(std::to_string(fd), bytes);
    cuts.insert(cuts.end(), d.cut.begin(), d.cut.end());
  });
  for (int fd : cuts) cut(fd, publish_port_, "a subscriber fell --subscriber-queue-bytes behind");
  if (!cuts.empty()) note_cuts();
  mdp::send_frames(publisher_, frames);
}

void Server::warn_limited(const std::string& message) {
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

void Server::cut(int fd, int port, const char* why) {
  if (port < 0 || !cut_connection(fd, port)) return;
  warn_limited(std::string("disconnected a peer: ") + why);
}

void Server::read_subscriptions() {
  // ZMQ_XPUB_VERBOSER: every subscription (first byte 1) and unsubscription (0) of every
  // subscriber, with the descriptor of its connection. Anything else a peer sends is dropped.
  zmq::message_t m;
  for (int i = 0; i < kBatch && publisher_.recv(m, zmq::recv_flags::dontwait); ++i) {
    // Only TCP connections can be cut (broker/peer_socket.hpp); on other transports the
    // subscriptions are counted as nobody's, so "anyone subscribed" stays true.
    const int fd = publish_port_ >= 0 ? source_fd(m) : -1;
    publish_in_.on_delivered(fd, m.size() + (m.size() < 256 ? 2 : 9));
    if (m.size() == 0 || m.more()) continue;
    const auto* data = static_cast<const unsigned char*>(m.data());
    if (data[0] > 1) continue;
    const std::string_view topic(static_cast<const char*>(m.data()) + 1, m.size() - 1);
    switch (subscribers_.on_subscription(fd, data[0] == 1, topic)) {
      case SubscriberGuard::Verdict::kOk:
        break;
      case SubscriberGuard::Verdict::kTooLong:
        cut(fd, publish_port_, "a subscription over --max-subscription-bytes");
        break;
      case SubscriberGuard::Verdict::kTooManyTopics:
        cut(fd, publish_port_, "a subscriber over --max-subscription-topics");
        break;
      case SubscriberGuard::Verdict::kTooManySubscribers:
        cut(fd, publish_port_, "more subscribers than --max-subscribers");
        break;
    }
  }
}

void Server::read_monitor(zmq::socket_t& monitor, Side side) {
  Frames f;
  for (int i = 0; i < kBatch && mdp::recv_frames(monitor, f); ++i) {
    if (f.size() != 2 || f[0].size() != 6) continue;
    uint16_t event = 0;
    int32_t value = 0;
    std::memcpy(&event, f[0].data(), 2);
    std::memcpy(&value, static_cast<const char*>(f[0].data()) + 2, 4);
    spdlog::debug("{} connection {} (descriptor {})",
                  side == Side::kFrontend  ? "frontend"
                  : side == Side::kBackend ? "backend"
                                           : "publish",
                  event == ZMQ_EVENT_ACCEPTED ? "accepted" : "closed", value);
    auto& inbound = side == Side::kFrontend  ? frontend_in_
                    : side == Side::kBackend ? backend_in_
                                             : publish_in_;
    if (event == ZMQ_EVENT_DISCONNECTED) {
      inbound.on_disconnected(value);
      if (side == Side::kPublish) {
        subscribers_.on_disconnected(value);
        lagging_.on_disconnected(value);
      }
      if (side == Side::kFrontend) unread_.on_disconnected(value);
    } else if (event == ZMQ_EVENT_ACCEPTED) {
      inbound.on_connected(value);
      if (side == Side::kPublish) {
        lagging_.on_disconnected(value);  // a reused descriptor starts afresh
        lagging_.on_message(std::to_string(value), value);
      }
      if (side == Side::kPublish &&
          subscribers_.on_connected(value) != SubscriberGuard::Verdict::kOk)
        cut(value, publish_port_, "more subscribers than --max-subscribers");
    }
  }
  note_cuts();
}

void Server::note_cuts() {
  broker_.note_cuts(subscribers_.refused() + lagging_.cut_count(), unread_.cut_count(),
                    frontend_in_.cut_count() + backend_in_.cut_count() + publish_in_.cut_count());
}

void Server::check_inbound() {
  for (int fd : frontend_in_.check())
    cut(fd, frontend_port_, "a client's unfinished message went over its limit");
  for (int fd : backend_in_.check())
    cut(fd, backend_port_, "a worker's unfinished message went over its limit");
  for (int fd : publish_in_.check())
    cut(fd, publish_port_, "a subscriber's unfinished message went over its limit");
  note_cuts();
}

int Server::run() {
  zmq_pollitem_t items[] = {
      {frontend_.handle(), 0, ZMQ_POLLIN, 0},        {backend_.handle(), 0, ZMQ_POLLIN, 0},
      {nullptr, signals_.fd(), ZMQ_POLLIN, 0},       {publisher_.handle(), 0, ZMQ_POLLIN, 0},
      {publish_monitor_.handle(), 0, ZMQ_POLLIN, 0}, {frontend_monitor_.handle(), 0, ZMQ_POLLIN, 0},
      {backend_monitor_.handle(), 0, ZMQ_POLLIN, 0},
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
    wake = std::min(wake, next_inbound_check_);
    const auto wait = std::chrono::duration_cast<Ms>(wake - now).count();
    // Round up so a wake-up is never early by a fraction of a millisecond (a busy spin).
    const long timeout = wait <= 0 ? 0 : wait + 1;
    if (zmq_poll(items, 7, timeout) < 0) {
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
    if (items[4].revents & ZMQ_POLLIN) read_monitor(publish_monitor_, Side::kPublish);
    if (items[5].revents & ZMQ_POLLIN) read_monitor(frontend_monitor_, Side::kFrontend);
    if (items[6].revents & ZMQ_POLLIN) read_monitor(backend_monitor_, Side::kBackend);
    if (items[3].revents & ZMQ_POLLIN) {
      read_subscriptions();
      note_cuts();
    }
    if (items[0].revents & ZMQ_POLLIN)
      for (int i = 0; i < kBatch && mdp::recv_frames(frontend_, frames); ++i) {
        if (frames.size() >= 2 && frontend_port_ >= 0) {
          // The ROUTER's routing id frame is made by libzmq, not sent by the peer.
          const int fd = source_fd(frames.back());
          frontend_in_.on_delivered(fd, wire_bytes(frames) - frames[0].size() - 2);
          unread_.on_message(std::string(mdp::view(frames[0])), fd);
        }
        // With CURVE, ZAP set the client's public key as the message's User-Id: it owns the
        // jobs it submits across reconnects (mmi.cancel).
        const char* key = nullptr;
        if (security_->curve() && !frames.empty())
          key = zmq_msg_gets(frames.back().handle(), "User-Id");
        broker_.on_client_message(frames, now, key ? std::string_view(key) : std::string_view());
      }
    if (items[1].revents & ZMQ_POLLIN)
      for (int i = 0; i < kBatch && mdp::recv_frames(backend_, frames); ++i) {
        if (frames.size() >= 2 && backend_port_ >= 0)
          backend_in_.on_delivered(source_fd(frames.back()),
                                   wire_bytes(frames) - frames[0].size() - 2);
        // Each reply at its own read time, not the poll's: a historical charge settles then and
        // frees its slot a window later. The gateway got the request before this reply was
        // sent, but maybe after the poll returned (the batches above take time): a settle stamped
        // with the poll's time could free the slot before IB's window ends (by up to one loop
        // pass; a violation of IB's 2-second rule scaled to 20 ms in tests).
        broker_.on_worker_message(frames, Clock::now());
      }
    if (now >= next_inbound_check_) {
      check_inbound();
      next_inbound_check_ = now + kInboundCheckEvery;
    }
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
