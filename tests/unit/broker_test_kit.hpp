// The fixture of the broker core's unit tests (broker_core_test, broker_gateway_core_test): the
// core without sockets or clocks, messages in as frame lists, messages out through a recording
// Outbox, time passed explicitly.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/broker.hpp"
#include "common/envelope.hpp"
#include "tests/support/msgpack_json.hpp"

namespace intentq::broker::core_test {

using nlohmann::json;
using Msg = std::vector<std::string>;

inline const std::string kReady(1, '\x01'), kRequest(1, '\x02'), kReply(1, '\x03'),
    kHeartbeat(1, '\x04'), kDisconnect(1, '\x05');

struct Recorder : Outbox {
  std::vector<Msg> clients, workers, published;
  std::set<std::string> gone;  // worker identities that are unroutable
  static Msg strings(Frames& f) {
    Msg m;
    for (auto& x : f) m.emplace_back(mdp::view(x));
    return m;
  }
  mdp::SendResult to_client(Frames& f) override {
    clients.push_back(strings(f));
    return mdp::SendResult::kOk;
  }
  mdp::SendResult to_worker(Frames& f) override {
    if (gone.count(std::string(mdp::view(f[0])))) return mdp::SendResult::kUnroutable;
    workers.push_back(strings(f));
    return mdp::SendResult::kOk;
  }
  void publish(Frames& f) override { published.push_back(strings(f)); }
};

inline Frames frames(const Msg& m) {
  Frames f;
  for (auto& s : m) f.push_back(mdp::frame(s));
  return f;
}

inline std::string body(const json& j) {
  return test::mp(j);
}

// The broker's config in most core tests: 5 s default deadline, no startup grace (the grace has
// tests of its own).
inline Config quick_config() {
  Config c;
  c.default_deadline = Ms(5000);
  c.startup_grace = Ms(0);
  return c;
}

class BrokerCoreTest : public ::testing::Test {
 protected:
  // `service`: what submit() asks for when the test names none.
  BrokerCoreTest(Config c, std::string service) : config(c), default_service_(std::move(service)) {}

  Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);
  Clock::time_point now = t0;
  Recorder out;
  Config config;
  std::unique_ptr<Broker> broker = std::make_unique<Broker>(config, out, now);

  void reset(Config c) {
    config = c;
    broker = std::make_unique<Broker>(config, out, now);
  }
  void advance(Ms d) {
    // Step in small increments so timers fire as they would in the real loop.
    const auto end = now + d;
    while (now < end) {
      now = std::min(end, std::max(now + Ms(1), broker->next_wakeup()));
      if (now >= broker->next_wakeup()) broker->on_timer(now);
    }
  }
  void worker_msg(const Msg& m) {
    auto f = frames(m);
    broker->on_worker_message(f, now);
  }
  void client_msg(const Msg& m) {
    auto f = frames(m);
    broker->on_client_message(f, now);
  }
  void submit(const std::string& client, const json& req, const std::string& service = "") {
    client_msg({client, "", "MDPC01", service.empty() ? default_service_ : service, body(req)});
  }
  // REQUESTs sent to worker `w` so far.
  std::vector<Msg> requests_to(const std::string& w) {
    std::vector<Msg> r;
    for (auto& m : out.workers)
      if (m[0] == w && m.size() > 4 && m[3] == kRequest) r.push_back(m);
    return r;
  }
  // Worker `w` answers `request` (as recorded): ok with `result` (the request's params when not
  // given), or GATEWAY_ERROR.
  void answer(const std::string& w, const Msg& request, bool ok, const std::string& intent,
              std::optional<json> result = std::nullopt) {
    const auto req = decode_request(request.back());
    JobReply rep;
    rep.id = req.id.value_or("");
    rep.intent = intent;
    rep.ok = ok;
    if (!ok) rep.error = JobError{ErrorCode::kGatewayError, "x", {}, {}};
    rep.result = result ? *result : req.params;
    rep.worker = w;
    worker_msg({w, "", "MDPW01", kReply, request[4], "", encode_reply(rep)});
  }
  // The reply bodies sent to `client` so far.
  std::vector<std::string> reply_bodies_to(const std::string& client) {
    std::vector<std::string> r;
    for (auto& m : out.clients)
      if (m[0] == client && m.size() == 5) r.push_back(m[4]);
    return r;
  }

 private:
  std::string default_service_;
};

}  // namespace intentq::broker::core_test
