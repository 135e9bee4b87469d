#include "common/endpoint_check.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace intentq {

void check_endpoint(const std::string& option, const std::string& endpoint, EndpointUse use) {
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument(option + ": " + why + ", got '" + endpoint + "'");
  };
  const auto sep = endpoint.find("://");
  if (sep == std::string::npos || sep == 0 || sep + 3 == endpoint.size())
    fail("expected TRANSPORT://ADDRESS such as tcp://127.0.0.1:5555");
  const std::string_view transport(endpoint.data(), sep);
  if (transport != "tcp" && transport != "ws") return;
  std::string_view address(endpoint);
  address.remove_prefix(sep + 3);
  if (transport == "ws")
    if (const auto slash = address.find('/'); slash != std::string_view::npos)
      address = address.substr(0, slash);
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || address[colon - 1] == ':')
    fail("expected " + std::string(transport) + "://HOST:PORT");
  const auto port = address.substr(colon + 1);
  if (use == EndpointUse::kBind && port == "*") return;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const bool number = !port.empty() && ec == std::errc() && end == port.data() + port.size();
  const unsigned lowest = use == EndpointUse::kBind ? 0 : 1;
  if (!number || value < lowest || value > 65535)
    fail(use == EndpointUse::kBind ? "the port must be 1..65535, or * or 0 for any free port"
                                   : "the port must be 1..65535");
}

}  // namespace intentq
