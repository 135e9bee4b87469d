// http: intentq-http against the MDP path it fronts, in the same run, with the same broker and
// the same real intentq-workers running `echo`:
//  throughput  32 HTTP/1.1 keep-alive connections, one request in flight each (POST
//              /v1/jobs/echo), against 32 MDP clients with one request in flight each;
//  latency     one synchronous client, HTTP vs MDP: the p50 the front adds;
//  stream      100 Server-Sent Events readers of /v1/stream while ~1,000 results/s are published;
//              the front's RSS sampled, first and last third compared (flat = no growth).
// The HTTP client is a plain blocking socket per connection (no library): what it measures is
// the front, not a client stack.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <regex>
#include <thread>

#include "bench/proc_stats.hpp"
#include "bench/scenarios.hpp"
#include "bench/table.hpp"
#include "bench/zmq_load.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;

struct HttpChild {
  std::unique_ptr<Process> process;
  uint16_t port = 0;
};

HttpChild start_http(const Programs& p, const BrokerChild& b,
                     const std::vector<std::string>& extra = {}) {
  HttpChild h;
  std::vector<std::string> argv{p.http,     "--listen",          "127.0.0.1:0", "--broker",
                                b.frontend, "--publish",         b.publish,     "--log-level",
                                "warn",     "--max-sse-clients", "1000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  h.process = std::make_unique<Process>(argv);
  const auto m = h.process->expect_line(
      std::regex(R"(intentq-http ready listen=http://127\.0\.0\.1:(\d+))"), 15s);
  h.port = static_cast<uint16_t>(std::stoi(m[1]));
  return h;
}

int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to intentq-http failed");
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One keep-alive connection: POST, read the whole response (Content-Length), return the status.
class HttpConnection {
 public:
  explicit HttpConnection(uint16_t port) : fd_(connect_to(port)) {}
  ~HttpConnection() { ::close(fd_); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  int post(const std::string& path, const std::string& body) { return request("POST", path, body); }
  // The whole response body goes to *out when given.
  int request(const std::string& method, const std::string& path, const std::string& body,
              std::string* out = nullptr) {
    std::string req =
        method + " " + path +
        " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    for (size_t off = 0; off < req.size();) {
      const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send to intentq-http failed");
      off += static_cast<size_t>(n);
    }
    for (;;) {
      const auto end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = buf_.find("Content-Length: ");
        if (cl == std::string::npos || cl > end) throw std::runtime_error("no Content-Length");
        const size_t length = std::stoul(buf_.substr(cl + 16));
        if (buf_.size() >= end + 4 + length) {
          const int status = std::stoi(buf_.substr(9, 3));
          if (out) *out = buf_.substr(end + 4, length);
          buf_.erase(0, end + 4 + length);
          return status;
        }
      }
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) throw std::runtime_error("intentq-http closed the connection");
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buf_;
};

std::string echo_body(size_t payload_bytes) {
  return R"({"params":{"payload":")" + std::string(payload_bytes, 'x') + R"("}})";
}

LoadResult http_load(uint16_t port, int connections, long jobs, size_t payload_bytes) {
  std::atomic<long> ok{0}, errors{0};
  const long per = jobs / connections;
  const auto body = echo_body(payload_bytes);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&] {
      try {
        HttpConnection conn(port);
        for (long i = 0; i < per; ++i) (conn.post("/v1/jobs/echo", body) == 200 ? ok : errors)++;
      } catch (const std::exception&) {
        ++errors;
      }
    });
  for (auto& t : threads) t.join();
  LoadResult r;
  r.jobs = ok;
  r.errors = errors;
  r.seconds = seconds_since(start);
  return r;
}

std::vector<double> http_sync(uint16_t port, long count, long warmup, size_t payload_bytes) {
  HttpConnection conn(port);
  const auto body = echo_body(payload_bytes);
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(count));
  for (long i = 0; i < warmup + count; ++i) {
    const auto t0 = Clock::now();
    if (conn.post("/v1/jobs/echo", body) != 200) throw std::runtime_error("echo over HTTP failed");
    if (i >= warmup)
      lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(lat.begin(), lat.end());
  return lat;
}

