#include "common/curve_socket.hpp"

#include <stdexcept>

#include <zmq.h>

// ZMQ_ZAP_ENFORCE_DOMAIN is in libzmq's draft section of zmq.h up to 4.3.x although every build
// of libzmq >= 4.2.3 accepts it; the value is fixed by the ABI.
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

namespace intentq::curve {

std::optional<ClientKeys> load_client_keys(const std::string& server_key,
                                           const std::string& secret_file) {
  if (server_key.empty() && secret_file.empty()) return std::nullopt;
  if (server_key.empty())
    throw std::invalid_argument(
        "--curve-secret needs --curve-server-key (the broker's public key) as well");
  if (secret_file.empty())
    throw std::invalid_argument(
        "--curve-server-key needs --curve-secret (this peer's .key_secret file) as well");
  ClientKeys keys;
  try {
    keys.server_public = public_from_text_or_file(server_key);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--curve-server-key: ") + e.what());
  }
  try {
    keys.own = load_secret(secret_file);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--curve-secret: ") + e.what());
  }
  return keys;
}

void apply_curve_client(zmq::socket_t& socket, const ClientKeys& keys) {
  socket.set(zmq::sockopt::curve_serverkey, keys.server_public);
  socket.set(zmq::sockopt::curve_publickey, keys.own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.own.secret_key);
}

void apply_curve_server(zmq::socket_t& socket, const std::string& secret_key,
                        const std::string& domain) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, secret_key);
  socket.set(zmq::sockopt::zap_domain, domain);
  // Fail closed: a libzmq that cannot enforce the domain would admit everyone without a handler.
  const int on = 1;
  if (zmq_setsockopt(socket.handle(), ZMQ_ZAP_ENFORCE_DOMAIN, &on, sizeof on) != 0)
    throw std::runtime_error(std::string("libzmq refuses ZMQ_ZAP_ENFORCE_DOMAIN: ") +
                             zmq_strerror(zmq_errno()));
}

bool is_loopback_endpoint(std::string_view endpoint) {
  const auto sep = endpoint.find("://");
  if (sep == std::string_view::npos) return false;
  const auto transport = endpoint.substr(0, sep);
  if (transport == "ipc" || transport == "inproc") return true;
  if (transport != "tcp" && transport != "ws") return false;
  auto address = endpoint.substr(sep + 3);
  // ws:// may carry a path after the port.
  if (const auto slash = address.find('/'); slash != std::string_view::npos)
    address = address.substr(0, slash);
  std::string_view host;
  if (address.starts_with("[")) {
    const auto close = address.find(']');
    if (close == std::string_view::npos) return false;
    host = address.substr(1, close - 1);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = address.substr(0, colon);
  }
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8 written as a dotted quad (digits and dots only, first octet 127).
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

}  // namespace intentq::curve
