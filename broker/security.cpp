#include "broker/security.hpp"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/curve_keys.hpp"
#include "common/curve_socket.hpp"

namespace intentq::broker {
namespace {

// "intentq (uid 998)", for messages about files this process cannot read.
std::string running_as() {
  const uid_t uid = ::geteuid();
  const passwd* pw = ::getpwuid(uid);
  return std::string(pw ? pw->pw_name : "?") + " (uid " + std::to_string(uid) + ")";
}

// The allow directory and each domain's directory must be listable by the broker's user: one it
// cannot read would silently allow nobody (keygen makes directories 0700, and the units run the
// broker as its own user). A missing domain directory only warns: that socket admits nobody.
void check_allow_dir(const std::filesystem::path& dir, const std::vector<std::string>& domains) {
  namespace fs = std::filesystem;
  auto refuse = [](const fs::path& path, const std::error_code& ec) {
    throw SecurityConfigError("--curve-allow: cannot read " + path.string() + ": " + ec.message() +
                              " (the broker runs as " + running_as() +
                              "; give that user read and search permission, e.g. chown -R or "
                              "chmod 750 plus group)");
  };
  std::error_code ec;
  fs::directory_iterator top(dir, ec);
  if (ec) refuse(dir, ec);
  for (const auto& domain : domains) {
    const auto sub = dir / domain;
    if (!fs::exists(sub, ec)) continue;  // ZapHandler warns: this socket admits nobody
    fs::directory_iterator it(sub, ec);
    if (ec) refuse(sub, ec);
  }
}

}  // namespace

Security::Security(zmq::context_t& context, const SecurityConfig& config,
                   const std::vector<std::pair<std::string, std::string>>& endpoints) {
  if (!config.curve_allow.empty() && config.curve_secret.empty())
    throw SecurityConfigError("--curve-allow needs --curve-secret (the broker's .key_secret file)");
  if (!config.curve_secret.empty()) {
    // Without an allowlist a CURVE server admits anyone who knows its public key; the broker
    // does not offer that mode.
    if (config.curve_allow.empty())
      throw SecurityConfigError(
          "--curve-secret needs --curve-allow DIR (public keys allowed in DIR/clients, "
          "DIR/workers, DIR/subscribers)");
    try {
      secret_key_ = curve::load_secret(config.curve_secret).secret_key;
    } catch (const std::exception& e) {
      throw SecurityConfigError(std::string("--curve-secret: ") + e.what());
    }
    const std::vector<std::string> domains{curve::kDomainClients, curve::kDomainWorkers,
                                           curve::kDomainSubscribers};
    check_allow_dir(config.curve_allow, domains);
    zap_ = std::make_unique<curve::ZapHandler>(context, config.curve_allow, domains);
    spdlog::info("CURVE on: public key {}", curve::public_of(secret_key_));
    return;
  }
  for (const auto& [role, endpoint] : endpoints) {
    if (curve::is_loopback_endpoint(endpoint)) continue;
    if (!config.insecure_allow_public)
      throw SecurityConfigError(
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
