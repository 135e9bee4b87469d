// The typed form of each IB request: what a caller passes to Session::fetch() and what it gets
// back. Each struct names its spec (gateway/request_specs.hpp) and holds the request's
// parameters; encode() writes its outgoing message (the field sequence in messages_*.cpp) and
// take() reads the answer out of the finished request (both in requests.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/request_specs.hpp"
#include "gateway/types.hpp"

namespace intentq::gw {

struct PendingRequest;
struct Fill;
struct OpenOrderWithStatus;

namespace req {

struct Positions {
  static constexpr RequestKind kind = RequestKind::kPositions;
  using Result = std::vector<Position>;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

struct AccountSummary {
  static constexpr RequestKind kind = RequestKind::kAccountSummary;
  using Result = std::vector<AccountValue>;
  std::string group;
  std::string tags;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

struct Executions {
  static constexpr RequestKind kind = RequestKind::kExecutions;
  using Result = std::vector<Fill>;
  ExecutionFilter filter;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

struct AllOpenOrders {
  static constexpr RequestKind kind = RequestKind::kAllOpenOrders;
  using Result = std::vector<OpenOrderWithStatus>;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

struct OpenOrders {  // this clientId's
  static constexpr RequestKind kind = RequestKind::kOpenOrders;
  using Result = std::vector<OpenOrderWithStatus>;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

struct ContractDetails {
  static constexpr RequestKind kind = RequestKind::kContractDetails;
  using Result = std::vector<gw::ContractDetails>;
  Contract contract;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

struct CurrentTime {
  static constexpr RequestKind kind = RequestKind::kCurrentTime;
  using Result = int64_t;  // epoch seconds
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

}  // namespace req
}  // namespace intentq::gw
