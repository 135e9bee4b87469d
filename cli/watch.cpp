// `intentq watch`: subscribes to the broker's result feed and prints one JSON line per result.
#include <iostream>

#include <zmq.hpp>

#include "cli/commands.hpp"
#include "cli/json_text.hpp"
#include "common/connection_watch.hpp"
#include "common/envelope.hpp"
#include "common/msgpack_codec.hpp"

namespace intentq::cli {
namespace {

// The reply as the CLI prints it; a body that is not an intentq envelope is shown as generic
// msgpack (read with the envelope's bounds), or as its size when not even that.
nlohmann::json body_json(const std::string& body) {
  try {
    return reply_to_json(decode_reply(body));
  } catch (const EnvelopeError&) {
  }
  try {
    return msgpack_codec::to_json(body);
  } catch (const EnvelopeError&) {
  }
  return {{"unparsed_bytes", body.size()}};
}

const mdp::LinkHints kPublishHints{"--publish / INTENTQ_PUBLISH",
                                   "--curve-server-key / INTENTQ_CURVE_SERVER_KEY",
                                   "--curve-secret / INTENTQ_CURVE_SECRET", "subscribers"};

}  // namespace

int run_watch(const WatchOptions& options) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  socket.set(zmq::sockopt::linger, 0);
  if (options.curve) curve::apply_curve_client(socket, *options.curve);
  const std::string our_key = options.curve ? options.curve->own.public_key : std::string();
  mdp::LinkStatus link;
  // The monitor is stopped (its destructor) while the socket is still open.
  std::optional<mdp::ConnectionWatch> watch;
  const bool watchable =
      options.publish.starts_with("tcp://") || options.publish.starts_with("ipc://");
  if (watchable) watch.emplace(context, socket);
  try {
    socket.connect(options.publish);
  } catch (const zmq::error_t& e) {
    std::cerr << "intentq watch: cannot connect to " << options.publish << ": " << e.what() << "\n";
    return 1;
  }
  if (options.topics.empty()) socket.set(zmq::sockopt::subscribe, "");
  for (const auto& topic : options.topics) socket.set(zmq::sockopt::subscribe, topic);
  // `subscribed` only once the connection is up: a dead endpoint or refused keys end the command
  // with the reason after --connect-timeout-ms, instead of a silent wait for results that cannot
  // come.
  if (watch) {
    const auto until = std::chrono::steady_clock::now() + options.connect_timeout;
    while (!link.up && !link.hopeless() && std::chrono::steady_clock::now() < until)
      watch->wait(link, std::chrono::duration_cast<std::chrono::milliseconds>(
                            until - std::chrono::steady_clock::now()));
    if (!link.up) {
      std::cerr << "intentq watch: "
                << mdp::describe(link, options.publish, options.curve.has_value(), our_key,
                                 kPublishHints)
                << "\n";
      return 1;
    }
  }
  std::cerr << "intentq watch: subscribed to " << options.publish << std::endl;

  uint64_t seen = 0;
  bool said_down = false;
  while (!options.count || seen < *options.count) {
    if (watch) {
      // A broker that goes away later: say so once, and keep waiting for it to come back (the
      // socket reconnects by itself).
      watch->update(link);
      if (!link.up && !said_down) {
        std::cerr << "intentq watch: lost the connection to " << options.publish
                  << "; waiting for it to come back" << std::endl;
        said_down = true;
      } else if (link.up && said_down) {
        std::cerr << "intentq watch: connected to " << options.publish << " again" << std::endl;
        said_down = false;
      }
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(500)) == 0) continue;
    }
    std::vector<std::string> frames;
    zmq::message_t part;
    do {
      if (!socket.recv(part)) break;
      frames.emplace_back(part.to_string());
    } while (part.more());
    if (frames.size() != 2) continue;  // not [topic, body]: not ours to show
    // The topic first, so a reader (or `grep`) sees what a line is before a long reply.
    std::cout << "{\"topic\":" << json_text(nlohmann::json(frames[0]))
              << ",\"reply\":" << json_text(body_json(frames[1])) << "}" << std::endl;
    ++seen;
  }
  return 0;
}

}  // namespace intentq::cli
