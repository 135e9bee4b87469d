// The CURVE options of every program that connects to the broker (worker, intentq CLI,
// benchmarks): the broker's public key and this peer's own key pair, as flags or INTENTQ_*
// environment variables. Header-only because it needs CLI11, which only the programs link.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "common/curve_socket.hpp"

namespace intentq::curve {

struct ClientOptions {
  std::string server_key;  // Z85 text or a NAME.key file
  std::string secret;      // this peer's NAME.key_secret file

  void add_to(CLI::App& app) {
    app.add_option("--curve-server-key", server_key,
                   "the broker's CURVE public key: 40 Z85 characters or its NAME.key file "
                   "(turns CURVE on; needs --curve-secret)")
        ->envname("INTENTQ_CURVE_SERVER_KEY");
    app.add_option("--curve-secret", secret,
                   "this peer's CURVE secret certificate (NAME.key_secret from intentq keygen; "
                   "its NAME.key must be in the broker's allow directory)")
        ->envname("INTENTQ_CURVE_SECRET");
  }
  // nullopt when neither is set; throws (naming the option) when one is missing or a file is bad.
  std::optional<ClientKeys> load() const { return load_client_keys(server_key, secret); }
};

}  // namespace intentq::curve
