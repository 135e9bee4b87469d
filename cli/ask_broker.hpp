// One request to a broker service the CLI asks directly (mmi.stats, mmi.cancel), with the
// retry policy of its subcommand.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace intentq::cli {

// The reply's one frame; or, when no reply came or it is not one frame, nullopt after printing
// why as "intentq <command>: ..." (the link problem the socket saw, or a broker that is up but
// silent).
std::optional<std::string> ask_broker(
    const std::string& command, const std::string& service, const std::vector<std::string>& body,
    const BrokerLink& to, const std::function<bool(const std::vector<std::string>&)>& accept = {});

}  // namespace intentq::cli
