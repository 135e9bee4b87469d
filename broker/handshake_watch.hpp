// Every refused handshake on the broker's CURVE sockets, logged and counted by ZAP domain
// (clients = frontend, workers = backend, subscribers = publish) and reason.
//
// The ZAP handler (common/zap_handler.hpp) sees only peers that present a CURVE key: libzmq never
// asks ZAP about a peer without keys (mechanism mismatch) or one that encrypted its HELLO for
// another server key (the broker cannot open it). The socket monitor sees all three, so the count
// comes from there: a HANDSHAKE_FAILED_* event on the broker's side of each connection.
//
// The log is bounded: up to `burst` lines per `interval` for each socket and reason (so one
// noisy peer cannot hide another kind of refusal), then one summary line per interval with what
// was held back. A misconfigured client retries every 100 ms; this keeps it from flooding the
// log while the counters stay exact.
//
// A peer without keys is not always told apart: it sees our CURVE greeting and may close the
// connection before the broker has read its own greeting (a race inside libzmq). The broker then
// sees only a hang-up during the handshake, counted as `hung_up`.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "common/log_budget.hpp"
#include "common/stop_pair.hpp"

namespace intentq::broker {

enum class RefusedReason { kNoKey, kWrongServerKey, kKeyNotAllowed, kHungUp, kOther };
inline constexpr std::array<const char*, 5> kRefusedReasonNames{
    "no_key", "wrong_server_key", "key_not_allowed", "hung_up", "other"};
inline constexpr size_t kRefusedReasons = kRefusedReasonNames.size();

class HandshakeWatch {
 public:
  struct Watched {
    zmq::socket_t* socket;
    std::string domain;  // ZAP domain: clients, workers, subscribers
    std::string role;    // option: frontend, backend, publish
  };
  // Called on the watch's thread with the socket's index, the event and its value, for the
  // `other_events` the watch was asked to pass on (libzmq allows one monitor per socket, so the
  // broker's connection events come through here when CURVE is on; broker/server.cpp).
  using Forward = std::function<void(size_t socket, uint16_t event, int32_t value)>;
  // Starts monitoring the sockets (call before bind, from the thread that owns them) and a
  // thread that reads the events.
  // `burst`: log lines per `interval` for each socket and reason.
  HandshakeWatch(zmq::context_t& context, std::vector<Watched> sockets, int burst = 5,
                 std::chrono::milliseconds interval = std::chrono::seconds(60),
                 int other_events = 0, Forward forward = nullptr);
  ~HandshakeWatch();  // stops the thread; call while the sockets are still open
  HandshakeWatch(const HandshakeWatch&) = delete;
  HandshakeWatch& operator=(const HandshakeWatch&) = delete;

  // Refused handshakes so far on sockets of `domain` for `reason`.
  uint64_t refused(const std::string& domain, RefusedReason reason) const;
  const std::vector<std::string>& domains() const { return domains_; }

 private:
  void run();
  void note(size_t socket, uint16_t event, int32_t value, const std::string& endpoint);
  void flush_summary();

  std::vector<Watched> sockets_;
  std::vector<std::string> domains_;
  std::vector<zmq::socket_t> events_;  // PAIR per socket, read by the thread
  StopPair stop_;
  // [socket][reason]; only the thread writes.
  std::vector<std::array<std::atomic<uint64_t>, kRefusedReasons>> counts_;
  // The thread's rate limit state: a budget per [socket][reason], and the summary's window.
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point window_start_;
  std::vector<std::array<LogBudget, kRefusedReasons>> budgets_;
  Forward forward_;
  std::thread thread_;
};

}  // namespace intentq::broker
