// `intentq stats`: the broker's mmi.stats map, as JSON.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/json_text.hpp"
#include "common/envelope.hpp"
#include "common/msgpack_codec.hpp"

namespace intentq::cli {

int run_stats(const StatsOptions& options) {
  zmq::context_t context(1);
  auto body = mdp::request_with_retries(context, options.broker, "mmi.stats", {""}, options.retry,
                                        {}, {}, options.curve);
  if (!body) {
    std::cerr << "intentq stats: broker " << options.broker << " did not answer after "
              << (options.retry.retries + 1) << " tries\n";
    return 1;
  }
  if (body->size() != 1) {
    std::cerr << "intentq stats: expected one reply frame, got " << body->size() << "\n";
    return 1;
  }
  nlohmann::json stats;
  try {
    stats = msgpack_codec::to_json((*body)[0]);
  } catch (const EnvelopeError& e) {
    std::cerr << "intentq stats: the reply is not msgpack (" << (*body)[0].size()
              << " bytes): " << e.what() << "\n";
    return 1;
  }
  std::cout << json_text(stats, 2) << std::endl;
  return 0;
}

}  // namespace intentq::cli
