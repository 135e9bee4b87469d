// What happened to a connecting socket, from the ZeroMQ socket monitor (zmq_socket_monitor), so
// a client can say why it got no answer instead of only that it got none:
//
//   nothing listens at the endpoint      connect refused, retried every reconnect interval
//   no connection yet                    connect pending (host unreachable, firewall)
//   CURVE on one side only               ZMTP mechanism mismatch
//   wrong --curve-server-key             the broker cannot open our HELLO and hangs up
//   our key is not allowed               the broker's ZAP handler answers 400
//   connected but no reply               handshake done; the silence is the broker's
//
// The monitor costs one inproc PAIR socket per watched socket and one event per connection
// change; nothing on the message path.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <zmq.hpp>

namespace intentq::mdp {

// The options and variables a user sets for a connection, named in the messages (the CLI's by
// default; other programs name theirs).
struct LinkHints {
  std::string endpoint_option = "--broker / INTENTQ_BROKER";
  std::string server_key_option = "--curve-server-key / INTENTQ_CURVE_SERVER_KEY";
  std::string secret_option = "--curve-secret / INTENTQ_CURVE_SECRET";
  std::string allow_domain = "clients";  // the broker's allow directory for this socket
};

enum class LinkProblem {
  kNone,               // up, or nothing known yet
  kPending,            // connecting, never refused: no answer from the host yet
  kRefused,            // nothing listens at the endpoint
  kMechanismMismatch,  // one side uses CURVE, the other does not
  kServerKey,          // the broker hung up on our CURVE HELLO: not its public key
  kKeyNotAllowed,      // the broker's ZAP handler refused our public key
  kHandshakeFailed,    // another handshake failure (ZAP error, protocol error)
};

struct LinkStatus {
  using Clock = std::chrono::steady_clock;
  bool watched = false;  // a monitor reported into this status (else nothing is known)
  bool up = false;       // a handshake succeeded and the connection has not dropped since
  bool ever_up = false;  // a handshake succeeded at some point
  Clock::time_point down_since = Clock::now();  // start, or when the connection last dropped
  uint64_t refused = 0;                         // connects refused since the link was last up
  uint64_t server_hangups = 0;  // handshakes the server ended without a word (wrong key)
  LinkProblem failure = LinkProblem::kNone;  // the last handshake failure, if any
  int failure_value = 0;                     // ZAP status code or ZMQ_PROTOCOL_ERROR_*

  // Not up, and why as far as the monitor knows.
  LinkProblem problem() const;
  // True when retrying cannot help: the handshake itself was refused (keys or mechanism).
  // A server hang-up counts after two in a row (one can be a broker shutting down).
  bool hopeless() const;
  // How long the link has been down (zero while up).
  std::chrono::milliseconds down_for(Clock::time_point now = Clock::now()) const;
};

class ConnectionWatch {
 public:
  // Starts monitoring `socket` (call before connect()); `context` is the socket's.
  ConnectionWatch(zmq::context_t& context, zmq::socket_t& socket);
  ~ConnectionWatch();  // stops the monitor; call while the socket is still open
  ConnectionWatch(const ConnectionWatch&) = delete;
  ConnectionWatch& operator=(const ConnectionWatch&) = delete;

  // Reads the events that have arrived into `status` (does not block).
  void update(LinkStatus& status);
  // Waits up to `timeout` for the next event and reads it and any others into `status`.
  void wait(LinkStatus& status, std::chrono::milliseconds timeout);

 private:
  zmq::socket_t* watched_;
  zmq::socket_t events_;  // PAIR connected to the monitor's inproc endpoint
};

// One sentence for the user on `status` of the connection to `endpoint`: what happened and which
// option or variable to check. `curve`: whether we connect with CURVE keys; `public_key`: ours
// (named when the broker refused it).
std::string describe(const LinkStatus& status, const std::string& endpoint, bool curve,
                     const std::string& public_key, const LinkHints& hints);

}  // namespace intentq::mdp
