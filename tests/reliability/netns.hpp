// A small network of Linux network namespaces for the multi-host scenario: one "switch"
// namespace with a bridge, and one namespace per host joined to it by a veth pair, addresses
// 10.77.0.<n>/24. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2; everything is removed
// on destruction. Traffic never leaves these namespaces.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace intentq::reliability {

class NetnsTopology {
 public:
  // Creates namespaces for `hosts` (names like "broker", "w1"). Throws std::runtime_error with
  // the failing command's output when something is not permitted.
  explicit NetnsTopology(const std::vector<std::string>& hosts);
  ~NetnsTopology();
  NetnsTopology(const NetnsTopology&) = delete;
  NetnsTopology& operator=(const NetnsTopology&) = delete;

  std::string ns(const std::string& host) const;  // the namespace name of a host
  std::string ip(const std::string& host) const;  // its address
  void cut(const std::string& host);              // the host's link goes down (at the switch)
  void restore(const std::string& host);          // and up again

  // Why the scenario cannot run here (no iproute2, not permitted), or nullopt.
  static std::optional<std::string> unavailable();

 private:
  std::string prefix_;
  std::vector<std::string> created_;
  std::map<std::string, int> index_;
};

}  // namespace intentq::reliability
