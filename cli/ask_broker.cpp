#include "cli/ask_broker.hpp"

#include <iostream>

#include "common/mdp_client.hpp"

namespace intentq::cli {

std::optional<std::string> ask_broker(
    const std::string& command, const std::string& service, const std::vector<std::string>& body,
    const BrokerLink& to, const std::function<bool(const std::vector<std::string>&)>& accept) {
  const auto& [broker, retry, curve] = to;
  zmq::context_t context(1);
  mdp::LinkStatus link;
  auto reply =
      mdp::request_with_retries(context, broker, service, body, retry, accept, {}, curve, &link);
  if (!reply) {
    if (!link.up && link.problem() != mdp::LinkProblem::kNone)
      std::cerr << "intentq " << command << ": "
                << mdp::describe(link, broker, curve.has_value(),
                                 curve ? curve->own.public_key : std::string(), {})
                << "\n";
    else
      std::cerr << "intentq " << command << ": connected to " << broker
                << " but it did not answer in " << (retry.retries + 1)
                << " tries; see the broker's log\n";
    return std::nullopt;
  }
  if (reply->size() != 1) {
    std::cerr << "intentq " << command << ": expected one reply frame, got " << reply->size()
              << "\n";
    return std::nullopt;
  }
  return std::move((*reply)[0]);
}

}  // namespace intentq::cli
