#include "bench/zmq_load.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "common/envelope.hpp"
#include "common/mdp_client.hpp"
#include "common/mdp_worker.hpp"

namespace intentq::bench {
namespace {

using Clock = std::chrono::steady_clock;
using mdp::Frames;
using mdp::view;

constexpr std::string_view kIdTemplate = "000000000000";
// msgpack of "status": "ok" as encode_reply writes it (two fixstr): a reply is ok iff it holds
// these bytes; checking them costs the client far less than decoding every reply.
constexpr std::string_view kStatusOk = "\xa6status\xa2ok";

mdp::Client make_client(zmq::context_t& ctx, const std::string& frontend,
                        const std::optional<curve::ClientKeys>& curve = std::nullopt) {
  return mdp::Client(ctx, frontend, mdp::ClientOptions{curve, true});
}

bool reply_ok(const Frames& in, bool intentq) {
  if (in.size() != 4) return false;
  return !intentq || view(in[3]).find(kStatusOk) != std::string_view::npos;
}

void worker_loop(zmq::context_t& ctx, std::string endpoint, std::string service, bool intentq,
                 std::string reply_body, std::optional<curve::ClientKeys> curve,
                 const std::atomic<bool>& stop) {
  mdp::WorkerOptions options;
  options.endpoint = std::move(endpoint);
  options.curve = std::move(curve);
  options.heartbeat = std::chrono::milliseconds(500);
  options.unbounded_queues = true;
  mdp::Worker worker(ctx, options);
  mdp::ReadyInfo ready;
  ready.services = {service};
  ready.intentq = intentq;
  if (intentq) ready.heartbeat_ms = 1000;
  worker.connect(ready);
  auto last_sent = Clock::now();
  while (!stop) {
    worker.wait(std::chrono::milliseconds(100));
    while (auto request = worker.receive()) {
      worker.reply(std::move(request->route), reply_body);
      last_sent = Clock::now();
    }
    if (Clock::now() - last_sent > std::chrono::milliseconds(500)) {
      worker.heartbeat();
      last_sent = Clock::now();
    }
  }
}

}  // namespace

RequestBodies::RequestBodies(int client, bool intentq, size_t payload_bytes) {
  if (!intentq) {
    body_.assign(payload_bytes, 'x');
    return;
  }
  JobRequest req;
  req.id = "bench-" + std::to_string(client) + "-" + std::string(kIdTemplate);
  req.params = {{"data", std::string(payload_bytes, 'x')}};
  body_ = encode_request(req);
  digits_at_ = body_.find(std::string(kIdTemplate));
}

const std::string& RequestBodies::next() {
  if (digits_at_ != std::string::npos) {
    unsigned long long v = ++seq_;
    for (size_t i = kIdTemplate.size(); i-- > 0; v /= 10)
      body_[digits_at_ + i] = static_cast<char>('0' + v % 10);
  }
  return body_;
}

std::string noop_reply_body(bool intentq) {
  if (!intentq) return "ok";
  JobReply rep;
  rep.id = "bench";
  rep.intent = "bench";
  rep.worker = "bench";
  return encode_reply(rep);
}

NoopWorkers::NoopWorkers(zmq::context_t& ctx, const std::string& endpoint,
                         const std::string& service, int n, bool intentq,
                         const std::optional<curve::ClientKeys>& curve) {
  const auto body = noop_reply_body(intentq);
  for (int i = 0; i < n; ++i)
    threads_.emplace_back(worker_loop, std::ref(ctx), endpoint, service, intentq, body, curve,
                          std::cref(stop_));
}

NoopWorkers::~NoopWorkers() {
  stop_ = true;
  for (auto& t : threads_) t.join();
}

LoadResult run_pipelined(zmq::context_t& ctx, const std::string& frontend,
                         const std::string& service, int clients, int window, long jobs,
                         bool intentq, size_t payload_bytes, std::atomic<long>* progress) {
  std::atomic<long> received_total{0}, errors_total{0};
  const long per_client = jobs / clients;
  auto client = [&](int index) {
    auto c = make_client(ctx, frontend);
    RequestBodies bodies(index, intentq, payload_bytes);
    long sent = 0, received = 0, errors = 0;
    Frames in;
    while (received < per_client) {
      while (sent < per_client && sent - received < window) {
        c.send(service, bodies.next());
        ++sent;
      }
      c.wait(std::chrono::milliseconds(10000));
      long got = 0;
      while (c.receive_frames(in)) {
        ++got;
        if (!reply_ok(in, intentq)) ++errors;
      }
      if (got == 0) {
        std::fprintf(stderr, "bench: client %d stalled at %ld/%ld replies\n", index, received,
                     per_client);
        errors += per_client - received;
        break;
      }
      received += got;
      if (progress) progress->fetch_add(got, std::memory_order_relaxed);
    }
    received_total += received;
    errors_total += errors;
  };
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) threads.emplace_back(client, i);
  for (auto& t : threads) t.join();
  LoadResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.jobs = received_total;
  r.errors = errors_total;
  return r;
}

std::vector<double> run_sync(zmq::context_t& ctx, const std::string& frontend,
                             const std::string& service, long count, long warmup, bool intentq,
                             size_t payload_bytes, bool check_status) {
  auto c = make_client(ctx, frontend);
  RequestBodies bodies(0, intentq, payload_bytes);
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(count));
  Frames in;
  for (long i = 0; i < warmup + count; ++i) {
    const auto& body = bodies.next();
    const auto t0 = Clock::now();
    c.send(service, body);
    c.wait(std::chrono::milliseconds(10000));
    if (!c.receive_frames(in)) throw std::runtime_error("synchronous client: no reply in 10 s");
    if (!reply_ok(in, intentq && check_status))
      throw std::runtime_error("synchronous client: error reply");
    if (i >= warmup)
      lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(lat.begin(), lat.end());
  return lat;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<size_t>(p * static_cast<double>(values.size()));
  return values[std::min(values.size() - 1, i)];
}

}  // namespace intentq::bench
