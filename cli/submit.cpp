// `intentq submit`: one job, Lazy Pirate retries with a stable id, the reply printed as JSON.
#include <iostream>
#include <optional>
#include <random>

#include "cli/commands.hpp"
#include "cli/json_text.hpp"
#include "cli/params.hpp"
#include "common/envelope.hpp"

namespace intentq::cli {

std::string generate_job_id() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "cli-";
  uint64_t bits = rng();
  for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 0xf];
  return id;
}

int run_submit(const SubmitOptions& options) {
  JobRequest request;
  try {
    request.params = build_params(options.params_json, options.params);
  } catch (const std::exception& e) {
    std::cerr << "intentq submit: " << e.what() << "\n";
    return kConfigExit;  // a bad --param/--params-json is a refused option
  }
  request.id = options.id.empty() ? generate_job_id() : options.id;
  request.deadline_ms = options.deadline_ms;
  request.max_age_ms = options.max_age_ms;
  const std::string id = *request.id;
  std::string envelope = encode_request(request);
  if (!options.priority.empty() || !options.client.empty()) {
    // Envelope fields JobRequest does not carry: added to the encoded map.
    auto j = nlohmann::json::from_msgpack(envelope);
    if (!options.priority.empty()) j["priority"] = options.priority;
    if (!options.client.empty()) j["client"] = options.client;
    const auto bytes = nlohmann::json::to_msgpack(j);
    envelope.assign(bytes.begin(), bytes.end());
  }

  zmq::context_t context(1);
  // A reply for another id cannot reach a fresh socket, but a broker that answers without the id
  // (e.g. a malformed-request error) is still the answer to us.
  //
  // After a try went unanswered (the broker was down), an UNKNOWN_INTENT from the broker most
  // likely means it has just restarted and the workers have not registered again yet: that answer
  // is held back and the job resent after the timeout. On the first try it is final, so a truly
  // unknown intent fails fast.
  bool resent = false;
  std::optional<std::string> held_back;
  auto accept = [&](const std::vector<std::string>& body) {
    if (body.size() != 1) return true;
    try {
      auto reply = decode_reply(body[0]);
      if (!reply.id.empty() && reply.id != id) return false;
      if (resent && !reply.ok && reply.error && reply.error->code == ErrorCode::kUnknownIntent) {
        held_back = body[0];
        return false;
      }
      return true;
    } catch (const EnvelopeError&) {
      return true;
    }
  };
  // Never give up before the broker would answer: the last try waits out the job's deadline.
  auto policy = options.retry;
  policy.budget = (request.deadline_ms ? std::chrono::milliseconds(*request.deadline_ms)
                                       : kBrokerDefaultDeadline) +
                  kAnswerMargin;
  mdp::LinkStatus link;
  const std::string our_key = options.curve ? options.curve->own.public_key : std::string();
  auto on_retry = [&](int attempt) {
    resent = true;
    if (held_back)
      std::cerr << "intentq submit: " << options.broker << " has no worker for " << options.intent
                << " yet (restarted?)";
    else if (!link.up && link.problem() != mdp::LinkProblem::kNone)
      std::cerr << "intentq submit: "
                << mdp::describe(link, options.broker, options.curve.has_value(), our_key, {});
    else
      std::cerr << "intentq submit: no reply from " << options.broker << " within "
                << options.retry.timeout.count() << " ms";
    std::cerr << "; resending job " << id << " (retry " << attempt << "/" << options.retry.retries
              << ")\n";
  };
  const auto started = std::chrono::steady_clock::now();
  auto body = mdp::request_with_retries(context, options.broker, options.intent, {envelope}, policy,
                                        accept, on_retry, options.curve, &link);
  if (!body && held_back) body = std::vector<std::string>{*held_back};
  if (!body) {
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (!link.up && link.problem() != mdp::LinkProblem::kNone)
      std::cerr << "intentq submit: "
                << mdp::describe(link, options.broker, options.curve.has_value(), our_key, {})
                << "; job " << id << " was not delivered\n";
    else
      std::cerr << "intentq submit: connected to " << options.broker << " but job " << id
                << " got no reply in " << waited.count() / 1000 << " s ("
                << (options.retry.retries + 1)
                << " tries, past its deadline): the broker is up but does not answer; see its "
                   "log and `intentq stats`\n";
    return 1;
  }
  if (body->size() != 1) {
    std::cerr << "intentq submit: expected one reply frame, got " << body->size() << "\n";
    return 1;
  }
  try {
    auto reply = decode_reply((*body)[0]);
    std::cout << json_text(reply_to_json(reply), options.compact ? -1 : 2) << std::endl;
    return reply.ok ? 0 : 2;
  } catch (const EnvelopeError& e) {
    std::cerr << "intentq submit: reply is not a valid envelope: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace intentq::cli
