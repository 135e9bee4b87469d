// The broker process: three ZeroMQ sockets around a Broker, one thread, one zmq_poll loop.
// SIGINT/SIGTERM (drain) and SIGHUP (reload the CURVE allowlists) arrive through a signalfd polled
// with the sockets, so shutdown is an ordinary event of the loop (no handler, no globals).
#pragma once

#include <memory>
#include <string>

#include <zmq.hpp>

#include "broker/broker.hpp"
#include "broker/config.hpp"
#include "broker/handshake_watch.hpp"
#include "broker/inbound_watch.hpp"
#include "broker/metrics.hpp"
#include "broker/reply_ledger.hpp"
#include "broker/security.hpp"
#include "broker/subscriber_guard.hpp"
#include "broker/warn_limiter.hpp"
#include "common/signals.hpp"

namespace intentq::broker {

class Server : public Outbox {
 public:
  // Blocks SIGINT/SIGTERM/SIGHUP for the calling thread (call before starting other threads) and
  // binds all three sockets. Throws std::runtime_error naming the endpoint that failed.
  explicit Server(Config config);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The endpoints actually bound (wildcard ports resolved), as ZMQ_LAST_ENDPOINT gives them.
  const std::string& frontend_endpoint() const { return frontend_ep_; }
  const std::string& backend_endpoint() const { return backend_ep_; }
  const std::string& publish_endpoint() const { return publish_ep_; }
  // "http://HOST:PORT/metrics", or empty when metrics are off.
  std::string metrics_url() const { return metrics_ ? metrics_->url() : std::string(); }

  // Serves until SIGINT/SIGTERM, drains, and returns the exit status (0).
  int run();

  mdp::SendResult to_client(Frames& frames) override;
  mdp::SendResult to_worker(Frames& frames) override;
  void publish(Frames& frames) override;

 private:
  void read_subscriptions();
  // Socket monitor events (connections accepted and closed) of the three sockets.
  enum class Side { kFrontend, kBackend, kPublish };
  void read_monitor(zmq::socket_t& monitor, Side side);
  // Cuts connections holding an unfinished message past the limit (broker/inbound_watch.hpp).
  void check_inbound();
  void note_cuts();  // the cut counts, to the broker core's counters
  void cut(int fd, int port, const char* why);
  // At most one warning a second for peer-caused cuts (an attack must not flood the log).
  void warn_limited(const std::string& message);
  // systemd's STATUS= line: workers, jobs queued or running, jobs answered and jobs/s.
  std::string status_line(double jobs_per_second) const;
  uint64_t answered() const;  // jobs answered (reply, TIMEOUT or WORKER_LOST) since start
  Config config_;
  SignalFd signals_;
  zmq::context_t context_;
  zmq::socket_t frontend_;
  zmq::socket_t backend_;
  zmq::socket_t publisher_;  // XPUB: like PUB, and shows every (un)subscription with its source
  std::unique_ptr<Security> security_;  // CURVE + ZAP handler; after context_ (uses it)
  // Connections accepted and closed on each socket (2-frame socket monitor events). libzmq
  // allows one monitor per socket: without CURVE it is ours (zmq_socket_monitor to
  // inproc://intentq-monitor-*); with CURVE it is handshakes_', which passes these events on
  // through connection_events_ (bound to the same endpoints).
  zmq::socket_t publish_monitor_, frontend_monitor_, backend_monitor_;
  std::vector<zmq::socket_t> connection_events_;  // used by handshakes_' thread only
  // With CURVE: every refused handshake on the three sockets, logged and counted. After the
  // sockets, so it stops watching them before they close.
  std::unique_ptr<HandshakeWatch> handshakes_;
  InboundWatch frontend_in_, backend_in_, publish_in_;
  SubscriberGuard subscribers_;
  ReplyLedger unread_;
  ReplyLedger lagging_;  // result bytes subscribers have not taken, keyed by descriptor
  int publish_port_ = -1, frontend_port_ = -1, backend_port_ = -1;  // TCP ports (-1: not TCP)
  Clock::time_point next_inbound_check_{};
  WarnLimiter warnings_;
  std::string frontend_ep_, backend_ep_, publish_ep_;
  Broker broker_;
  std::unique_ptr<MetricsExporter> metrics_;
};

}  // namespace intentq::broker
