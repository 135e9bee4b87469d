#include "common/connection_watch.hpp"

#include <zmq.h>

#include <cstring>

namespace intentq::mdp {
namespace {

constexpr int kEvents = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED |
                        ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

std::string monitor_endpoint(const void* self) {
  // The address of the watch plus the time: unique within the process even when a watch is
  // made again at the same address right after the last one stopped.
  return "inproc://intentq-link-" + std::to_string(reinterpret_cast<uintptr_t>(self)) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

void apply(LinkStatus& s, uint16_t event, int32_t value) {
  const auto now = LinkStatus::Clock::now();
  switch (event) {
    case ZMQ_EVENT_CONNECT_RETRIED:
      // Retried after a refusal (or a dropped connection); a pending connect has no retry.
      if (!s.up) ++s.refused;
      break;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      s.up = s.ever_up = true;
      s.refused = 0;
      s.server_hangups = 0;
      s.failure = LinkProblem::kNone;
      break;
    case ZMQ_EVENT_DISCONNECTED:
      if (s.up) s.down_since = now;
      s.up = false;
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      // A CURVE server that cannot decrypt our HELLO (not its key) closes the connection.
      ++s.server_hangups;
      s.failure = LinkProblem::kServerKey;
      s.failure_value = value;
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      s.failure = value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                      ? LinkProblem::kMechanismMismatch
                      : LinkProblem::kHandshakeFailed;
      s.failure_value = value;
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      s.failure = value == 400 ? LinkProblem::kKeyNotAllowed : LinkProblem::kHandshakeFailed;
      s.failure_value = value;
      break;
    default:
      break;
  }
}

}  // namespace

LinkProblem LinkStatus::problem() const {
  if (up || !watched) return LinkProblem::kNone;
  if (failure != LinkProblem::kNone) return failure;
  return refused > 0 ? LinkProblem::kRefused : LinkProblem::kPending;
}

bool LinkStatus::hopeless() const {
  if (up || !watched) return false;
  switch (failure) {
    case LinkProblem::kMechanismMismatch:
    case LinkProblem::kKeyNotAllowed:
    case LinkProblem::kHandshakeFailed:
      return true;
    case LinkProblem::kServerKey:
      return server_hangups >= 2;
    default:
      return false;
  }
}

std::chrono::milliseconds LinkStatus::down_for(Clock::time_point now) const {
  if (up) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - down_since);
}

ConnectionWatch::ConnectionWatch(zmq::context_t& context, zmq::socket_t& socket)
    : watched_(&socket), events_(context, zmq::socket_type::pair) {
  const auto endpoint = monitor_endpoint(this);
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), kEvents) != 0) throw zmq::error_t();
  events_.set(zmq::sockopt::linger, 0);
  events_.connect(endpoint);
}

ConnectionWatch::~ConnectionWatch() {
  if (watched_->handle()) zmq_socket_monitor(watched_->handle(), nullptr, 0);
}

void ConnectionWatch::update(LinkStatus& status) {
  status.watched = true;
  zmq::message_t head, address;
  while (events_.recv(head, zmq::recv_flags::dontwait)) {
    // libzmq 4.x: [6 bytes: uint16 event, uint32 value][endpoint]
    if (head.more()) (void)events_.recv(address, zmq::recv_flags::dontwait);
    if (head.size() < 6) continue;
    uint16_t event = 0;
    int32_t value = 0;
    std::memcpy(&event, head.data(), 2);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, 4);
    apply(status, event, value);
  }
}

void ConnectionWatch::wait(LinkStatus& status, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{events_.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::max(timeout, std::chrono::milliseconds(0)));
  update(status);
}

std::string describe(const LinkStatus& status, const std::string& endpoint, bool curve,
                     const std::string& public_key, const LinkHints& hints) {
  const auto seconds = [](std::chrono::milliseconds ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
    return std::string(text);
  };
  switch (status.problem()) {
    case LinkProblem::kNone:
      return "connected to " + endpoint + " but no reply came";
    case LinkProblem::kPending:
      return "no connection to " + endpoint + " after " + seconds(status.down_for()) +
             " (the connect is still pending: host down or a firewall dropping it?); check " +
             hints.endpoint_option;
    case LinkProblem::kRefused:
      return "nothing listens at " + endpoint + " (connection refused for " +
             seconds(status.down_for()) + "); check " + hints.endpoint_option +
             " and that intentq-broker runs";
    case LinkProblem::kMechanismMismatch:
      if (curve)
        return "the broker at " + endpoint + " does not use CURVE but we do: drop " +
               hints.server_key_option + " and " + hints.secret_option +
               ", or check the endpoint (" + hints.endpoint_option + ")";
      return "the broker at " + endpoint + " requires CURVE: pass " + hints.server_key_option +
             " (the broker's public key) and " + hints.secret_option +
             " (our .key_secret file, its .key allowed in the broker's " + hints.allow_domain +
             " directory)";
    case LinkProblem::kServerKey:
      // Without keys we sent no HELLO: a broker that hangs up on a plain greeting requires CURVE
      // (libzmq may close before we have read its greeting, so no mismatch is reported).
      if (!curve)
        return "the broker at " + endpoint +
               " closed every connection during the handshake: it requires CURVE: pass " +
               hints.server_key_option + " (the broker's public key) and " + hints.secret_option +
               " (our .key_secret file, its .key allowed in the broker's " + hints.allow_domain +
               " directory)";
      return "CURVE handshake with " + endpoint + " failed: the broker hung up on our HELLO, so " +
             hints.server_key_option +
             " is not the broker's public key (or the broker does not use CURVE: then drop the "
             "CURVE options)";
    case LinkProblem::kKeyNotAllowed:
      return "CURVE handshake with " + endpoint + " refused: the broker does not allow our key " +
             public_key + " (" + hints.secret_option +
             "); put its NAME.key file in the broker's allow directory " + hints.allow_domain +
             "/ and send the broker SIGHUP";
    case LinkProblem::kHandshakeFailed:
      return "handshake with " + endpoint + " failed (" +
             (status.failure_value >= 100 && status.failure_value < 600
                  ? "ZAP status " + std::to_string(status.failure_value)
                  : "protocol error " + std::to_string(status.failure_value)) +
             "); check " + hints.endpoint_option + " and the CURVE options (" +
             hints.server_key_option + ", " + hints.secret_option + ")";
  }
  return "no reply from " + endpoint;
}

}  // namespace intentq::mdp
