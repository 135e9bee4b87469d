// The frames that answer one client request, built from the scenario with the codec at the
// connection's negotiated server version. Pure (no I/O): the connection decides when to send.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/request_specs.hpp"
#include "sim/scenario.hpp"

namespace intentq::sim {

// The spec of the request a message makes (its family gives its latency), or null when it gets
// no answer (startApi, cancels, unknown requests).
const gw::RequestSpec* request_spec(const gw::ClientMessage& m);

// The request id an error about this message should carry (-1 when the request has none).
int request_id(const gw::ClientMessage& m);

// The payloads (unframed) answering `m`, in order; empty when it gets no answer. `client_id` is
// the connection's clientId (reqOpenOrders returns only its orders); `now` feeds currentTime and
// the executions' last_n_days filter.
std::vector<std::string> build_answer(const Scenario& s, int sv, int client_id,
                                      const gw::ClientMessage& m,
                                      std::chrono::system_clock::time_point now);

// The start-up burst after startApi: managedAccounts, nextValidId, farm-status notices.
std::vector<std::string> build_startup(const Scenario& s, int sv, int64_t next_valid_id);

// "Unable to connect as the client id is already in use..." (326) and the other errors the
// simulator sends itself.
std::string error_payload(int sv, int64_t id, int code, std::string message);

}  // namespace intentq::sim
