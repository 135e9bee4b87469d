// Start-up checks of a ZeroMQ endpoint option (--frontend, --broker, ...). libzmq itself reads a
// tcp:// port modulo 65536 (tcp://127.0.0.1:70000 binds port 4464), so the port is checked here.
#pragma once

#include <string>

namespace intentq {

enum class EndpointUse { kBind, kConnect };

// Throws std::invalid_argument("--OPTION: ...") when `endpoint` is not TRANSPORT://ADDRESS, or a
// tcp:// or ws:// endpoint's port is not 1..65535 (a bind may also use * or 0: any free port).
// Other transports (ipc://, inproc://) are left to libzmq.
void check_endpoint(const std::string& option, const std::string& endpoint, EndpointUse use);

}  // namespace intentq
