// intentq-curve-bench: the cost of CURVE, plain vs CURVE in one run.
//
// Starts two real intentq-brokers one after the other, the first plain and the second with
// --curve-secret/--curve-allow (keys made for the run in a temporary directory), each with N
// no-op worker threads and C pipelined DEALER clients, then one synchronous client. Prints
// jobs/s, sync round-trip percentiles and the broker's CPU per job for both, and the ratios.
// --rounds N alternates plain and CURVE runs N times and reports the medians, so that load from
// other processes on a shared machine hits both sides alike.
// Every peer of the CURVE run is a CURVE client with an allowed key (the ZAP handler is asked
// once per connection, so the steady state measures encryption, not ZAP).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bench/zmq_load.hpp"
#include "common/curve_keys.hpp"
#include "common/curve_socket.hpp"
#include "common/envelope.hpp"
#include "common/mdp_client.hpp"
#include "common/version.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace intentq;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using Keys = std::optional<curve::ClientKeys>;

double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stoull(field);
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Result {
  double jobs_per_s = 0, cpu_us_per_job = 0, p50 = 0, p99 = 0, p999 = 0;
};

struct Setup {
  int workers, clients, window, payload;
  long jobs, latency_jobs;
};

std::optional<Result> run(const std::string& broker_path, const Setup& setup,
                          std::vector<std::string> broker_args, const Keys& client_keys,
                          const Keys& worker_keys) {
  broker_args.insert(broker_args.begin(), {"--log-level", "warn", "--max-queue", "1000000"});
  const auto broker = test::start_broker(
      test::Launch{std::move(broker_args), {}, {}, broker_path, std::chrono::seconds(10)});
  const std::string frontend = broker.endpoints.frontend, backend = broker.endpoints.backend;

  JobRequest req;
  req.params = {{"data", std::string(static_cast<size_t>(setup.payload), 'x')}};
  const std::string request_body = encode_request(req);

  zmq::context_t ctx(2);
  // No-op intentq workers on threads (service "bench"), answering each REQUEST at once.
  std::optional<bench::NoopWorkers> workers;
  workers.emplace(ctx, backend, "bench", setup.workers, true, worker_keys);
  auto finish = [&] { workers.reset(); };
  const mdp::ClientOptions client_options{client_keys, true};
  {  // wait (bounded) until the broker knows every worker
    mdp::Client c(ctx, frontend, client_options);
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
      c.send("mmi.stats", std::vector<std::string>{});
      const auto reply = c.receive(std::chrono::milliseconds(1000));
      if (reply && reply->body.size() == 1)
        ready = nlohmann::json::from_msgpack(reply->body[0]).value("workers", 0) == setup.workers;
    }
    if (!ready) {
      std::fprintf(stderr, "workers did not register\n");
      finish();
      return std::nullopt;
    }
  }
  bool stalled = false;
  auto client_run = [&](long count, std::vector<double>* latencies, int window) {
    mdp::Client c(ctx, frontend, client_options);
    long sent = 0, received = 0;
    mdp::Frames in;
    Clock::time_point t_sent;
    while (received < count) {
      while (sent < count && sent - received < window) {
        t_sent = Clock::now();
        c.send("bench", request_body);
        ++sent;
      }
      c.wait(std::chrono::milliseconds(5000));
      bool got = false;
      while (c.receive_frames(in)) {
        got = true;
        ++received;
        if (latencies)
          latencies->push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - t_sent).count());
      }
      if (!got) {
        std::fprintf(stderr, "client stalled: %ld/%ld replies\n", received, count);
        stalled = true;
        return;
      }
    }
  };
  Result r;
  const double cpu0 = cpu_seconds(broker.process->pid());
  const auto t0 = Clock::now();
  std::vector<std::thread> clients;
  const long per_client = setup.jobs / setup.clients;
  for (int i = 0; i < setup.clients; ++i)
    clients.emplace_back(client_run, per_client, nullptr, setup.window);
  for (auto& t : clients) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double done = static_cast<double>(per_client * setup.clients);
  r.jobs_per_s = done / secs;
  r.cpu_us_per_job = (cpu_seconds(broker.process->pid()) - cpu0) * 1e6 / done;
  std::vector<double> lat;
  if (setup.latency_jobs > 0) client_run(setup.latency_jobs, &lat, 1);
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  r.p50 = pct(0.5);
  r.p99 = pct(0.99);
  r.p999 = pct(0.999);
  finish();
  if (stalled) return std::nullopt;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"intentq-curve-bench: plain vs CURVE throughput and round trip of intentq-broker"};
  std::string broker_path = test::bin_dir() + "/intentq-broker";
  Setup setup{2, 2, 100, 64, 20000, 2000};
  app.add_option("--broker", broker_path, "intentq-broker to start")->capture_default_str();
  app.add_option("--workers", setup.workers)->capture_default_str();
  app.add_option("--clients", setup.clients, "pipelined clients")->capture_default_str();
  app.add_option("--window", setup.window, "requests in flight per client")->capture_default_str();
  app.add_option("--jobs", setup.jobs, "jobs per throughput run")->capture_default_str();
  app.add_option("--payload", setup.payload, "bytes of params per request")->capture_default_str();
  app.add_option("--latency-jobs", setup.latency_jobs, "sync round trips per run")
      ->capture_default_str();
  int rounds = 1;
  app.add_option("--rounds", rounds, "alternating plain/CURVE runs; medians are reported")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.set_version_flag("--version", intentq::version_line("intentq-curve-bench"));
  CLI11_PARSE(app, argc, argv);

  // Keys for this run: the broker's, one client and one worker key, in a temporary directory.
  std::string tmpl = (fs::temp_directory_path() / "intentq-curve-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return 1;
  const fs::path dir = tmpl;
  const auto broker_keys = curve::generate();
  const auto client_pair = curve::generate();
  const auto worker_pair = curve::generate();
  curve::save(dir, "broker", broker_keys);
  curve::save(dir / "allow" / "clients", "client", client_pair);
  curve::save(dir / "allow" / "workers", "worker", worker_pair);
  const Keys client_keys = curve::ClientKeys{broker_keys.public_key, client_pair};
  const Keys worker_keys = curve::ClientKeys{broker_keys.public_key, worker_pair};

  std::vector<Result> plains, cures;
  for (int i = 0; i < rounds; ++i) {
    const auto p = run(broker_path, setup, {}, std::nullopt, std::nullopt);
    const auto c = run(broker_path, setup,
                       {"--curve-secret", (dir / "broker.key_secret").string(), "--curve-allow",
                        (dir / "allow").string()},
                       client_keys, worker_keys);
    if (!p || !c) {
      fs::remove_all(dir);
      return 1;
    }
    std::printf(
        "round %d: plain %.0f jobs/s %.1f us/job p50 %.0f us | CURVE %.0f jobs/s %.1f "
        "us/job p50 %.0f us\n",
        i + 1, p->jobs_per_s, p->cpu_us_per_job, p->p50, c->jobs_per_s, c->cpu_us_per_job, c->p50);
    std::fflush(stdout);
    plains.push_back(*p);
    cures.push_back(*c);
  }
  fs::remove_all(dir);
  // Field-wise medians over the rounds.
  auto median = [](const std::vector<Result>& rs) {
    auto med = [&](double Result::*f) {
      std::vector<double> v;
      for (const auto& r : rs) v.push_back(r.*f);
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    return Result{med(&Result::jobs_per_s), med(&Result::cpu_us_per_job), med(&Result::p50),
                  med(&Result::p99), med(&Result::p999)};
  };
  const auto plain = median(plains);
  const auto secured = median(cures);
  std::printf(
      "medians of %d round(s); %d workers, %d clients x window %d, %d B params, %ld jobs, %ld "
      "sync round trips\n",
      rounds, setup.workers, setup.clients, setup.window, setup.payload, setup.jobs,
      setup.latency_jobs);
  for (const auto& [name, r] : {std::pair{"plain", plain}, std::pair{"CURVE", secured}})
    std::printf(
        "%-5s: %8.0f jobs/s, broker CPU %6.1f us/job; round trip p50 %5.0f us, p99 %5.0f us, "
        "p99.9 %5.0f us\n",
        name, r.jobs_per_s, r.cpu_us_per_job, r.p50, r.p99, r.p999);
  std::printf("CURVE/plain: throughput x%.2f, broker CPU x%.2f, p50 round trip x%.2f\n",
              secured.jobs_per_s / plain.jobs_per_s, secured.cpu_us_per_job / plain.cpu_us_per_job,
              secured.p50 / plain.p50);
  return 0;
}