// `n` SSE readers that read and discard; counts bytes.
class StreamReaders {
 public:
  StreamReaders(uint16_t port, int n) {
    for (int i = 0; i < n; ++i) {
      const int fd = connect_to(port);
      const std::string req = "GET /v1/stream?topic=result.echo HTTP/1.1\r\nHost: bench\r\n\r\n";
      if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
        throw std::runtime_error("stream request failed");
      timeval tv{0, 200000};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      fds_.push_back(fd);
    }
    for (int fd : fds_)
      threads_.emplace_back([this, fd] {
        char buf[65536];
        while (!stop_) {
          const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
          if (r == 0) break;
          if (r > 0) bytes_ += r;
        }
      });
  }
  ~StreamReaders() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
  }
  long bytes() const { return bytes_; }

 private:
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<long> bytes_{0};
};

// A broker, `workers` intentq-workers (echo) and intentq-http in front. A fresh one per
// measurement: the bench's MDP request ids repeat from one load call to the next, and a broker
// that saw them would answer from its dedup cache instead of running the jobs.
struct Stack {
  BrokerChild broker;
  std::vector<std::unique_ptr<Process>> workers;
  HttpChild http;
};

std::unique_ptr<Stack> start_stack(const Settings& s, zmq::context_t& ctx, int workers,
                                   const std::vector<std::string>& http_extra = {}) {
  auto st = std::make_unique<Stack>();
  st->broker = start_broker(s.programs, s.broker_args);
  for (int i = 0; i < workers; ++i)
    st->workers.push_back(start_worker(s.programs, st->broker.backend, {}));
  wait_workers(ctx, st->broker.frontend, "echo", workers, 30s);
  st->http = start_http(s.programs, st->broker, http_extra);
  return st;
}

// `threads` keep-alive connections posting echo jobs, `rate` per second in all, until `stop`.
long paced_http_load(uint16_t port, int threads, double rate, double seconds,
                     size_t payload_bytes) {
  std::atomic<long> done{0};
  const auto body = echo_body(payload_bytes);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      HttpConnection conn(port);
      const auto step = std::chrono::duration<double>(threads / rate);
      auto next = Clock::now();
      while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
        if (conn.post("/v1/jobs/echo", body) == 200) ++done;
        next += std::chrono::duration_cast<Clock::duration>(step);
        std::this_thread::sleep_until(next);
      }
    });
  for (auto& t : pool) t.join();
  return done;
}

}  // namespace

