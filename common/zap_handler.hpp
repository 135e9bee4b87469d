// A ZAP (ZeroMQ RFC 27) handler that admits CURVE peers by public key, as CZMQ's zauth does with
// a certificate directory. It binds inproc://zeromq.zap.01 in the caller's context (so it serves
// every socket of that context) and answers on its own thread; the owner's loop never waits on
// it.
//
// The allowlist is per ZAP domain: a peer connecting to a socket whose ZMQ_ZAP_DOMAIN is
// "workers" is admitted only when its public key is a NAME.key file in ALLOW_DIR/workers (and so
// on for every domain listed at construction). Anything else, including other mechanisms than
// CURVE and unknown domains, is denied (status 400) and counted.
//
// reload() re-reads the directories (the broker calls it on SIGHUP): keys added take effect for
// the next handshake, keys removed refuse every new connection made with them. Connections that
// are already established stay up (ZAP is consulted only at the handshake).
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "common/log_budget.hpp"
#include "common/stop_pair.hpp"

namespace intentq::curve {

class ZapHandler {
 public:
  // Loads the allowlists and starts the handler thread. Throws std::runtime_error when the ZAP
  // endpoint is taken (another handler in this context).
  ZapHandler(zmq::context_t& context, std::filesystem::path allow_dir,
             std::vector<std::string> domains);
  ~ZapHandler();  // stops and joins the thread
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  struct LoadReport {
    std::map<std::string, size_t> keys;  // allowed keys per domain
    std::vector<std::string> problems;   // unreadable directories or certificates
  };
  // Re-reads every domain's directory and swaps the allowlists in atomically.
  LoadReport reload();

  uint64_t denied() const { return denied_.load(std::memory_order_relaxed); }
  // Denials of handshakes on sockets of `domain` (one of the constructor's; else 0). Requests
  // naming another domain, or too malformed to name one, count only in denied().
  uint64_t denied(const std::string& domain) const {
    const auto it = denied_by_domain_.find(domain);
    return it == denied_by_domain_.end() ? 0 : it->second.load(std::memory_order_relaxed);
  }
  uint64_t allowed() const { return allowed_.load(std::memory_order_relaxed); }

 private:
  using Allowlists = std::map<std::string, std::set<std::string>>;
  void run();
  // Answers one ZAP request (frames as received); returns the reply frames.
  std::vector<std::string> answer(const std::vector<std::string>& request);

  std::filesystem::path allow_dir_;
  std::vector<std::string> domains_;
  mutable std::mutex mu_;
  std::shared_ptr<const Allowlists> allow_;  // guarded by mu_; readers copy the pointer
  std::atomic<uint64_t> denied_{0};
  std::atomic<uint64_t> allowed_{0};
  // One counter per domain, all created by the constructor: the thread only increments them.
  std::map<std::string, std::atomic<uint64_t>> denied_by_domain_;
  zmq::socket_t socket_;          // REP on inproc://zeromq.zap.01, used by the thread only
  StopPair stop_;                 // the destructor's stop message; polled with socket_
  std::set<std::string> warned_;  // "domain key" already logged at warn (thread only, bounded)
  // At most 10 denial warnings a minute, whatever the number of keys (thread only).
  LogBudget warn_budget_{10, std::chrono::seconds(60)};
  std::thread thread_;
};

}  // namespace intentq::curve
