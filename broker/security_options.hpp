// The broker's security options on the command line and in the environment (used by main.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include "broker/config.hpp"

namespace intentq::broker {

inline void add_security_options(CLI::App& app, SecurityConfig& security) {
  app.add_option("--curve-secret", security.curve_secret,
                 "the broker's CURVE secret certificate (NAME.key_secret from intentq keygen); "
                 "makes all three sockets CURVE servers; needs --curve-allow")
      ->envname("INTENTQ_CURVE_SECRET");
  app.add_option("--curve-allow", security.curve_allow,
                 "directory of allowed public keys: DIR/clients, DIR/workers, DIR/subscribers "
                 "hold NAME.key files; re-read on SIGHUP")
      ->envname("INTENTQ_CURVE_ALLOW");
  app.add_flag("--insecure-allow-public", security.insecure_allow_public,
               "allow binding non-loopback addresses without CURVE, and --metrics on a "
               "non-loopback address (warns on every start)")
      ->envname("INTENTQ_INSECURE_ALLOW_PUBLIC");
}

}  // namespace intentq::broker