nlohmann::json run_http(const Settings& s, nlohmann::json& skipped) {
  nlohmann::json j;
  if (s.programs.http.empty()) {
    skipped.push_back("http: intentq-http not built");
    return nullptr;
  }
  const int connections = 32;
  const int workers = 4;
  const long jobs = s.quick ? 3200 : 32000;
  const long sync_jobs = s.quick ? 500 : 3000;
  zmq::context_t ctx(1);

  // Throughput: MDP then HTTP on one fresh stack per round; the medians count.
  std::vector<double> mdp_rate, http_rate;
  long errors = 0;
  for (int round = 0; round < s.repeats; ++round) {
    auto st = start_stack(s, ctx, workers);
    const auto m = run_pipelined(ctx, st->broker.frontend, "echo", connections, 1, jobs, true,
                                 s.payload_bytes);
    const auto hr = http_load(st->http.port, connections, jobs, s.payload_bytes);
    mdp_rate.push_back(m.jobs_per_s());
    http_rate.push_back(hr.jobs_per_s());
    errors += m.errors + hr.errors;
    std::fprintf(stderr, "http: round %d/%d: MDP %.0f jobs/s, HTTP %.0f jobs/s\n", round + 1,
                 s.repeats, m.jobs_per_s(), hr.jobs_per_s());
  }
  std::vector<double> mdp_lat, http_lat;
  {
    auto st = start_stack(s, ctx, workers);
    mdp_lat = run_sync(ctx, st->broker.frontend, "echo", sync_jobs, 100, true, s.payload_bytes);
    http_lat = http_sync(st->http.port, sync_jobs, 100, s.payload_bytes);
  }

  j["connections"] = connections;
  j["workers"] = workers;
  j["errors"] = errors;
  j["mdp_jobs_per_s"] = round_to(median(mdp_rate), 0);
  j["http_jobs_per_s"] = round_to(median(http_rate), 0);
  j["ratio_jobs_per_s"] = ratio(j["http_jobs_per_s"], j["mdp_jobs_per_s"]);
  j["mdp_p50_us"] = round_to(percentile(mdp_lat, 0.5), 1);
  j["mdp_p99_us"] = round_to(percentile(mdp_lat, 0.99), 1);
  j["http_p50_us"] = round_to(percentile(http_lat, 0.5), 1);
  j["http_p99_us"] = round_to(percentile(http_lat, 0.99), 1);
  j["added_p50_us"] = round_to(j["http_p50_us"].get<double>() - j["mdp_p50_us"].get<double>(), 1);

  // Stream: 100 readers of /v1/stream while ~1,000 echo jobs/s go through the front (4 paced
  // keep-alive connections); the front's RSS sampled every 100 ms.
  {
    // The job store (replies kept for GET /v1/jobs/{id}) is bounded to 2,000 entries here so
    // that it is full within 2 s: what is left to grow is the streams' memory.
    auto st = start_stack(s, ctx, workers, {"--store-max-entries", "2000"});
    const int readers = 100;
    const double seconds = s.quick ? 4 : 20;
    StreamReaders streams(st->http.port, readers);
    std::vector<double> rss;
    std::atomic<bool> sampling{true};
    std::thread sampler([&] {
      while (sampling) {
        rss.push_back(rss_mb(st->http.process->pid()));
        std::this_thread::sleep_for(100ms);
      }
    });
    const auto start = Clock::now();
    const long published = paced_http_load(st->http.port, 4, 1000, seconds, s.payload_bytes);
    const double elapsed = seconds_since(start);
    sampling = false;
    sampler.join();
    const long expected_bytes = streams.bytes();
    std::string metrics;
    HttpConnection(st->http.port).request("GET", "/metrics", "", &metrics);
    const std::regex dropped_re(R"(intentq_http_server_events_total\{event="sse_dropped"\} (\d+))");
    std::smatch dm;
    j["stream_readers_dropped"] = std::regex_search(metrics, dm, dropped_re) ? std::stol(dm[1]) : 0;
    const size_t third = std::max<size_t>(1, rss.size() / 3);
    const double first = median({rss.begin(), rss.begin() + static_cast<long>(third)});
    const double last = median({rss.end() - static_cast<long>(third), rss.end()});
    j["stream_readers"] = readers;
    j["stream_results_per_s"] = round_to(static_cast<double>(published) / elapsed, 0);
    j["stream_mb_per_s_delivered"] =
        round_to(static_cast<double>(expected_bytes) / elapsed / 1e6, 2);
    j["stream_rss_first_third_mb"] = round_to(first, 1);
    j["stream_rss_last_third_mb"] = round_to(last, 1);
    j["stream_rss_max_mb"] = round_to(*std::max_element(rss.begin(), rss.end()), 1);
  }
  j["targets"] = {{"ratio_jobs_per_s", ">= 0.5"},
                  {"added_p50_us", "<= 200"},
                  {"stream", "1,000 results/s to 100 readers, RSS flat"}};
  j["note"] =
      "both paths: one broker, 4 intentq-workers running echo; MDP = 32 DEALER clients with one "
      "request in flight each, HTTP = 32 keep-alive connections to intentq-http";

  Table t("http: echo through intentq-http vs the MDP path (" + std::to_string(workers) +
              " echo workers, " + std::to_string(connections) + " connections)",
          {"path", "jobs/s", "p50 us", "p99 us"});
  t.row({"MDP (DEALER)", fmt(j["mdp_jobs_per_s"], 0), fmt(j["mdp_p50_us"], 0),
         fmt(j["mdp_p99_us"], 0)});
  t.row({"HTTP/1.1 keep-alive", fmt(j["http_jobs_per_s"], 0), fmt(j["http_p50_us"], 0),
         fmt(j["http_p99_us"], 0)});
  t.row({"HTTP / MDP", fmt(j["ratio_jobs_per_s"], 2), "+" + fmt(j["added_p50_us"], 0), ""});
  t.print();
  std::printf(
      "http stream: %d readers (%ld dropped as slow), %.0f results/s, %.2f MB/s delivered, RSS "
      "%.1f -> %.1f MB "
      "(max %.1f)\n\n",
      j["stream_readers"].get<int>(), j["stream_readers_dropped"].get<long>(),
      j["stream_results_per_s"].get<double>(), j["stream_mb_per_s_delivered"].get<double>(),
      j["stream_rss_first_third_mb"].get<double>(), j["stream_rss_last_third_mb"].get<double>(),
      j["stream_rss_max_mb"].get<double>());
  return j;
}

}  // namespace intentq::bench
