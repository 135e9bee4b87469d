// What IB's historical-data pacing counts for one request (docs/protocol.md §6.11; IB's rules:
// 60 requests in 10 minutes, BID_ASK counting twice, head-timestamp requests counting like bar
// requests, at most 5 requests for one contract/exchange/what-to-show in 2 seconds, no identical
// request within 15 seconds). The broker reads a historical-class job's canonical params
// (common/params_schema) with describe() to charge it against its gateway's historical budget.
//
// One small function shared by whoever needs to count like the broker does (the broker, tests,
// the benchmark); it never throws: params it cannot read are charged as an ordinary request keyed
// on their exact bytes (safe: the rules still apply to them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentq::historical {

struct Request {
  // Weighted count in the 10-minute rule: 2 for what_to_show BID_ASK, else 1.
  uint32_t weight = 1;
  // The (contract, exchange, what_to_show) of the 2-second rule, as text: "con_id=265598|SMART|
  // TRADES" or "AAPL|STK|USD|...|SMART|TRADES". Bounded by the request's params.
  std::string key;
  // Same service and same canonical params (the `gateway` pin aside: it does not change what IB
  // is asked): the 15-second rule's "identical request", hashed.
  uint64_t identical = 0;
  uint64_t key_hash = 0;
  // Bars of 30 s or less, or a request without bars (head timestamp): the requests IB's small-bar
  // rules name. Bars of a size this cannot read count as small (safe).
  bool small_bars = true;
};

// `params`: the msgpack bytes of the canonical params map of a job of `service`.
Request describe(std::string_view service, std::string_view params);

// Seconds of an IB bar size ("1 secs", "30 secs", "1 min", "2 mins", "1 hour", "1 day", "1W",
// "1M"); nullopt for text it does not know.
std::optional<uint64_t> bar_seconds(std::string_view bar_size);

}  // namespace intentq::historical
