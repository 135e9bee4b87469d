// The broker's transport security: CURVE on its three sockets with a ZAP allowlist per socket
// (clients, workers, subscribers), and the rule that a broker without CURVE binds loopback only.
// The Server owns one Security next to its context and asks it to secure each socket before
// binding; SIGHUP calls reload().
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "broker/config.hpp"
#include "common/zap_handler.hpp"

namespace intentq::broker {

// A refused security configuration (the operator must change it; restarting cannot help): the
// broker exits 78 (EX_CONFIG) on it, as on a bad option.
struct SecurityConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Security {
 public:
  // `endpoints`: (role, bind endpoint) of each socket. Throws SecurityConfigError (the message
  // is for the operator) when --curve-secret comes without --curve-allow or the key file is bad,
  // when the allow directory or one of its domain directories cannot be read by the user the
  // broker runs as (it would refuse everyone), or when a non-loopback endpoint would be bound
  // without CURVE and without --insecure-allow-public; with that flag it warns instead. Starts
  // the ZAP handler in `context` when CURVE is on.
  Security(zmq::context_t& context, const SecurityConfig& config,
           const std::vector<std::pair<std::string, std::string>>& endpoints);
  ~Security();

  bool curve() const { return !secret_key_.empty(); }
  // CURVE server in ZAP domain `domain` (common/curve_socket.hpp), or nothing without CURVE.
  void secure(zmq::socket_t& socket, const char* domain) const;
  // Re-reads the allowlists (SIGHUP) and logs what was loaded.
  void reload();
  // Handshakes refused by the ZAP handler since start.
  uint64_t denied() const { return zap_ ? zap_->denied() : 0; }
  // The same, per ZAP domain (clients, workers, subscribers).
  uint64_t denied(const std::string& domain) const { return zap_ ? zap_->denied(domain) : 0; }

 private:
  std::string secret_key_;
  std::unique_ptr<curve::ZapHandler> zap_;
};

}  // namespace intentq::broker
