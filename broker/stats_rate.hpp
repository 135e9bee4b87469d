// How often mmi.stats is answered (issue 16): its body is up to a few hundred KiB for a request of
// a few bytes, so it is limited per client (a token bucket per routing id) and for all clients
// together (the same bucket, ten times larger). A request over the rate gets the latest body
// again instead of a fresh one (broker/broker.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "broker/config.hpp"

namespace intentq::broker {

class StatsRate {
 public:
  // `per_second` requests per second per client, bursts of as many (at least 1); 0 = unlimited.
  explicit StatsRate(double per_second) : rate_(per_second), all_{per_second * 10, {}} {}

  // True when a request from `client` at `now` may be answered.
  bool allow(const std::string& client, Clock::time_point now);
  // Forgets clients whose bucket is full again (called from the broker's timer).
  void collect(Clock::time_point now);
  size_t clients() const { return clients_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point at{};
  };
  bool take(Bucket& b, double per_second, Clock::time_point now);

  double rate_;
  struct {
    double per_second;
    Bucket bucket;
  } all_;
  std::unordered_map<std::string, Bucket> clients_;
};

}  // namespace intentq::broker
