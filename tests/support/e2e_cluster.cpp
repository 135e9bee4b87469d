#include "tests/support/e2e_cluster.hpp"
#include "tests/support/msgpack_json.hpp"

#include <sys/wait.h>

#include <algorithm>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace intentq::e2e {

Broker::Broker(std::vector<std::string> extra_args, std::optional<Endpoints> fixed) {
  test::Launch launch;
  launch.args = std::move(extra_args);
  auto started = test::start_broker(launch, fixed);
  process = std::move(started.process);
  endpoints = std::move(started.endpoints);
}

std::unique_ptr<Process> start_worker(const std::string& backend, int heartbeat_ms, int liveness,
                                      const std::string& log_level,
                                      std::vector<std::string> extra_args,
                                      const std::string& program) {
  test::Launch launch;
  launch.program = test::bin_dir() + "/" + program;
  launch.args = {"--heartbeat-ms", std::to_string(heartbeat_ms),
                 "--liveness",     std::to_string(liveness),
                 "--log-level",    log_level};
  launch.args.insert(launch.args.end(), extra_args.begin(), extra_args.end());
  // A worker without a gateway (the echo tests): per-job sessions, so it does not keep trying to
  // reach a gateway that is not there (reconnect threads would disturb the fd/thread counts).
  if (std::find(extra_args.begin(), extra_args.end(), "--gateway") == extra_args.end())
    launch.args.insert(launch.args.end(), {"--gateway-session", "per-job"});
  return test::start_worker(backend, launch, " intents=\\S*echo");
}

std::vector<std::unique_ptr<Process>> start_workers(const std::string& backend, int n,
                                                    int heartbeat_ms, int liveness,
                                                    const std::string& log_level,
                                                    std::vector<std::string> extra_args) {
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < n; ++i)
    workers.push_back(start_worker(backend, heartbeat_ms, liveness, log_level, extra_args));
  return workers;
}

JobRequest make_request(std::string id, nlohmann::json params,
                        std::optional<uint64_t> deadline_ms) {
  JobRequest r;
  r.id = std::move(id);
  r.params = std::move(params);
  r.deadline_ms = deadline_ms;
  return r;
}

SilentRouter::SilentRouter() : socket(ctx, zmq::socket_type::router) {
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("tcp://127.0.0.1:*");
  endpoint = socket.get(zmq::sockopt::last_endpoint);
}

void wait_for_service(const std::string& frontend, const std::string& service,
                      std::chrono::milliseconds timeout) {
  JobClient(frontend).wait_service(service, timeout);
}

JobClient::JobClient(const std::string& frontend, std::optional<curve::ClientKeys> curve)
    : client_(context_, frontend, mdp::ClientOptions{std::move(curve), true}) {}

void JobClient::send(const std::string& service, const JobRequest& request) {
  client_.send(service, encode_request(request));
}

void JobClient::submit(const std::string& service, const nlohmann::json& envelope) {
  client_.send(service, pack(envelope));
}

void JobClient::request(const std::string& service, const Msg& body) {
  client_.send(service, body);
}

void JobClient::send_raw(const Msg& frames) {
  send_frames(client_.socket(), frames);
}

std::optional<Msg> JobClient::receive_raw(std::chrono::milliseconds timeout) {
  auto reply = client_.receive(timeout);
  if (!reply) return std::nullopt;
  Msg frames{reply->service};
  frames.insert(frames.end(), reply->body.begin(), reply->body.end());
  return frames;
}

std::optional<Msg> JobClient::reply_body(std::chrono::milliseconds timeout) {
  auto reply = client_.receive(timeout);
  if (!reply) return std::nullopt;
  return std::move(reply->body);
}

std::optional<std::pair<std::string, JobReply>> JobClient::receive(
    std::chrono::milliseconds timeout) {
  auto reply = client_.receive(timeout);
  if (!reply) return std::nullopt;
  if (reply->body.size() != 1)
    throw std::runtime_error("expected [service, body], got " +
                             std::to_string(reply->body.size() + 1) + " frames");
  return std::make_pair(reply->service, decode_reply(reply->body[0]));
}

JobReply JobClient::reply(std::chrono::milliseconds timeout) {
  auto body = reply_body(timeout);
  if (!body) throw std::runtime_error("no reply within " + std::to_string(timeout.count()) + " ms");
  if (body->size() != 1) throw std::runtime_error("reply with more than one body frame");
  return decode_reply(body->front());
}

