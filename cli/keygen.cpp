#include "cli/keygen.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/curve_keys.hpp"

namespace intentq::cli {

CLI::App* add_keygen_command(CLI::App& app, KeygenOptions& options) {
  auto* cmd = app.add_subcommand(
      "keygen", "write a CURVE key pair: DIR/NAME.key (public) and DIR/NAME.key_secret (0600)");
  cmd->add_option("dir", options.dir, "directory for the key files (created 0700 if missing)")
      ->required();
  cmd->add_option("--name", options.name, "file name of the pair (default: this host's name)");
  return cmd;
}

int run_keygen(const KeygenOptions& options) {
  std::string name = options.name;
  if (name.empty()) {
    char host[256] = {};
    name = gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "intentq";
  }
  try {
    const auto keys = curve::generate();
    curve::save(options.dir, name, keys);
    const auto base = std::filesystem::path(options.dir) / name;
    std::cout << "public key " << keys.public_key << "\n"
              << "public     " << base.string() << ".key\n"
              << "secret     " << base.string() << ".key_secret\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "intentq keygen: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace intentq::cli
