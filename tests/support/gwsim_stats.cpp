#include "tests/support/gwsim_stats.hpp"

#include <signal.h>

#include <regex>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace intentq::test {

std::optional<nlohmann::json> gwsim_stats_object(const std::string& line) {
  const auto at = line.find("{\"gwsim_stats\"");
  if (at == std::string::npos) return std::nullopt;
  try {
    return nlohmann::json::parse(line.substr(at)).at("gwsim_stats");
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("malformed gwsim_stats line '" + line + "': " + e.what());
  }
}

std::optional<GwsimStats> parse_gwsim_stats(const std::string& line) {
  const auto j = gwsim_stats_object(line);
  if (!j) return std::nullopt;
  try {
    GwsimStats s;
    s.connections = j->at("connections").get<uint64_t>();
    s.requests = j->at("requests").get<std::map<std::string, uint64_t>>();
    s.requests_total = j->at("requests_total").get<uint64_t>();
    s.pacing_errors = j->at("pacing_errors").get<uint64_t>();
    s.pacing_disconnects = j->value("pacing_disconnects", uint64_t{0});
    s.clients_now = j->at("clients_now").get<uint64_t>();
    if (auto h = j->find("historical"); h != j->end()) {
      s.historical.requests = h->at("requests").get<uint64_t>();
      s.historical.open_now = h->at("open_now").get<uint64_t>();
      s.historical.open_limit_322 = h->at("open_limit_322").get<uint64_t>();
      for (const auto& [rule, n] : h->at("violations").items())
        s.historical.violations[rule] = n.get<uint64_t>();
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("malformed gwsim_stats line '" + line + "': " + e.what());
  }
}

namespace {

// The line's start only: std::regex recurses once per character a `.*` matches, and a line with
// the simulator's historical log (--historical-log) is tens of KB: the stack would overflow.
std::regex stats_line_start() {
  return std::regex(R"(\{"gwsim_stats")");
}

std::string whole_line(const std::smatch& m) {
  return m.prefix().str() + m.str(0) + m.suffix().str();
}

}  // namespace

std::optional<nlohmann::json> request_gwsim_stats(Process& sim, std::chrono::milliseconds timeout) {
  sim.signal(SIGUSR1);
  const auto m = sim.wait_for_line(stats_line_start(), timeout);
  if (!m) return std::nullopt;
  return gwsim_stats_object(whole_line(*m));
}

GwsimStats read_gwsim_stats(Process& sim, std::chrono::milliseconds timeout) {
  sim.signal(SIGUSR1);
  auto m = sim.expect_line(stats_line_start(), timeout);
  return *parse_gwsim_stats(whole_line(m));
}

std::optional<GwsimStats> last_gwsim_stats(Process& sim) {
  sim.drain();
  auto lines = sim.output();
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (auto s = parse_gwsim_stats(*it)) return s;
  }
  return std::nullopt;
}

}  // namespace intentq::test
