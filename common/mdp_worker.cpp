#include "common/mdp_worker.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace intentq::mdp {

using namespace std::chrono_literals;

Worker::Worker(zmq::context_t& context, WorkerOptions options)
    : context_(context), options_(std::move(options)), backoff_(options_.reconnect_min) {}

Worker::~Worker() {
  close();
}

size_t Worker::connect(const ReadyInfo& ready) {
  close();
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  if (options_.curve) curve::apply_curve_client(*socket_, *options_.curve);
  // Unsent heartbeats for a broker that is gone are worthless: drop them on close.
  socket_->set(zmq::sockopt::linger, 0);
  if (options_.unbounded_queues) {
    socket_->set(zmq::sockopt::sndhwm, 0);
    socket_->set(zmq::sockopt::rcvhwm, 0);
  }
  socket_->connect(options_.endpoint);
  ++generation_;
  healthy_ = false;
  reconnect_at_.reset();
  auto frames = worker_ready(ready);
  const size_t n = frames.size();
  send(frames);
  last_heard_ = Clock::now();  // give the broker a full liveness window to answer
  return n;
}

void Worker::disconnect(std::chrono::milliseconds linger) {
  if (!socket_) return;
  auto frames = worker_command(Command::kDisconnect);
  send(frames);
  close(linger);
}

void Worker::close(std::chrono::milliseconds linger) {
  if (!socket_) return;
  socket_->set(zmq::sockopt::linger, static_cast<int>(linger.count()));
  socket_->close();
  socket_.reset();
}

bool Worker::wait(std::chrono::milliseconds timeout) {
  if (!socket_) return false;
  zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::max(timeout, 0ms));
  return item.revents & ZMQ_POLLIN;
}

void Worker::send(Frames& frames) {
  if (!socket_) return;
  // DEALER blocks only at its high-water mark; a broker that stops reading is caught by the
  // liveness check, so a message that would block is dropped with a warning, not fatal.
  switch (send_frames(*socket_, frames)) {
    case SendResult::kOk:
      last_sent_ = Clock::now();
      return;
    case SendResult::kWouldBlock:
      spdlog::warn("send to broker would block; message dropped");
      return;
    default:
      spdlog::warn("send to broker failed; message dropped");
  }
}

void Worker::heartbeat() {
  auto frames = worker_command(Command::kHeartbeat);
  send(frames);
}

void Worker::session_update(const ReadyInfo& info) {
  auto frames = worker_session_update(info);
  send(frames);
}

void Worker::reply(Frames route, std::string_view body) {
  Frames b;
  b.push_back(frame(body));
  auto frames = worker_reply(std::move(route), std::move(b));
  send(frames);
}

void Worker::tick(Clock::time_point now) {
  if (!socket_) return;
  if (now - last_sent_ >= options_.heartbeat) heartbeat();
  if (now - last_heard_ >= options_.heartbeat * options_.liveness) schedule_reconnect(false);
}

bool Worker::reconnect_due(Clock::time_point now) const {
  return !socket_ && reconnect_at_ && now >= *reconnect_at_;
}

Worker::Clock::time_point Worker::next_wakeup(Clock::time_point now, Clock::time_point fallback,
                                              bool may_reconnect) const {
  auto next = fallback;
  if (socket_)
    next = std::min({next, last_sent_ + options_.heartbeat,
                     last_heard_ + options_.heartbeat * options_.liveness});
  if (reconnect_at_ && may_reconnect) next = std::min(next, std::max(*reconnect_at_, now));
  return next;
}

void Worker::schedule_reconnect(bool immediately) {
  close();
  auto wait = immediately ? 0ms : backoff_;
  if (!immediately) backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  reconnect_at_ = Clock::now() + wait;
  spdlog::warn("reconnecting to the broker in {} ms", wait.count());
}

void Worker::heard_from_broker() {
  last_heard_ = Clock::now();
  healthy_ = true;
  disconnect_streak_ = false;
  backoff_ = options_.reconnect_min;
}

std::optional<Request> Worker::receive() {
  Frames frames;
  while (socket_ && recv_frames(*socket_, frames)) {
    if (frames.size() < 3 || frames[0].size() != 0 || view(frames[1]) != kWorker ||
        frames[2].size() != 1) {
      spdlog::warn("dropping malformed message from broker ({} frames)", frames.size());
      continue;
    }
    const auto command =
        static_cast<Command>(static_cast<const unsigned char*>(frames[2].data())[0]);
    switch (command) {
      case Command::kRequest: {
        heard_from_broker();
        // "", MDPW01, REQUEST, route..., "", body...
        size_t delimiter = 3;
        while (delimiter < frames.size() && frames[delimiter].size() != 0) ++delimiter;
        if (delimiter == 3 || delimiter >= frames.size()) {
          spdlog::error("dropping REQUEST without a client address and delimiter");
          continue;
        }
        Request request;
        for (size_t i = 3; i < delimiter; ++i) request.route.push_back(std::move(frames[i]));
        for (size_t i = delimiter + 1; i < frames.size(); ++i)
          request.body.push_back(std::move(frames[i]));
        return request;
      }
      case Command::kHeartbeat:
        heard_from_broker();
        // Options after a broker's HEARTBEAT: "@cancel-job=<id>" (others are ignored).
        for (size_t i = 3; i < frames.size(); ++i) {
          const auto f = view(frames[i]);
          if (f.size() <= kMaxOptionBytes && f.substr(0, kOptCancelJob.size()) == kOptCancelJob) {
            if (cancels_.size() >= kMaxCancels) cancels_.erase(cancels_.begin());
            cancels_.emplace_back(f.substr(kOptCancelJob.size()));
          }
        }
        break;
      case Command::kDisconnect:
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
  return std::nullopt;
}

std::vector<std::string> Worker::take_cancels() {
  std::vector<std::string> out;
  out.swap(cancels_);
  return out;
}

}  // namespace intentq::mdp
