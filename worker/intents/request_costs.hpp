// The gateway message cost of each IB request an intent can make: the request plus the cancel
// the session sends when the job ends, read from the gateway's request specs (gateway/
// request_specs.cpp; docs/gateway.md "Message cost per job"). An intent's cost (READY's @cost) is
// the sum over the requests it makes, so it is derived, not counted by hand in the catalog.
#pragma once

#include "gateway/request_specs.hpp"

namespace intentq::intents::request_cost {

// The cost of one request of each kind named (an intent that makes several sums them).
template <typename... More>
int of(gw::RequestKind kind, More... more) {
  return (gw::spec(kind).cost + ... + gw::spec(more).cost);
}
// The example of docs/extending.md.
inline int positions() {
  return of(gw::RequestKind::kPositions);
}

}  // namespace intentq::intents::request_cost

namespace intentq::intents::request_pacing {

// True when IB counts the request in its historical-data pacing rules (the spec's pacing class).
inline bool historical(gw::RequestKind kind) {
  return gw::spec(kind).pacing == gw::PacingClass::kHistorical;
}

}  // namespace intentq::intents::request_pacing
