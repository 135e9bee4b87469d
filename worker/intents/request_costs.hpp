// The gateway message cost of each IB request an intent can make: the request plus the cancel
// the session sends when the job ends (docs/gateway.md "Message cost per job"). An intent's cost
// (READY's @cost) is the sum over the requests it makes, so it is derived here, not counted by
// hand in the catalog. When the gateway's request specs carry their own cost, these names become
// reads of those specs.
#pragma once

namespace intentq::intents::request_cost {

inline constexpr int kPositions = 2;        // reqPositions + cancelPositions
inline constexpr int kAllOpenOrders = 1;    // reqAllOpenOrders (ends itself)
inline constexpr int kExecutions = 1;       // reqExecutions (ends itself)
inline constexpr int kAccountSummary = 2;   // reqAccountSummary + cancelAccountSummary
inline constexpr int kContractDetails = 1;  // reqContractDetails (ends itself)
inline constexpr int kCurrentTime = 1;      // reqCurrentTime (one answer)

}  // namespace intentq::intents::request_cost
