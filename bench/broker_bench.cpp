// intentq-broker-bench: throughput and latency of intentq-broker with no-op workers.
//
// Starts the broker (path from --broker, wildcard ports), N worker threads that answer every
// REQUEST at once with a fixed reply envelope, and either C pipelined DEALER clients (each keeps
// --window requests in flight) or one synchronous client (latency percentiles). Reports jobs/s,
// MB/s of request payload, p50/p99/p99.9 and the broker's CPU time per job (from /proc).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "common/envelope.hpp"
#include "common/mdp_frames.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace intentq;
using Clock = std::chrono::steady_clock;
using mdp::frame;

void send(zmq::socket_t& s, std::initializer_list<std::string_view> parts) {
  mdp::Frames f;
  for (auto p : parts) f.push_back(frame(p));
  mdp::send_frames(s, f, false);
}

// A no-op worker: answers each REQUEST immediately with `reply_body`.
void run_worker(zmq::context_t& ctx, const std::string& endpoint, const std::string& service,
                bool intentq, const std::string& reply_body, const std::atomic<bool>& stop) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(endpoint);
  if (intentq)
    send(s, {"", "MDPW01", "\x01", service, "@intentq=1", "@heartbeat=1000"});
  else
    send(s, {"", "MDPW01", "\x01", service});
  mdp::Frames in;
  auto last_sent = Clock::now();
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop) {
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    while (mdp::recv_frames(s, in)) {
      if (in.size() >= 5 && mdp::view(in[2]) == "\x02") {
        mdp::Frames out;
        out.push_back(frame(""));
        out.push_back(frame("MDPW01"));
        out.push_back(frame("\x03"));
        out.push_back(std::move(in[3]));
        out.push_back(frame(""));
        out.push_back(frame(reply_body));
        mdp::send_frames(s, out, false);
        last_sent = Clock::now();
      }
    }
    if (Clock::now() - last_sent > std::chrono::milliseconds(500)) {
      send(s, {"", "MDPW01", "\x04"});
      last_sent = Clock::now();
    }
  }
}

double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"intentq-broker-bench"};
  std::string broker_path = test::bin_dir() + "/intentq-broker";
  int workers = 2, clients = 2, window = 100, payload = 64;
  long jobs = 100000, latency_jobs = 0;
  bool opaque = false;
  app.add_option("--broker", broker_path, "intentq-broker to start")->capture_default_str();
  app.add_option("--workers", workers)->capture_default_str();
  app.add_option("--clients", clients, "pipelined clients")->capture_default_str();
  app.add_option("--window", window, "requests in flight per client")->capture_default_str();
  app.add_option("--jobs", jobs, "jobs for the throughput run")->capture_default_str();
  app.add_option("--payload", payload, "bytes of params per request")->capture_default_str();
  app.add_option("--latency-jobs", latency_jobs, "sync round trips for latency (0 = skip)")
      ->capture_default_str();
  app.add_flag("--opaque", opaque, "stock MDP workers and raw bodies instead of envelopes");
  CLI11_PARSE(app, argc, argv);

  test::Process broker({broker_path, "--frontend", "tcp://127.0.0.1:*", "--backend",
                        "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", "--log-level",
                        "warn", "--max-queue", "1000000"});
  const auto m = broker.expect_line(
      std::regex(R"(intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+))"),
      std::chrono::seconds(10));
  const std::string frontend = m[1], backend = m[2];

  const std::string service = "bench";
  JobRequest req;
  req.params = {{"data", std::string(static_cast<size_t>(payload), 'x')}};
  const std::string request_body =
      opaque ? std::string(static_cast<size_t>(payload), 'x') : encode_request(req);
  JobReply rep;
  rep.id = "bench";
  rep.intent = service;
  rep.worker = "bench";
  const std::string reply_body = opaque ? std::string("ok") : encode_reply(rep);

  zmq::context_t ctx(2);
  std::atomic<bool> stop{false};
  std::vector<std::thread> worker_threads;
  for (int i = 0; i < workers; ++i)
    worker_threads.emplace_back(run_worker, std::ref(ctx), backend, service, !opaque, reply_body,
                                std::cref(stop));

  // Wait (bounded) until the broker reports every worker.
  {
    zmq::socket_t c(ctx, zmq::socket_type::dealer);
    c.set(zmq::sockopt::linger, 0);
    c.connect(frontend);
    mdp::Frames in;
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      send(c, {"", "MDPC01", "mmi.stats"});
      zmq::pollitem_t item{c.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(1000));
      if (mdp::recv_frames(c, in) && in.size() == 4) {
        const auto stats = nlohmann::json::from_msgpack(mdp::view(in[3]));
        ready = stats.value("workers", 0) == workers;
      }
    }
    if (!ready) {
      std::fprintf(stderr, "workers did not register\n");
      return 1;
    }
  }

  auto client_run = [&](long count, std::vector<double>* latencies, int win) {
    zmq::socket_t c(ctx, zmq::socket_type::dealer);
    c.set(zmq::sockopt::linger, 0);
    c.set(zmq::sockopt::rcvhwm, 0);
    c.set(zmq::sockopt::sndhwm, 0);
    c.connect(frontend);
    long sent = 0, received = 0;
    mdp::Frames in;
    zmq::pollitem_t item{c.handle(), 0, ZMQ_POLLIN, 0};
    Clock::time_point t_sent;
    while (received < count) {
      while (sent < count && sent - received < win) {
        t_sent = Clock::now();
        send(c, {"", "MDPC01", service, request_body});
        ++sent;
      }
      zmq::poll(&item, 1, std::chrono::milliseconds(5000));
      bool got = false;
      while (mdp::recv_frames(c, in)) {
        got = true;
        ++received;
        if (latencies)
          latencies->push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - t_sent).count());
      }
      if (!got) {
        std::fprintf(stderr, "client stalled: %ld/%ld replies\n", received, count);
        return;
      }
    }
  };

  const double cpu0 = cpu_seconds(broker.pid());
  const auto t0 = Clock::now();
  std::vector<std::thread> client_threads;
  for (int i = 0; i < clients; ++i)
    client_threads.emplace_back(client_run, jobs / clients, nullptr, window);
  for (auto& t : client_threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds(broker.pid()) - cpu0;
  const long done = (jobs / clients) * clients;
  std::printf(
      "throughput: %s, %d workers, %d clients x window %d, payload %d B: %ld jobs in %.2f s = "
      "%.0f jobs/s (%.1f MB/s payload); broker CPU %.1f us/job\n",
      opaque ? "opaque" : "intentq", workers, clients, window, payload, done, secs, done / secs,
      done * static_cast<double>(payload) / secs / 1e6, cpu * 1e6 / static_cast<double>(done));

  if (latency_jobs > 0) {
    std::vector<double> lat;
    lat.reserve(static_cast<size_t>(latency_jobs));
    client_run(latency_jobs, &lat, 1);
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
      return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
    };
    std::printf(
        "latency (sync, 1 client): %zu round trips: p50 %.0f us, p99 %.0f us, p99.9 %.0f us\n",
        lat.size(), pct(0.50), pct(0.99), pct(0.999));
  }
  stop = true;
  for (auto& t : worker_threads) t.join();
  return 0;
}
