// Helpers for tests that run the real intentq-broker: starting it on wildcard ports, MDP clients
// and a scriptable fake worker, all with bounded waits.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "common/envelope.hpp"
#include "common/mdp_frames.hpp"
#include "tests/support/process.hpp"

namespace intentq::test {

using Msg = std::vector<std::string>;
using namespace std::chrono_literals;

struct BrokerProcess {
  std::unique_ptr<Process> process;
  std::string frontend, backend, publish;

  explicit BrokerProcess(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {
        bin_dir() + "/intentq-broker", "--frontend", "tcp://127.0.0.1:*", "--backend",
        "tcp://127.0.0.1:*",           "--publish",  "tcp://127.0.0.1:*"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process = std::make_unique<Process>(argv);
    const auto m = process->expect_line(
        std::regex(R"(intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+))"), 10s);
    frontend = m[1];
    backend = m[2];
    publish = m[3];
  }
};

inline std::string pack(const nlohmann::json& j) {
  const auto b = nlohmann::json::to_msgpack(j);
  return {b.begin(), b.end()};
}

inline void send(zmq::socket_t& s, const Msg& parts) {
  mdp::Frames f;
  for (auto& p : parts) f.push_back(mdp::frame(p));
  if (mdp::send_frames(s, f, false) != mdp::SendResult::kOk)
    throw std::runtime_error("test send failed");
}

// The next whole message, or nullopt after `timeout`.
inline std::optional<Msg> recv_within(zmq::socket_t& s, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() < 0) return std::nullopt;
    zmq::poll(&item, 1, left);
    mdp::Frames f;
    if (mdp::recv_frames(s, f)) {
      Msg m;
      for (auto& x : f) m.emplace_back(mdp::view(x));
      return m;
    }
  }
}

// A DEALER client speaking MDP/0.1.
class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint)
      : socket_(ctx, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }
  void request(const std::string& service, const Msg& body) {
    Msg m{"", "MDPC01", service};
    m.insert(m.end(), body.begin(), body.end());
    send(socket_, m);
  }
  void submit(const std::string& service, const nlohmann::json& envelope) {
    request(service, {pack(envelope)});
  }
  // The body frames of the next reply (checking the MDP header), or nullopt on timeout.
  std::optional<Msg> reply_body(std::chrono::milliseconds timeout) {
    auto m = recv_within(socket_, timeout);
    if (!m) return std::nullopt;
    if (m->size() < 3 || (*m)[0] != "" || (*m)[1] != "MDPC01")
      throw std::runtime_error("malformed reply from broker");
    return Msg(m->begin() + 3, m->end());
  }
  JobReply reply(std::chrono::milliseconds timeout = 5s) {
    auto b = reply_body(timeout);
    if (!b) throw std::runtime_error("no reply within " + std::to_string(timeout.count()) + " ms");
    if (b->size() != 1) throw std::runtime_error("reply with more than one body frame");
    return decode_reply(b->front());
  }
  // Asks mmi.service until the broker knows a worker for `service` (READY and requests travel
  // on different connections, so a request sent right after READY can overtake it).
  void wait_service(const std::string& service, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      request("mmi.service", {service});
      auto b = reply_body(2s);
      if (b && !b->empty() && b->front() == "200") return;
    }
    throw std::runtime_error("service '" + service + "' not registered within timeout");
  }
  nlohmann::json stats() {
    request("mmi.stats", {});
    auto b = reply_body(5s);
    if (!b || b->empty()) throw std::runtime_error("no mmi.stats reply");
    return nlohmann::json::from_msgpack(b->front());
  }
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
};

// A fake worker: registers, then the test decides what it receives and when it replies.
class FakeWorker {
 public:
  FakeWorker(zmq::context_t& ctx, const std::string& endpoint, const Msg& ready_frames,
             std::chrono::milliseconds heartbeat = 100ms)
      : socket_(ctx, zmq::socket_type::dealer), heartbeat_(heartbeat) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
    Msg m{"", "MDPW01", "\x01"};
    m.insert(m.end(), ready_frames.begin(), ready_frames.end());
    send(socket_, m);
  }
  struct Request {
    std::string token;
    Msg body;  // frames after the empty delimiter (service frame first for intentq workers)
  };
  // Waits for a REQUEST, heartbeating meanwhile (unless silent). Counts every request seen.
  std::optional<Request> next_request(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (!silent) send(socket_, {"", "MDPW01", "\x04"});
      auto m = recv_within(
          socket_, std::min(heartbeat_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            end - std::chrono::steady_clock::now())));
      if (!m) continue;
      if (m->size() >= 3 && (*m)[2] == "\x05") ++disconnects;
      if (m->size() >= 6 && (*m)[2] == "\x02") {
        ++requests_seen;
        return Request{(*m)[3], Msg(m->begin() + 5, m->end())};
      }
    }
    return std::nullopt;
  }
  void reply(const std::string& token, const Msg& body) {
    Msg m{"", "MDPW01", "\x03", token, ""};
    m.insert(m.end(), body.begin(), body.end());
    send(socket_, m);
  }
  // Replies with an ok envelope echoing the request's params.
  void reply_ok(const Request& r, const std::string& intent = "echo") {
    const auto req = decode_request(r.body.back());
    JobReply rep;
    rep.id = req.id.value_or("");
    rep.intent = intent;
    rep.result = req.params;
    rep.worker = "fake";
    reply(r.token, {encode_reply(rep)});
  }
  void close() { socket_.close(); }

  bool silent = false;
  int requests_seen = 0;
  int disconnects = 0;

 private:
  zmq::socket_t socket_;
  std::chrono::milliseconds heartbeat_;
};

}  // namespace intentq::test
