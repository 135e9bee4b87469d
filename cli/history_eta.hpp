// `intentq history`: the ETA from the broker's schedule (pure, unit-tested). The broker paces
// historical requests per gateway (docs/protocol.md §6.11) and shows in mmi.stats, per gateway,
// `historical`: {limit, window_ms, requests (in the window now), next_slot_ms, queued}. What is
// left then takes about: nothing while free slots remain, else the next slot plus one window per
// `limit` requests beyond the free ones.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace intentq::cli::history {

// Seconds until `remaining` more historical requests are sent, by the mmi.stats body `stats`:
// over the gateways with historical pacing (only `gateway` when the download pins one), counting
// the broker's whole historical queue when it is longer (others' jobs take turns with ours).
// nullopt when the stats show no paced gateway.
std::optional<double> schedule_eta_seconds(const nlohmann::json& stats, size_t remaining,
                                           const std::optional<std::string>& gateway);

}  // namespace intentq::cli::history
