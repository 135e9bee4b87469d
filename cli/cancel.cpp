// `intentq cancel ID`: mmi.cancel for one job id (docs/protocol.md section 4). The broker lets
// only the job's submitter cancel it: the same connection, or with CURVE the same key. A separate
// `intentq cancel` process is therefore the job's owner only when both use the same CURVE key.
#include <iostream>

#include "cli/ask_broker.hpp"
#include "cli/commands.hpp"
#include "cli/json_text.hpp"
#include "common/envelope.hpp"
#include "common/mdp.hpp"

namespace intentq::cli {

int run_cancel(const CancelOptions& options) {
  if (options.id.empty() || options.id.size() > kMaxIdBytes) {
    std::cerr << "intentq cancel: a job id is 1.." << kMaxIdBytes << " bytes; got "
              << options.id.size() << "\n";
    return kConfigExit;
  }
  // A reply for another id cannot reach the fresh socket; one without an id (BAD_REQUEST) is ours.
  auto accept = [&](const std::vector<std::string>& body) {
    if (body.size() != 1) return true;
    try {
      auto reply = decode_reply(body[0]);
      return reply.id.empty() || reply.id == options.id;
    } catch (const EnvelopeError&) {
      return true;
    }
  };
  // Cancelling twice is harmless (the second is UNKNOWN_JOB), so a lost reply is simply resent.
  auto frame = ask_broker("cancel", std::string(mdp::kMmiCancel), {options.id}, options, accept);
  if (!frame) return 1;
  try {
    auto reply = decode_reply(*frame);
    std::cout << json_text(reply_to_json(reply), options.compact ? -1 : 2) << std::endl;
    if (reply.ok) return 0;
    if (reply.error && reply.error->code == ErrorCode::kUnknownJob)
      std::cerr << "intentq cancel: no job '" << options.id
                << "' of this client is queued or running; only its submitter may cancel it "
                << (options.curve ? "(the same CURVE key)"
                                  : "(without CURVE: the submitting connection itself; give both "
                                    "the same CURVE key to cancel from another process)")
                << "\n";
    return 2;
  } catch (const EnvelopeError& e) {
    std::cerr << "intentq cancel: reply is not a valid envelope: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace intentq::cli
