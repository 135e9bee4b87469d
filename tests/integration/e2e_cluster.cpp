#include "tests/integration/e2e_cluster.hpp"

#include <algorithm>

#include <sys/wait.h>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/mdp.hpp"

namespace intentq::e2e {

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

Broker::Broker(std::vector<std::string> extra_args, std::optional<Endpoints> fixed) {
  std::vector<std::string> argv{test::bin_dir() + "/intentq-broker"};
  const std::string any = "tcp://127.0.0.1:*";
  argv.insert(argv.end(),
              {"--frontend", fixed ? fixed->frontend : any, "--backend",
               fixed ? fixed->backend : any, "--publish", fixed ? fixed->publish : any});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process = std::make_unique<Process>(argv);
  auto m = process->expect_line(
      std::regex(R"(intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+))"), 15s);
  endpoints = Endpoints{m[1], m[2], m[3]};
}

std::unique_ptr<Process> start_worker(const std::string& backend, int heartbeat_ms, int liveness,
                                      const std::string& log_level,
                                      std::vector<std::string> extra_args) {
  std::vector<std::string> argv{test::bin_dir() + "/intentq-worker",
                                "--broker",
                                backend,
                                "--heartbeat-ms",
                                std::to_string(heartbeat_ms),
                                "--liveness",
                                std::to_string(liveness),
                                "--log-level",
                                log_level};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // A worker without a gateway (the echo tests): per-job sessions, so it does not keep trying to
  // reach a gateway that is not there (reconnect threads would disturb the fd/thread counts).
  if (std::find(extra_args.begin(), extra_args.end(), "--gateway") == extra_args.end()) {
    argv.push_back("--gateway-session");
    argv.push_back("per-job");
  }
  auto worker = std::make_unique<Process>(argv);
  worker->expect_line(
      std::regex("intentq-worker ready broker=" + regex_escape(backend) + " intents=\\S*echo"),
      15s);
  return worker;
}

void wait_for_service(const std::string& frontend, const std::string& service,
                      std::chrono::milliseconds timeout) {
  JobClient client(frontend);
  const auto deadline = Clock::now() + timeout;
  std::string last = "(no answer)";
  while (Clock::now() < deadline) {
    client.send_raw({"", std::string(mdp::kClient), "mmi.service", service});
    if (auto reply = client.receive_raw(1s)) {
      if (reply->size() == 2 && (*reply)[0] == "mmi.service") {
        last = (*reply)[1];
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

JobClient::JobClient(const std::string& frontend) : socket_(context_, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 0);
  socket_.set(zmq::sockopt::rcvhwm, 0);
  socket_.connect(frontend);
}

void JobClient::send(const std::string& service, const JobRequest& request) {
  send_raw({"", std::string(mdp::kClient), service, encode_request(request)});
}

void JobClient::send_raw(const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i)
    socket_.send(zmq::buffer(frames[i]),
                 i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

std::optional<std::vector<std::string>> JobClient::receive_raw(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) return std::nullopt;
    zmq::poll(&item, 1, left);
    if (!(item.revents & ZMQ_POLLIN)) continue;
    std::vector<std::string> frames;
    zmq::message_t part;
    do {
      if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
      frames.emplace_back(part.to_string());
    } while (part.more());
    if (frames.size() < 2 || !frames[0].empty() || frames[1] != mdp::kClient)
      throw std::runtime_error("malformed client reply from broker");
    return std::vector<std::string>(frames.begin() + 2, frames.end());
  }
}

std::optional<std::pair<std::string, JobReply>> JobClient::receive(
    std::chrono::milliseconds timeout) {
  auto frames = receive_raw(timeout);
  if (!frames) return std::nullopt;
  if (frames->size() != 2)
    throw std::runtime_error("expected [service, body], got " + std::to_string(frames->size()) +
                             " frames");
  return std::make_pair((*frames)[0], decode_reply((*frames)[1]));
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
  args.insert(args.begin(), test::bin_dir() + "/intentq");
  Process cli(args);
  auto status = cli.wait_exit(timeout);
  if (!status)
    throw std::runtime_error("intentq did not exit within " + std::to_string(timeout.count()) +
                             " ms; output:\n" + cli.output_text());
  CliRun run;
  run.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  run.output = cli.output_text();
  return run;
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
