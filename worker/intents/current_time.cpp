// `current_time`: reqCurrentTime, the gateway health check. Also reports the negotiated server
// version and whether the gateway is connected to IB (it is not after IB error 1100).
#include <ctime>

#include "worker/intents/intent_spec.hpp"

namespace intentq::intents {
namespace {

std::string utc_text(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

awaitable<nlohmann::json> fetch(JobContext& job, NoParams, std::shared_ptr<gw::Session> session) {
  auto fetch = timed(job, "current_time", session->current_time());
  auto time = co_await std::move(fetch);
  co_return nlohmann::json{{"time", time},
                           {"time_utc", utc_text(time)},
                           {"server_version", session->server_version()},
                           {"upstream_connected", session->upstream_connected()}};
}

}  // namespace

IntentInfo current_time_intent() {
  return gateway_intent<NoParams>({.name = "current_time",
                                   .cost = request_cost::of(gw::RequestKind::kCurrentTime),
                                   .parse = parse_no_params,
                                   .fetch = fetch});
}

}  // namespace intentq::intents
