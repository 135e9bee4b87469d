// The worker's persistent gateway session (docs/gateway.md "Session lifecycle").
//
// The link opens one session at start and keeps it for the worker's life. Between jobs the
// worker's main loop polls the session's descriptor and calls service(): what the gateway sends
// unasked (farm status, connectivity reports, order updates, the rest of an abandoned answer) is
// read and dropped at once, queued cancels go out under the pacer, and EOF is noticed at once. A
// gateway job borrows the session (lend(): the job thread attaches it to the job's io_context)
// and gives it back when its thread was joined (returned()).
//
// Session lost: the link reconnects on a thread of its own (a connect can take seconds; the main
// loop keeps heartbeating meanwhile) with exponential backoff, and reports every change of
// up/down or accounts once through take_change(), so the worker re-registers with the broker.
// A job that ends while its answer is still arriving (a frame half received, an id-less answer
// not ended: a slow or endless answer) leaves the session untrustworthy: returned() closes it
// and reconnects at once. `orphan_limit` bounds any other abandoned answer the same way.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/session.hpp"

namespace intentq {

class GatewayLink {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    gw::SessionOptions session;
    std::chrono::milliseconds reconnect_min{250};
    std::chrono::milliseconds reconnect_max{30000};
    std::chrono::milliseconds orphan_limit{10000};
    // Observers (metrics), called on the main loop's thread: a connect attempt ended (ok or not)
    // after `took`; the session went down.
    std::function<void(bool ok, Clock::duration took)> on_connect;
    std::function<void()> on_down;
  };

  explicit GatewayLink(Options options);
  ~GatewayLink();  // waits for a connect in progress (bounded by the connect timeout)
  GatewayLink(const GatewayLink&) = delete;
  GatewayLink& operator=(const GatewayLink&) = delete;

  // Connects and waits for the outcome (startup, before the first READY). Failure schedules
  // the reconnect as usual.
  void connect_now();

  // While lent, the job's thread owns the session: its state is not read here (it was up when
  // lent; returned() looks again).
  bool up() const { return session_ && (lent_ || session_->usable()); }
  bool lent() const { return lent_; }

  // For the main loop's poll: the connect thread's completion eventfd (always), and the
  // session's descriptor with the events to wait for (fd -1 while down or lent).
  int connect_fd() const { return event_fd_; }
  int session_fd() const { return !lent_ && up() ? session_->fd() : -1; }
  // True when a queued message is due (poll for writability too).
  bool wants_write(Clock::time_point now) const;
  // When the link needs service() again at the latest (a due write or reconnect, an orphan bound).
  Clock::time_point next_wakeup(Clock::time_point now) const;
  // After every poll: whether the session descriptor was readable (or in error).
  void service(bool readable, Clock::time_point now);

  // The session for a gateway job (null while down). The caller must not touch the link's
  // session until returned().
  gw::DetachedSession* lend();
  void returned(Clock::time_point now);

  // True while the link replaces a session it closed itself (after a late or hostile answer).
  // The broker is not told the session is down: the replacement is normally up within one
  // connect, and a gateway job that arrives meanwhile waits for it (wait_for_recycle).
  bool recycling() const { return recycling_; }
  // Waits, at the latest until `until`, for the replacement connect to end. True if up.
  bool wait_for_recycle(Clock::time_point until);

  // True once after each change that the broker must hear about (up/down, new accounts).
  bool take_change();
  // While down: why (the last connect error, or why the session ended) and since when (the
  // link's creation when it was never up). Empty / nullopt while up.
  const std::string& last_error() const { return last_error_; }
  std::optional<Clock::time_point> down_since() const { return down_since_; }
  // True once after each failed connect attempt (the broker hears the error at once, on a
  // HEARTBEAT, without a new READY).
  bool take_error_change() { return std::exchange(error_changed_, false); }

  const std::vector<std::string>& accounts() const { return accounts_; }
  uint64_t reconnects() const { return reconnects_; }
  uint64_t connections() const { return connections_; }
  int64_t session_age_ms(Clock::time_point now) const;
  int client_id() const { return options_.session.client_id; }

 private:
  void start_connect(Clock::time_point now);
  void finish_connect(Clock::time_point now);
  void on_down(Clock::time_point now);
  void recycle(Clock::time_point now, const std::string& why);
  void join_connect();

  Options options_;
  std::unique_ptr<gw::DetachedSession> session_;
  bool lent_ = false;
  Clock::time_point connected_at_{};
  std::vector<std::string> accounts_;
  bool changed_ = false;
  bool recycling_ = false;
  std::string last_error_;
  std::optional<Clock::time_point> down_since_;
  bool error_changed_ = false;
  uint64_t connections_ = 0;
  uint64_t reconnects_ = 0;

  // Reconnecting.
  int event_fd_ = -1;
  std::thread connect_thread_;
  std::optional<Clock::time_point> reconnect_at_;
  Clock::time_point connect_started_{};
  std::chrono::milliseconds backoff_;
  std::mutex result_mutex_;  // guards the two results below (written by the connect thread)
  std::unique_ptr<gw::DetachedSession> result_;
  std::string result_error_;
};

}  // namespace intentq
