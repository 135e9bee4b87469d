// The one MDP/0.1 worker socket of intentq (the Majordomo reference's mdwrkapi, on a DEALER): the
// intentq-worker, the benchmark's no-op workers and the tests' fake workers register through it.
//
// It connects and sends READY (mdp::worker_ready, so every option is written in one place),
// heartbeats, hands out REQUESTs, sends REPLYs and DISCONNECT, and reconnects with exponential
// backoff when the broker falls silent or says DISCONNECT. It owns no loop: the caller polls
// handle() together with its own descriptors and calls the timers, because a worker that runs a
// job must decide itself when it may register again (READY promises the broker an idle worker).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/curve_socket.hpp"
#include "common/mdp_frames.hpp"

namespace intentq::mdp {

struct WorkerOptions {
  std::string endpoint;                    // the broker's backend
  std::optional<curve::ClientKeys> curve;  // set: the socket is a CURVE client
  std::chrono::milliseconds heartbeat{1000};
  int liveness = 3;  // heartbeats missed before the broker counts as gone
  std::chrono::milliseconds reconnect_min{1000};
  std::chrono::milliseconds reconnect_max{32000};
  bool unbounded_queues = false;  // no high-water marks (load generators)
};

// A REQUEST: ["", "MDPW01", 0x02, route..., "", body...].
struct Request {
  Frames route;  // the client's address frames, to be given back to reply()
  Frames
      body;  // after the empty delimiter: [service,] body for an intentq worker (docs/protocol.md)
};

class Worker {
 public:
  using Clock = std::chrono::steady_clock;

  Worker(zmq::context_t& context, WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // A new socket (the old one closed without a word), then READY. Returns how many frames the
  // READY had.
  size_t connect(const ReadyInfo& ready);
  // DISCONNECT, then the socket closes, waiting up to `linger` for it to leave.
  void disconnect(std::chrono::milliseconds linger = std::chrono::milliseconds(1000));
  // Closes the socket without DISCONNECT (like a process that dies), keeping unsent messages up
  // to `linger`.
  void close(std::chrono::milliseconds linger = std::chrono::milliseconds(0));

  bool connected() const { return socket_ != nullptr; }
  // Counts sockets: a reply goes only to the socket its request came from.
  uint64_t generation() const { return generation_; }
  // For zmq::poll; nullptr while disconnected.
  void* handle() { return socket_ ? socket_->handle() : nullptr; }
  // True when a message is waiting within `timeout` (false at once while disconnected).
  bool wait(std::chrono::milliseconds timeout);

  // Timers: a HEARTBEAT when nothing was sent for a heartbeat interval; when nothing was heard
  // for liveness intervals the socket is closed and a reconnect scheduled after the backoff.
  void tick(Clock::time_point now);
  // A reconnect is scheduled and due.
  bool reconnect_due(Clock::time_point now) const;
  // When tick() or a reconnect (when `may_reconnect`) has work next; `fallback` when neither.
  Clock::time_point next_wakeup(Clock::time_point now, Clock::time_point fallback,
                                bool may_reconnect) const;

  // Reads what is waiting without blocking: HEARTBEAT and DISCONNECT are handled here (the latter
  // closes the socket and schedules a reconnect), malformed messages are dropped with a warning,
  // and the first REQUEST is returned; nullopt when nothing more is waiting.
  std::optional<Request> receive();

  // ["", "MDPW01", 0x03, route..., "", body]; dropped (with a warning) while disconnected or when
  // the broker does not read.
  void reply(Frames route, std::string_view body);
  void heartbeat();
  // A HEARTBEAT carrying the session fields of `info` (mdp::worker_session_update).
  void session_update(const ReadyInfo& info);
  // Job ids the broker asked to stop ("@cancel-job=" on a HEARTBEAT) since the last call, oldest
  // first; at most kMaxCancels are kept (the worker runs one job at a time).
  std::vector<std::string> take_cancels();
  static constexpr size_t kMaxCancels = 16;

 private:
  void send(Frames& frames);
  void schedule_reconnect(bool immediately);
  void heard_from_broker();

  zmq::context_t& context_;
  WorkerOptions options_;
  std::unique_ptr<zmq::socket_t> socket_;
  uint64_t generation_ = 0;
  Clock::time_point last_heard_{};  // last valid message from the broker
  Clock::time_point last_sent_{};
  std::optional<Clock::time_point> reconnect_at_;  // set while disconnected
  std::chrono::milliseconds backoff_;
  bool healthy_ = false;  // this socket got a real (non-DISCONNECT) message from the broker
  // The last socket ended with a DISCONNECT before hearing anything else: a broker that keeps
  // refusing us gets the backoff instead of a reconnect storm.
  bool disconnect_streak_ = false;
  std::vector<std::string> cancels_;
};

}  // namespace intentq::mdp
