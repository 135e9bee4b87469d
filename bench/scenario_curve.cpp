// curve: plain vs CURVE (+ ZAP allowlist) through intentq-broker. intentq-curve-bench measures it
// (alternating plain/CURVE rounds, no-op workers, pipelined and synchronous clients); this scenario
// runs that program as a child and takes its medians, so one intentq-bench run holds every figure.
#include <sys/wait.h>

#include <filesystem>
#include <regex>

#include "bench/scenarios.hpp"
#include "bench/table.hpp"

namespace intentq::bench {

nlohmann::json run_curve(const Settings& s, nlohmann::json& skipped) {
  nlohmann::json j;
  const auto program =
      std::filesystem::path(s.programs.broker).parent_path() / "intentq-curve-bench";
  if (!std::filesystem::exists(program)) {
    j["skipped"] = "no intentq-curve-bench next to the broker (CURVE security not built)";
    skipped.push_back("curve: " + j["skipped"].get<std::string>());
    return j;
  }
  const std::vector<std::string> argv{program.string(),
                                      "--broker",
                                      s.programs.broker,
                                      "--jobs",
                                      std::to_string(s.quick ? 2000 : 10000),
                                      "--latency-jobs",
                                      std::to_string(s.quick ? 200 : 1000),
                                      "--rounds",
                                      std::to_string(s.quick ? 1 : 3)};
  Process p(argv);
  const auto status = p.wait_exit(std::chrono::minutes(10));
  p.drain();
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error("intentq-curve-bench failed:\n" + p.output_text());
  const std::regex side(
      R"((plain|CURVE)\s*:\s+(\d+) jobs/s, broker CPU\s+([\d.]+) us/job; round trip p50\s+(\d+) us, p99\s+(\d+) us, p99\.9\s+(\d+) us)");
  for (const auto& line : p.output()) {
    std::smatch m;
    if (!std::regex_search(line, m, side)) continue;
    j[m[1] == "plain" ? "plain" : "curve"] = {{"jobs_per_s", std::stod(m[2])},
                                              {"cpu_us_per_job", std::stod(m[3])},
                                              {"p50_us", std::stod(m[4])},
                                              {"p99_us", std::stod(m[5])},
                                              {"p999_us", std::stod(m[6])}};
  }
  if (!j.contains("plain") || !j.contains("curve"))
    throw std::runtime_error("cannot read intentq-curve-bench's medians:\n" + p.output_text());
  j["jobs_per_s_ratio"] = ratio(j["curve"]["jobs_per_s"], j["plain"]["jobs_per_s"]);
  j["cpu_ratio"] = ratio(j["curve"]["cpu_us_per_job"], j["plain"]["cpu_us_per_job"]);
  j["p50_ratio"] = ratio(j["curve"]["p50_us"], j["plain"]["p50_us"]);
  j["source"] = "intentq-curve-bench, median of " + std::to_string(s.quick ? 1 : 3) + " rounds";
  Table t("curve: plain vs CURVE through intentq-broker (intentq-curve-bench)",
          {"", "jobs/s", "broker us/job", "p50 us", "p99 us"});
  for (const char* k : {"plain", "curve"})
    t.row({k, fmt(j[k]["jobs_per_s"]), fmt(j[k]["cpu_us_per_job"], 1), fmt(j[k]["p50_us"]),
           fmt(j[k]["p99_us"])});
  t.row({"CURVE / plain", fmt(j["jobs_per_s_ratio"], 2), fmt(j["cpu_ratio"], 2),
         fmt(j["p50_ratio"], 2), ""});
  t.print();
  return j;
}

}  // namespace intentq::bench
