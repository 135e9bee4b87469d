// The one MDP/0.1 client of intentq (the Majordomo reference's mdcliapi2, on a DEALER): the CLI,
// the benchmark and the tests all talk to the broker's frontend through it.
//
// Asynchronous: send() as many requests as you like, receive() replies as they come, matched by
// the job id inside the envelope (the broker answers in completion order, not send order). On top
// of it, request_with_retries() is the zguide's Lazy Pirate: send, wait, and on silence throw the
// socket away and resend the same request (same id) on a fresh one, a bounded number of times.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "common/connection_watch.hpp"
#include "common/curve_socket.hpp"
#include "common/mdp_frames.hpp"

namespace intentq::mdp {

struct ClientOptions {
  std::optional<curve::ClientKeys> curve;  // set: the socket is a CURVE client
  // No high-water marks: a pipelining client (load generators, throughput tests) keeps many
  // requests in flight and must not have ZeroMQ drop or block them at 1000.
  bool unbounded_queues = false;
  // Watch the connection with the socket monitor (common/connection_watch.hpp) so link() can say
  // why no reply came. tcp:// and ipc:// only: inproc has no connection events.
  bool watch_link = true;
};

// A reply as the broker sends it: ["", "MDPC01", service, body...].
struct Reply {
  std::string service;
  std::vector<std::string> body;
};

class Client {
 public:
  Client(zmq::context_t& context, std::string endpoint, ClientOptions options = {});
  Client(Client&&) = default;
  Client& operator=(Client&&) = default;

  // Sends ["", "MDPC01", service, body...]; blocks only while the socket's queue is full. Throws
  // MdpError when the message cannot be sent.
  void send(std::string_view service, const std::vector<std::string>& body);
  void send(std::string_view service, std::string_view body);

  // The next reply, or nullopt after `timeout`. Throws MdpError on a message that is not an MDP
  // client reply (something is wrong with the broker, not with the request).
  std::optional<Reply> receive(std::chrono::milliseconds timeout);

  // Zero-copy access for load generators: true when a message is waiting (within `timeout`), and
  // the next waiting message's frames as they came (["", "MDPC01", service, body...]), without
  // blocking; false when none is waiting.
  bool wait(std::chrono::milliseconds timeout);
  bool receive_frames(Frames& out);

  // Closes the socket and connects a fresh one: nothing sent or queued on the old one can arrive
  // any more (Lazy Pirate's guarantee that a late reply is never taken for the current one).
  void reconnect();

  // The socket, for tests that send deliberately malformed messages on a connected peer.
  zmq::socket_t& socket() { return socket_; }

  // What the socket monitor has seen of the connection so far (across reconnects); nullopt when
  // the link is not watched (inproc, or watch_link off).
  std::optional<LinkStatus> link();
  const std::string& endpoint() const { return endpoint_; }

 private:
  void open();

  zmq::context_t* context_;
  std::string endpoint_;
  ClientOptions options_;
  zmq::socket_t socket_;
  std::unique_ptr<ConnectionWatch> watch_;  // before socket_ closes, stops watching it
  LinkStatus link_;
};

struct RetryPolicy {
  std::chrono::milliseconds timeout{5000};  // per try
  int retries = 3;                          // tries after the first
  std::chrono::milliseconds backoff{500};   // wait before the first resend, doubled each time
  std::chrono::milliseconds backoff_max{4000};
  // The last try waits until this long after the first send, however short `timeout` is: a
  // client must not give up before the broker answers (its deadline, plus the way back). 0: no
  // such floor.
  std::chrono::milliseconds budget{0};
  // On a watched link: give up when no connection has been up for this long (nothing listens at
  // the endpoint, or the host does not answer). A broker restart is shorter; a client that must
  // ride out a long outage raises it.
  std::chrono::milliseconds connect_timeout{5000};
};

// Lazy Pirate: sends the request and returns the reply's body frames, or nullopt when no reply
// came after every try. Each try uses a fresh socket; resending is safe for intentq services
// because the request keeps its id: the broker attaches the resend to the running job or answers
// it from its dedup cache. `accept` may reject a reply (e.g. one for another id); rejected
// replies are ignored and the wait goes on, as are replies for another service and messages that
// are not MDP replies. `on_retry` (optional) is told before each resend.
//
// On a watched link (tcp://, ipc://) it gives up early when retrying cannot help: at once when
// the handshake is refused (CURVE keys, mechanism), and when no connection has been up for
// `connect_timeout` (nothing listens, or the host does not answer). `link` (optional) receives the
// link's state as the tries go; common/connection_watch.hpp's describe() words it for the user.
std::optional<std::vector<std::string>> request_with_retries(
    zmq::context_t& context, const std::string& endpoint, const std::string& service,
    const std::vector<std::string>& body, const RetryPolicy& policy,
    const std::function<bool(const std::vector<std::string>&)>& accept = {},
    const std::function<void(int attempt)>& on_retry = {},
    const std::optional<curve::ClientKeys>& curve = std::nullopt, LinkStatus* link = nullptr);

}  // namespace intentq::mdp
