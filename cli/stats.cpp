// `intentq stats`: the broker's mmi.stats map, as JSON.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"

namespace intentq::cli {

int run_stats(const StatsOptions& options) {
  zmq::context_t context(1);
  auto body = request_with_retries(context, options.broker, "mmi.stats", {""}, options.retry, {},
                                   {}, options.curve ? &*options.curve : nullptr);
  if (!body) {
    std::cerr << "intentq stats: broker " << options.broker << " did not answer after "
              << (options.retry.retries + 1) << " tries\n";
    return 1;
  }
  if (body->size() != 1) {
    std::cerr << "intentq stats: expected one reply frame, got " << body->size() << "\n";
    return 1;
  }
  auto stats = nlohmann::json::from_msgpack((*body)[0], true, false);
  if (stats.is_discarded()) {
    std::cerr << "intentq stats: the reply is not msgpack (" << (*body)[0].size() << " bytes)\n";
    return 1;
  }
  std::cout << stats.dump(2) << std::endl;
  return 0;
}

}  // namespace intentq::cli