// READY and requests travel on different connections, so a request sent right after READY can
// overtake it: ask until the broker knows a worker.
void JobClient::wait_service(const std::string& service, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string last = "(no answer)";
  while (Clock::now() < deadline) {
    client_.send("mmi.service", service);
    if (auto reply = client_.receive(1s)) {
      if (reply->service == "mmi.service" && reply->body.size() == 1) {
        last = reply->body[0];
        if (last == "200") return;
      }
    }
    // Re-asking at once would only spin: registration takes a poll cycle on the broker.
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("service " + service + " not registered within " +
                           std::to_string(timeout.count()) + " ms (last mmi.service: " + last +
                           ")");
}

nlohmann::json JobClient::stats(std::chrono::milliseconds timeout) {
  client_.send("mmi.stats", Msg{});
  auto body = reply_body(timeout);
  if (!body || body->empty()) throw std::runtime_error("no mmi.stats reply");
  return nlohmann::json::from_msgpack(body->front());
}

FakeWorker::FakeWorker(zmq::context_t& ctx, const std::string& endpoint, const Msg& ready_frames,
                       std::chrono::milliseconds heartbeat)
    : socket_(ctx,
              [&] {
                auto o = worker_options(endpoint);
                o.heartbeat = heartbeat;
                return o;
              }()),
      heartbeat_(heartbeat) {
  mdp::Frames frames;
  for (const auto& f : ready_frames) frames.push_back(mdp::frame(f));
  socket_.connect(mdp::parse_ready(frames, 0));
}

std::optional<FakeWorker::Request> FakeWorker::next_request(std::chrono::milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    socket_.heartbeat();
    socket_.wait(std::min(
        heartbeat_, std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now())));
    if (auto in = socket_.receive()) {
      ++requests_seen;
      Request r;
      if (!in->route.empty()) r.token = std::string(mdp::view(in->route.front()));
      for (const auto& b : in->body) r.body.emplace_back(mdp::view(b));
      return r;
    }
  }
  return std::nullopt;
}

void FakeWorker::reply(const std::string& token, const std::string& body) {
  mdp::Frames route;
  route.push_back(mdp::frame(token));
  socket_.reply(std::move(route), body);
}

void FakeWorker::reply_ok(const Request& r, const std::string& intent) {
  const auto req = decode_request(r.body.back());
  JobReply rep;
  rep.id = req.id.value_or("");
  rep.intent = intent;
  rep.result = req.params;
  rep.worker = "fake";
  reply(r.token, encode_reply(rep));
}

mdp::WorkerOptions worker_options(const std::string& endpoint,
                                  std::optional<curve::ClientKeys> curve) {
  mdp::WorkerOptions o;
  o.endpoint = endpoint;
  o.curve = std::move(curve);
  return o;
}

mdp::ReadyInfo intentq_ready(std::vector<std::string> services,
                             std::optional<uint32_t> heartbeat_ms) {
  mdp::ReadyInfo r;
  r.services = std::move(services);
  r.intentq = true;
  r.heartbeat_ms = heartbeat_ms;
  return r;
}

std::string pack(const nlohmann::json& j) {
  return test::mp(j);
}

void send_frames(zmq::socket_t& socket, const Msg& frames, bool dontwait) {
  mdp::Frames f;
  for (const auto& p : frames) f.push_back(mdp::frame(p));
  if (mdp::send_frames(socket, f, dontwait) != mdp::SendResult::kOk && !dontwait)
    throw std::runtime_error("test send failed");
}

zmq::socket_t subscriber(zmq::context_t& ctx, const std::string& publish,
                         const std::string& topic) {
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, topic);
  sub.connect(publish);
  return sub;
}

std::optional<Msg> recv_within(zmq::socket_t& socket, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  const auto end = Clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() < 0) return std::nullopt;
    zmq::poll(&item, 1, left);
    mdp::Frames f;
    if (mdp::recv_frames(socket, f)) {
      Msg m;
      for (auto& x : f) m.emplace_back(mdp::view(x));
      return m;
    }
  }
}

JobReply submit(const std::string& frontend, const std::string& service, JobRequest request,
                std::chrono::milliseconds timeout) {
  JobClient client(frontend);
  client.send(service, request);
  auto reply = client.receive(timeout);
  if (!reply)
    throw std::runtime_error("no reply for " + service + " job " + request.id.value_or("?") +
                             " within " + std::to_string(timeout.count()) + " ms");
  return reply->second;
}

CliRun run_cli(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  const auto run = test::run_to_end("intentq", std::move(args), {}, timeout);
  return CliRun{run.code, run.output};
}

std::optional<nlohmann::json> first_json_line(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) return j;
  }
  return std::nullopt;
}

std::optional<nlohmann::json> reply_printed(Process& client, std::chrono::milliseconds timeout) {
  auto status = client.wait_exit(timeout);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) return std::nullopt;
  return first_json_line(client.output_text());
}

bool saw_line(Process& process, const std::string& needle, std::chrono::milliseconds timeout) {
  return process.wait_for_line(std::regex(regex_escape(needle)), timeout).has_value();
}

size_t count_lines(Process& process, const std::string& needle) {
  process.drain();
  size_t n = 0;
  for (const auto& line : process.output())
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

}  // namespace intentq::e2e
