// Reliable request-reply for MDP/0.1 clients (the zguide's "Lazy Pirate" on a DEALER): send,
// wait up to a timeout, and on silence throw the socket away, back off, and resend on a fresh
// socket, a bounded number of times. A fresh socket per try means a late reply to an earlier try
// can never be mistaken for the answer to a later one. Resending is safe for intentq services
// because the request keeps its id: the broker attaches the resend to the running job or answers
// it from its dedup cache.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/curve_socket.hpp"

namespace intentq::cli {

struct RetryPolicy {
  std::chrono::milliseconds timeout{5000};  // per try
  int retries = 3;                          // tries after the first
  std::chrono::milliseconds backoff{500};   // wait before the first resend, doubled each time
  std::chrono::milliseconds backoff_max{4000};
};

// Sends ["", "MDPC01", service, body...] and returns the reply's body frames (after the
// service frame), or nullopt when no reply came after every try. `accept` may reject a reply
// (e.g. one for another id); rejected replies are ignored and the wait goes on. `on_retry`
// (optional) is told before each resend. `curve` (optional) makes each try a CURVE client.
std::optional<std::vector<std::string>> request_with_retries(
    zmq::context_t& context, const std::string& endpoint, const std::string& service,
    const std::vector<std::string>& body, const RetryPolicy& policy,
    const std::function<bool(const std::vector<std::string>&)>& accept = {},
    const std::function<void(int attempt)>& on_retry = {},
    const curve::ClientKeys* curve = nullptr);

}  // namespace intentq::cli
