// Turning ZeroMQ sockets into CURVE clients or servers, and the bind policy that goes with it.
// Every program that connects to the broker (worker, CLI, benchmarks, tests) calls
// apply_curve_client() on its socket right before connect(); the broker calls
// apply_curve_server() on each of its three sockets before bind().
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "common/curve_keys.hpp"

namespace intentq::curve {

// What a connecting peer needs: the broker's public key and its own key pair.
struct ClientKeys {
  std::string server_public;
  KeyPair own;
};

// From the two client options (--curve-server-key: Z85 text or a .key file; --curve-secret: the
// peer's own .key_secret file). Both empty: nullopt (plain, no CURVE). Only one given: throws
// std::invalid_argument naming the missing option. Bad files: std::runtime_error naming them.
std::optional<ClientKeys> load_client_keys(const std::string& server_key,
                                           const std::string& secret_file);

// Sets ZMQ_CURVE_SERVERKEY/PUBLICKEY/SECRETKEY; call before connect().
void apply_curve_client(zmq::socket_t& socket, const ClientKeys& keys);

// The ZAP domains of the broker's sockets: each has its own allowlist directory.
inline constexpr const char* kDomainClients = "clients";
inline constexpr const char* kDomainWorkers = "workers";
inline constexpr const char* kDomainSubscribers = "subscribers";

// Makes `socket` a CURVE server in ZAP domain `domain` with ZMQ_ZAP_ENFORCE_DOMAIN on: every
// handshake must be approved by the ZAP handler of the socket's context, and without a handler
// it fails (closed) instead of admitting every peer that knows the server key.
void apply_curve_server(zmq::socket_t& socket, const std::string& secret_key,
                        const std::string& domain);

// True when a bind endpoint is reachable only from this host: ipc://, inproc://, or tcp:// (and
// ws://) on 127.0.0.0/8, ::1 or "localhost". Wildcards (*, 0.0.0.0, ::), other addresses,
// interface names and other hostnames are public.
bool is_loopback_endpoint(std::string_view endpoint);

}  // namespace intentq::curve
