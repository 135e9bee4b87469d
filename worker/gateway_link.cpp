#include "worker/gateway_link.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <spdlog/spdlog.h>

#include "common/asio.hpp"
#include "gateway/session_core.hpp"

namespace intentq {

GatewayLink::GatewayLink(Options options)
    : options_(std::move(options)), down_since_(Clock::now()), backoff_(options_.reconnect_min) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

GatewayLink::~GatewayLink() {
  join_connect();
  ::close(event_fd_);
}

void GatewayLink::join_connect() {
  if (connect_thread_.joinable()) connect_thread_.join();
}

void GatewayLink::start_connect(Clock::time_point now) {
  reconnect_at_.reset();
  connect_started_ = now;
  auto options = options_.session;
  connect_thread_ = std::thread([this, options] {
    std::unique_ptr<gw::DetachedSession> session;
    std::string error;
    {
      // The connect runs on an io_context of its own; the session leaves it detached.
      asio::io_context io(1);
      asio::co_spawn(io, gw::Session::connect_detached(options),
                     [&](std::exception_ptr e, std::unique_ptr<gw::DetachedSession> s) {
                       if (!e) {
                         session = std::move(s);
                         return;
                       }
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& x) {
                         error = x.what();
                       } catch (...) {
                         error = "unknown error";
                       }
                     });
      io.run();
    }
    {
      std::lock_guard lock(result_mutex_);
      result_ = std::move(session);
      result_error_ = error.empty() && !result_ ? "connect did not finish" : error;
    }
    uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);
  });
}

void GatewayLink::finish_connect(Clock::time_point now) {
  uint64_t count = 0;
  (void)!::read(event_fd_, &count, sizeof count);
  join_connect();
  std::unique_ptr<gw::DetachedSession> session;
  std::string error;
  {
    std::lock_guard lock(result_mutex_);
    session = std::move(result_);
    error = std::move(result_error_);
  }
  const bool ok = session && session->usable();
  if (options_.on_connect) options_.on_connect(ok, now - connect_started_);
  const bool recycled = std::exchange(recycling_, false);
  if (ok) {
    session_ = std::move(session);
    connected_at_ = now;
    if (connections_++ > 0) ++reconnects_;
    backoff_ = options_.reconnect_min;
    // A replaced session the broker never heard was down needs no new READY unless the
    // gateway now reports other accounts.
    if (!recycled || session_->core().accounts != accounts_) changed_ = true;
    accounts_ = session_->core().accounts;
    last_error_.clear();
    down_since_.reset();
    error_changed_ = false;
    spdlog::info("gateway session up (clientId {}, connection {}, {} account(s))",
                 options_.session.client_id, connections_, accounts_.size());
    return;
  }
  reconnect_at_ = now + backoff_;
  last_error_ = error;
  if (!down_since_) down_since_ = now;
  error_changed_ = true;
  if (recycled) {
    // The replacement failed: now the session is down as far as the broker is concerned.
    accounts_.clear();
    changed_ = true;
    if (options_.on_down) options_.on_down();
  }
  spdlog::warn("gateway session: connect failed: {}; next try in {} ms", error, backoff_.count());
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void GatewayLink::connect_now() {
  if (up() || connect_thread_.joinable()) return;
  start_connect(Clock::now());
  pollfd p{event_fd_, POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  finish_connect(Clock::now());
}

void GatewayLink::on_down(Clock::time_point now) {
  auto why = session_ ? session_->failure() : std::nullopt;
  spdlog::warn("gateway session down ({}); reconnecting in {} ms", why ? why->what() : "closed",
               backoff_.count());
  session_.reset();
  accounts_.clear();
  changed_ = true;
  last_error_ = std::string("session lost: ") + (why ? why->what() : "closed");
  down_since_ = now;
  if (options_.on_down) options_.on_down();
  reconnect_at_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void GatewayLink::recycle(Clock::time_point now, const std::string& why) {
  spdlog::warn("gateway session closed: {}; connecting a new one now", why);
  session_.reset();
  recycling_ = true;
  backoff_ = options_.reconnect_min;
  start_connect(now);
}

bool GatewayLink::wait_for_recycle(Clock::time_point until) {
  if (!recycling_ || !connect_thread_.joinable()) return up();
  pollfd p{event_fd_, POLLIN, 0};
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) return up();
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) break;
    if (n < 0 && errno != EINTR) return up();
  }
  finish_connect(Clock::now());
  return up();
}

bool GatewayLink::wants_write(Clock::time_point now) const {
  if (session_fd() < 0) return false;
  auto due = session_->next_write(now);
  return due && *due <= now;
}

GatewayLink::Clock::time_point GatewayLink::next_wakeup(Clock::time_point now) const {
  auto next = Clock::time_point::max();
  if (reconnect_at_ && !connect_thread_.joinable()) next = std::min(next, *reconnect_at_);
  if (session_fd() >= 0) {
    if (auto due = session_->next_write(now)) next = std::min(next, *due);
    if (auto orphan = session_->core().table().oldest_orphan())
      next = std::min(next, *orphan + options_.orphan_limit);
  }
  return std::max(next, now);
}

void GatewayLink::service(bool readable, Clock::time_point now) {
  // A finished connect attempt.
  pollfd p{event_fd_, POLLIN, 0};
  if (connect_thread_.joinable() && ::poll(&p, 1, 0) > 0) finish_connect(now);
  if (lent_) return;
  if (session_) {
    if (readable) session_->read_available();
    if (session_->usable()) session_->write_due(now);
    if (session_->usable()) {
      auto orphan = session_->core().table().oldest_orphan();
      if (orphan && now - *orphan >= options_.orphan_limit)
        session_->close(gw::GatewayError(gw::GatewayError::Kind::kProtocol,
                                         "an abandoned answer did not end within " +
                                             std::to_string(options_.orphan_limit.count()) +
                                             " ms"));
    }
    if (!session_->usable()) on_down(now);
  }
  if (!session_ && reconnect_at_ && now >= *reconnect_at_ && !connect_thread_.joinable())
    start_connect(now);
}

gw::DetachedSession* GatewayLink::lend() {
  if (lent_ || !up()) return nullptr;
  lent_ = true;
  return session_.get();
}

void GatewayLink::returned(Clock::time_point now) {
  if (!lent_) return;
  lent_ = false;
  // A job that ended while its answer was still arriving (deadline, bound passed) leaves it on
  // the wire. What has arrived already may end it (an honest answer a little late); if not, the
  // gateway is slow or hostile (a frame trickled a byte at a time, an endless stream), and
  // waiting for the orphan rule would leave the session unusable for the next jobs: close it now
  // and reconnect, so that the session is sound again after one reconnect.
  if (session_->usable()) session_->read_available();
  if (session_->usable()) {
    std::string why;
    if (session_->core().table().oldest_orphan())
      why = "its job ended while an answer without request id was still arriving";
    else if (session_->core().reader().buffered() > 0)
      why = "its job ended in the middle of a frame";
    if (!why.empty()) {
      // Our own decision, not an outage: replace the session at once without telling the
      // broker it is down (it would answer the next jobs GATEWAY_UNREACHABLE meanwhile).
      session_->close(gw::GatewayError(gw::GatewayError::Kind::kProtocol, why));
      recycle(now, why);
      return;
    }
  }
  if (!session_->usable()) {
    on_down(now);
    return;
  }
  session_->write_due(now);  // cancels the job left queued
}

bool GatewayLink::take_change() {
  return std::exchange(changed_, false);
}

int64_t GatewayLink::session_age_ms(Clock::time_point now) const {
  if (!up()) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - connected_at_).count();
}

}  // namespace intentq
