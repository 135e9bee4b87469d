// `intentq stats`: the broker's mmi.stats map, as JSON.
#include <iostream>

#include "cli/ask_broker.hpp"
#include "cli/commands.hpp"
#include "cli/json_text.hpp"
#include "common/envelope.hpp"
#include "common/msgpack_codec.hpp"

namespace intentq::cli {

int run_stats(const StatsOptions& options) {
  auto frame = ask_broker("stats", "mmi.stats", {""}, options);
  if (!frame) return 1;
  nlohmann::json stats;
  try {
    stats = msgpack_codec::to_json(*frame);
  } catch (const EnvelopeError& e) {
    std::cerr << "intentq stats: the reply is not msgpack (" << frame->size()
              << " bytes): " << e.what() << "\n";
    return 1;
  }
  std::cout << json_text(stats, 2) << std::endl;
  return 0;
}

}  // namespace intentq::cli
