// `intentq watch`: subscribes to the broker's result feed and prints one JSON line per result.
#include <iostream>

#include <zmq.hpp>

#include "cli/commands.hpp"
#include "cli/json_text.hpp"
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

}  // namespace

int run_watch(const WatchOptions& options) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::sub);
  socket.set(zmq::sockopt::linger, 0);
  if (options.curve) curve::apply_curve_client(socket, *options.curve);
  try {
    socket.connect(options.publish);
  } catch (const zmq::error_t& e) {
    std::cerr << "intentq watch: cannot connect to " << options.publish << ": " << e.what() << "\n";
    return 1;
  }
  if (options.topics.empty()) socket.set(zmq::sockopt::subscribe, "");
  for (const auto& topic : options.topics) socket.set(zmq::sockopt::subscribe, topic);
  std::cerr << "intentq watch: subscribed to " << options.publish << std::endl;

  uint64_t seen = 0;
  while (!options.count || seen < *options.count) {
    std::vector<std::string> frames;
    zmq::message_t part;
    do {
      if (!socket.recv(part)) break;
      frames.emplace_back(part.to_string());
    } while (part.more());
    if (frames.size() != 2) continue;  // not [topic, body]: not ours to show
    nlohmann::json line{{"topic", frames[0]}, {"reply", body_json(frames[1])}};
    std::cout << json_text(line) << std::endl;
    ++seen;
  }
  return 0;
}

}  // namespace intentq::cli
