// `intentq keygen DIR [--name NAME]`: writes a CURVE key pair, DIR/NAME.key (public, to copy into
// the broker's allow directory or to give to peers) and DIR/NAME.key_secret (0600).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace intentq::cli {

struct KeygenOptions {
  std::string dir;
  std::string name;  // default: this host's name
};

// Registers the subcommand on `app`; returns it so main can ask whether it was parsed.
CLI::App* add_keygen_command(CLI::App& app, KeygenOptions& options);

// Prints the public key and the two paths on stdout. 0 on success, 1 with a message on stderr.
int run_keygen(const KeygenOptions& options);

}  // namespace intentq::cli
