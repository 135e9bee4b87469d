// `intentq stats`: the broker's mmi.stats map, as JSON.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/json_text.hpp"
#include "common/envelope.hpp"
#include "common/msgpack_codec.hpp"

namespace intentq::cli {

int run_stats(const StatsOptions& options) {
  zmq::context_t context(1);
  mdp::LinkStatus link;
  auto body = mdp::request_with_retries(context, options.broker, "mmi.stats", {""}, options.retry,
                                        {}, {}, options.curve, &link);
  if (!body) {
    if (!link.up && link.problem() != mdp::LinkProblem::kNone)
      std::cerr << "intentq stats: "
                << mdp::describe(link, options.broker, options.curve.has_value(),
                                 options.curve ? options.curve->own.public_key : std::string(), {})
                << "\n";
    else
      std::cerr << "intentq stats: connected to " << options.broker << " but it did not answer in "
                << (options.retry.retries + 1) << " tries; see the broker's log\n";
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
