#include "worker/worker_options.hpp"

#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/mdp.hpp"

namespace intentq {
namespace {

std::optional<int> parse_non_negative(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || text.empty())
    return std::nullopt;
  return value;
}

}  // namespace

std::optional<int> instance_number(std::optional<std::string_view> env_instance,
                                   std::string_view argv0) {
  if (env_instance && !env_instance->empty()) {
    auto n = parse_non_negative(*env_instance);
    if (!n)
      throw std::invalid_argument("INTENTQ_INSTANCE must be a whole number 0..2147483647, got '" +
                                  std::string(env_instance->substr(0, 64)) +
                                  "' (from environment variable INTENTQ_INSTANCE)");
    return n;
  }
  auto slash = argv0.rfind('/');
  if (slash != std::string_view::npos) argv0.remove_prefix(slash + 1);
  auto at = argv0.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto instance = argv0.substr(at + 1);
  if (instance.ends_with(".service")) instance.remove_suffix(std::string_view(".service").size());
  return parse_non_negative(instance);
}

int resolve_client_id(std::optional<int> explicit_id, int base, std::optional<int> instance) {
  long long id = 1;
  if (explicit_id)
    id = *explicit_id;
  else if (instance)
    id = static_cast<long long>(base) + *instance;
  if (id < 0 || id > std::numeric_limits<int>::max())
    throw std::invalid_argument("clientId " + std::to_string(id) + " is out of range");
  return static_cast<int>(id);
}

void parse_gateway(std::string_view host_port, GatewayConfig& gateway) {
  auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw std::invalid_argument("--gateway must be HOST:PORT, got '" + std::string(host_port) +
                                "'");
  auto port = parse_non_negative(host_port.substr(colon + 1));
  if (!port || *port == 0 || *port > 65535)
    throw std::invalid_argument("--gateway port must be 1..65535, got '" +
                                std::string(host_port.substr(colon + 1)) + "'");
  gateway.host = std::string(host_port.substr(0, colon));
  gateway.port = static_cast<uint16_t>(*port);
}

void check_gateway_id(std::string_view id) {
  bool printable = true;
  for (char c : id) printable = printable && c > ' ' && c < 0x7f;
  if (id.empty() || id.size() > mdp::kMaxGatewayIdBytes || !printable)
    throw std::invalid_argument(
        "--gateway-id must be 1.." + std::to_string(mdp::kMaxGatewayIdBytes) +
        " printable ASCII characters without spaces, got " + std::to_string(id.size()) + " bytes");
}

}  // namespace intentq
