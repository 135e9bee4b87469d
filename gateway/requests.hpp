// The typed form of each IB request: what a caller passes to Session::fetch() and what it gets
// back. Each struct names its spec (gateway/request_specs.hpp) and holds the request's
// parameters; encode() writes its outgoing message (the field sequence in messages_*.cpp) and
// take() reads the answer out of the finished request (both in requests.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/market_data.hpp"
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

// Historical bars (reqHistoricalData). The answer's range and bars; 162 "HMDS query returned no
// data" is not an error but an empty answer with `no_data` set. Abandoned mid-answer (deadline,
// job cancelled, session closing), the session sends cancelHistoricalData. Pacing class
// historical: the broker paces it (docs/gateway.md "Request specs").
struct HistoricalData {
  static constexpr RequestKind kind = RequestKind::kHistoricalData;
  using Result = HistoricalBars;
  HistoricalDataRequest request;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

// The first available data time (reqHeadTimestamp -> headTimestamp; the session then always
// sends cancelHeadTimestamp). The text IB sent: epoch seconds with format_date 2.
struct HeadTimestamp {
  static constexpr RequestKind kind = RequestKind::kHeadTimestamp;
  using Result = std::string;
  HeadTimestampRequest request;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

// A quote snapshot (reqMktData with snapshot=1) up to tickSnapshotEnd, asked with the
// connection's market data type set to `market_data_type` (Session::fetch sends
// reqMarketDataType first when the connection has another). Warnings IB sent for the request id
// (10167: delayed data follows) are in the result's `warnings`; which tick types arrived (live or
// delayed 66..76/88) and MARKET_DATA_TYPE's value are in the result too.
struct MarketDataSnapshot {
  static constexpr RequestKind kind = RequestKind::kMarketDataSnapshot;
  using Result = gw::MarketDataSnapshot;
  MarketDataRequest request;  // snapshot is forced on, generic ticks and options off
  int market_data_type = gw::market_data_type::kLive;
  std::string encode(int sv, int req_id) const;
  static Result take(PendingRequest& done);
};

}  // namespace req
}  // namespace intentq::gw
