#include "broker/security.hpp"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/curve_keys.hpp"
#include "common/curve_socket.hpp"

namespace intentq::broker {

Security::Security(zmq::context_t& context, const SecurityConfig& config,
                   const std::vector<std::pair<std::string, std::string>>& endpoints) {
  if (!config.curve_allow.empty() && config.curve_secret.empty())
    throw std::runtime_error("--curve-allow needs --curve-secret (the broker's .key_secret file)");
  if (!config.curve_secret.empty()) {
    // Without an allowlist a CURVE server admits anyone who knows its public key; the broker
    // does not offer that mode.
    if (config.curve_allow.empty())
      throw std::runtime_error(
          "--curve-secret needs --curve-allow DIR (public keys allowed in DIR/clients, "
          "DIR/workers, DIR/subscribers)");
    try {
      secret_key_ = curve::load_secret(config.curve_secret).secret_key;
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--curve-secret: ") + e.what());
    }
    zap_ = std::make_unique<curve::ZapHandler>(
        context, config.curve_allow,
        std::vector<std::string>{curve::kDomainClients, curve::kDomainWorkers,
                                 curve::kDomainSubscribers});
    spdlog::info("CURVE on: public key {}", curve::public_of(secret_key_));
    return;
  }
  for (const auto& [role, endpoint] : endpoints) {
    if (curve::is_loopback_endpoint(endpoint)) continue;
    if (!config.insecure_allow_public)
      throw std::runtime_error(
          "refusing to bind " + role + " to " + endpoint + " without CURVE (--" + role +
          "): anyone who reaches it could submit jobs, register as a worker and "
          "receive jobs, or read every account's results. Bind loopback (tcp://127.0.0.1:PORT), "
          "turn on CURVE (--curve-secret FILE --curve-allow DIR), or pass "
          "--insecure-allow-public");
    spdlog::warn(
        "INSECURE: {} bound to {} without CURVE (--insecure-allow-public): no authentication, "
        "no encryption",
        role, endpoint);
  }
}

Security::~Security() = default;

void Security::secure(zmq::socket_t& socket, const char* domain) const {
  if (curve()) curve::apply_curve_server(socket, secret_key_, domain);
}

void Security::reload() {
  if (!zap_) {
    spdlog::info("SIGHUP: nothing to reload (CURVE is off)");
    return;
  }
  const auto report = zap_->reload();
  for (const auto& [domain, n] : report.keys)
    spdlog::info("SIGHUP: CURVE allowlist {} has {} key(s)", domain, n);
  for (const auto& p : report.problems) spdlog::warn("SIGHUP: CURVE allowlist: {}", p);
}

}  // namespace intentq::broker
