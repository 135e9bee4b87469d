// The second hostile-peer round (issue 16): the attacks that reached past the broker's memory
// ceiling through the publish socket and the reply path. Each runs against a broker of its own
// with two echo workers while an honest client runs echo jobs; the row records the broker's peak
// RSS and the honest jobs' outcome.
#pragma once

#include <string>
#include <vector>

#include "tests/reliability/scenarios.hpp"

namespace intentq::reliability {

// Scenario 7: every attack of the round, one row each (names in docs/reliability.md).
std::vector<Row> hostile_round2(const Mode& mode);

}  // namespace intentq::reliability
