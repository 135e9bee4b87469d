// How a gateway session connects and what it may do: the client's side of the TWS connection
// (host, port, client id, server versions), its message pacing and its answer bounds. Light on
// purpose: the worker's GatewayConfig is one of these.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "gateway/types.hpp"

namespace intentq::gw {

struct SessionOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4002;
  int client_id = 1;
  std::chrono::milliseconds connect_timeout{5000};
  int min_version = kMinServerVersion;
  int max_version = kMaxServerVersion;
  double max_messages_per_second = 45;  // IB allows 50; stay under it
  // Bounds on one request's answer; past them the request fails with kTooLarge.
  size_t max_rows_per_request = 100000;
  size_t max_bytes_per_request = 64 * 1024 * 1024;
  // Called on IB's connectivity reports (1100 lost, 1101/1102 restored, 1300 port changed, 2110)
  // with the code and text; the session also logs them and tracks upstream_connected().
  std::function<void(int code, const std::string& message)> on_connectivity;
  // Called with the code of every error message the gateway sends, notices included (the
  // worker's metrics count them by code). Runs on whichever thread drives the session.
  std::function<void(int code)> on_error;
};

}  // namespace intentq::gw
