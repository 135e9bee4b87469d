// MDP frame helpers: READY parsing (the intentq extension), command builders, and whole-message
// send/receive over a real (inproc) ROUTER/DEALER pair.
#include "common/mdp_client.hpp"
#include "common/mdp_frames.hpp"
#include "common/mdp_worker.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace intentq::mdp {
namespace {

Frames frames(const std::vector<std::string>& parts) {
  Frames f;
  for (auto& p : parts) f.push_back(frame(p));
  return f;
}

std::vector<std::string> strings(const Frames& f) {
  std::vector<std::string> s;
  for (auto& m : f) s.emplace_back(view(m));
  return s;
}

// Every field of a READY, to compare a round trip whole (a field added to ReadyInfo belongs here).
auto all_fields(const ReadyInfo& r) {
  return std::tie(r.services, r.intentq, r.cancel, r.heartbeat_ms, r.nonretryable, r.historical,
                  r.gateway, r.session_up, r.budget, r.costs, r.accounts, r.client_id, r.reconnects,
                  r.session_age_ms, r.name, r.waiting, r.session_error, r.session_down_ms,
                  r.unknown_options);
}

// Builds the READY of `in`, whose long lists split over frames of at most kMaxOptionBytes each,
// and reads it back as a broker does.
ReadyInfo ready_round_trip(const ReadyInfo& in) {
  const auto f = worker_ready(in);
  for (const auto& m : f) EXPECT_LE(m.size(), kMaxOptionBytes);
  return parse_ready(f, 3);
}

// The READY of an intentq worker for `service` whose session with 127.0.0.1:4002 is down.
ReadyInfo gateway_worker_down(std::string service) {
  ReadyInfo in;
  in.services = {std::move(service)};
  in.intentq = true;
  in.gateway = "127.0.0.1:4002";
  in.session_up = false;
  return in;
}

TEST(MdpReady, PlainRfc7Ready) {
  const auto info = parse_ready(frames({"", "MDPW01", "\x01", "echo"}), 3);
  EXPECT_EQ(info.services, std::vector<std::string>{"echo"});
  EXPECT_FALSE(info.intentq);
  EXPECT_FALSE(info.heartbeat_ms);
}

TEST(MdpReady, ExtensionFrames) {
  const auto info = parse_ready(frames({"summary", "positions", "@intentq=1", "@heartbeat=500",
                                        "@nonretryable=place_order", "place_order", "@future=x"}),
                                0);
  EXPECT_EQ(info.services, (std::vector<std::string>{"summary", "positions", "place_order"}));
  EXPECT_TRUE(info.intentq);
  EXPECT_EQ(info.heartbeat_ms, 500u);
  EXPECT_EQ(info.nonretryable, std::vector<std::string>{"place_order"});
  EXPECT_EQ(info.unknown_options, std::vector<std::string>{"@future=x"});
}

TEST(MdpReady, RejectsMalformed) {
  EXPECT_THROW(parse_ready(frames({}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({""}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({std::string(256, 's')}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"@intentq=1"}), 0), MdpError);  // options but no service
  EXPECT_THROW(parse_ready(frames({"a", "@heartbeat=abc"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@heartbeat=0"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@heartbeat=5x"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@nonretryable="}), 0), MdpError);
}

TEST(MdpBuild, ReadyRoundTrips) {
  ReadyInfo in;
  in.services = {"a", "b"};
  in.intentq = true;
  in.heartbeat_ms = 750;
  in.nonretryable = {"b"};
  const auto f = worker_ready(in);
  const auto s = strings(f);
  ASSERT_GE(s.size(), 4u);
  EXPECT_EQ(s[0], "");
  EXPECT_EQ(s[1], "MDPW01");
  EXPECT_EQ(s[2], "\x01");
  const auto out = parse_ready(f, 3);
  EXPECT_EQ(out.services, in.services);
  EXPECT_TRUE(out.intentq);
  EXPECT_EQ(out.heartbeat_ms, 750u);
  EXPECT_EQ(out.nonretryable, in.nonretryable);
}

TEST(MdpBuild, HistoricalServicesAreOneOptionFrameEach) {
  // Issue 19: the worker names each intent of IB's historical pacing class.
  ReadyInfo in;
  in.services = {"historical_bars", "head_timestamp", "quote"};
  in.historical = {"historical_bars", "head_timestamp"};
  const auto s = strings(worker_ready(in));
  EXPECT_EQ(std::count(s.begin(), s.end(), "@historical=historical_bars"), 1);
  EXPECT_EQ(std::count(s.begin(), s.end(), "@historical=head_timestamp"), 1);
  EXPECT_EQ(parse_ready(worker_ready(in), 3).historical, in.historical);
  EXPECT_THROW(parse_ready(frames({"a", "@historical="}), 0), MdpError);
}

// Issue 20: "@cancel=1" in READY, and the broker's "@cancel-job=<id>" on a HEARTBEAT.
TEST(MdpBuild, CancelOptionRoundTripsAndTheCancelIsAHeartbeat) {
  ReadyInfo in;
  in.services = {"a"};
  in.intentq = true;
  in.cancel = true;
  EXPECT_TRUE(parse_ready(worker_ready(in), 3).cancel);
  in.cancel = false;
  EXPECT_FALSE(parse_ready(worker_ready(in), 3).cancel);
  const auto s = strings(worker_cancel("job-7"));
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[1], "MDPW01");
  EXPECT_EQ(s[2], "\x04");
  EXPECT_EQ(s[3], "@cancel-job=job-7");
}

TEST(MdpReady, GatewayOptions) {
  const auto info = parse_ready(
      frames({"summary", "echo", "@intentq=1", "@gateway=gw1:4002", "@session=up", "@budget=45",
              "@cost=summary:6", "@cost=echo:0", "@accounts=DU1,DU2", "@accounts=DU2,U3",
              "@client-id=-1", "@reconnects=2", "@session-age-ms=1234"}),
      0);
  EXPECT_EQ(info.gateway, "gw1:4002");
  EXPECT_EQ(info.session_up, true);
  EXPECT_EQ(info.budget, 45u);
  ASSERT_EQ(info.costs.size(), 2u);
  EXPECT_EQ(info.costs[0], (std::pair<std::string, uint32_t>{"summary", 6}));
  EXPECT_EQ(info.costs[1], (std::pair<std::string, uint32_t>{"echo", 0}));
  EXPECT_EQ(info.accounts, (std::vector<std::string>{"DU1", "DU2", "U3"}));  // deduplicated
  EXPECT_EQ(info.client_id, -1);
  EXPECT_EQ(info.reconnects, 2u);
  EXPECT_EQ(info.session_age_ms, 1234u);
  EXPECT_TRUE(info.unknown_options.empty());
  EXPECT_EQ(parse_ready(frames({"a", "@session=down"}), 0).session_up, false);
}

TEST(MdpReady, RejectsMalformedGatewayOptions) {
  for (const char* bad : {"@gateway=",
                          "@session=maybe",
                          "@session=",
                          "@budget=0",
                          "@budget=-1",
                          "@budget=x",
                          "@budget=1000001",
                          "@cost=summary",
                          "@cost=:6",
                          "@cost=summary:",
                          "@cost=summary:6x",
                          "@cost=summary:-1",
                          "@cost=summary:10001",
                          "@accounts=",
                          "@accounts=A,,B",
                          "@accounts=A,",
                          "@accounts=A B",
                          "@accounts=A\x01",
                          "@client-id=x",
                          "@client-id=99999999999",
                          "@reconnects=-1",
                          "@session-age-ms=1.5"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_ready(frames({"a", bad}), 0), MdpError);
  }
  EXPECT_THROW(parse_ready(frames({"a", "@gateway=" + std::string(256, 'g')}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@gateway=x", "@gateway=y"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@budget=1", "@budget=2"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@cost=a:1", "@cost=a:2"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@accounts=" + std::string(65, 'A')}), 0), MdpError);
  // One option frame is bounded at 1024 bytes; accounts over several frames are bounded in count.
  EXPECT_THROW(parse_ready(frames({"a", "@future=" + std::string(1100, 'x')}), 0), MdpError);
  Frames many = frames({"a"});
  for (int i = 0; i < 200; ++i) {
    std::string list = "@accounts=";
    for (int j = 0; j < 6; ++j) list += (j ? ",U" : "U") + std::to_string(i * 6 + j);
    many.push_back(frame(list));
  }
  EXPECT_THROW(parse_ready(many, 0), MdpError);  // 1200 distinct accounts > 1024
}

TEST(MdpBuild, ReadyRoundTripsGatewayOptions) {
  ReadyInfo in = gateway_worker_down("summary");
  in.budget = 45;
  in.costs = {{"summary", 6}, {"positions", 2}};
  for (int i = 0; i < 300; ++i) in.accounts.push_back("DU" + std::to_string(1000000 + i));
  in.client_id = 7;
  in.reconnects = 3;
  in.session_age_ms = 99;
  const auto out = ready_round_trip(in);  // the accounts split over frames
  EXPECT_EQ(all_fields(out), all_fields(in));
}

// Issue 20: historical-class services, announced once each, round-tripping.
TEST(MdpReady, HistoricalServices) {
  auto info =
      parse_ready(frames({"historical_bars", "head_timestamp", "@historical=historical_bars",
                          "@historical=head_timestamp", "@historical=historical_bars"}),
                  0);
  EXPECT_EQ(info.historical, (std::vector<std::string>{"historical_bars", "head_timestamp"}));
  EXPECT_TRUE(info.unknown_options.empty());
  EXPECT_THROW(parse_ready(frames({"a", "@historical="}), 0), MdpError);
  Frames many = frames({"a"});
  for (int i = 0; i < 300; ++i) many.push_back(frame("@historical=s" + std::to_string(i)));
  EXPECT_THROW(parse_ready(many, 0), MdpError);  // bounded like @waiting
  const auto out = ready_round_trip(info);
  EXPECT_EQ(all_fields(out), all_fields(info));
}

// Issue 18: the worker's name, the intents waiting for its gateway and why its session is down,
// in READY and in a session update riding on a HEARTBEAT.
TEST(MdpBuild, ReadyAndSessionUpdatesCarryNameWaitingAndCause) {
  ReadyInfo in = gateway_worker_down("echo");
  in.name = "host:4711";
  for (int i = 0; i < 120; ++i)
    in.waiting.push_back("intent_with_a_long_name_" + std::to_string(i));
  in.session_error = "cannot connect to the gateway at 127.0.0.1:4002: Connection refused";
  in.session_down_ms = 41000;
  const auto out = ready_round_trip(in);  // the waiting intents split over frames
  EXPECT_EQ(all_fields(out), all_fields(in));
  EXPECT_TRUE(out.unknown_options.empty());

  const auto update = worker_session_update(in);
  EXPECT_EQ(strings(update), (std::vector<std::string>{"", "MDPW01", "\x04", "@session=down",
                                                       "@session-error=" + *in.session_error,
                                                       "@session-down-ms=41000"}))
      << "only the session fields ride on the HEARTBEAT";
  const auto parsed = parse_session_update(update, 3);
  EXPECT_EQ(parsed.session_up, false);
  EXPECT_EQ(parsed.session_error, in.session_error);
  EXPECT_EQ(parsed.session_down_ms, 41000u);
  EXPECT_TRUE(parse_session_update(worker_command(Command::kHeartbeat), 3).session_error ==
              std::nullopt);
  EXPECT_THROW(parse_session_update(frames({"", "MDPW01", "\x04", "echo"}), 3), MdpError);
  EXPECT_THROW(parse_session_update(frames({"", "MDPW01", "\x04", "@session-down-ms=x"}), 3),
               MdpError);
  EXPECT_THROW(parse_ready(frames({"", "MDPW01", "\x01", "echo", "@name=a\tb"}), 3), MdpError);
  EXPECT_THROW(parse_ready(frames({"", "MDPW01", "\x01", "echo", "@waiting=a,"}), 3), MdpError);
}

TEST(MdpBuild, CommandShapes) {
  EXPECT_EQ(strings(worker_command(Command::kHeartbeat)),
            (std::vector<std::string>{"", "MDPW01", "\x04"}));
  EXPECT_EQ(strings(worker_reply("CLIENT", frames({"b1", "b2"}))),
            (std::vector<std::string>{"", "MDPW01", "\x03", "CLIENT", "", "b1", "b2"}));
  EXPECT_EQ(strings(client_request("echo", frames({"x"}))),
            (std::vector<std::string>{"", "MDPC01", "echo", "x"}));
}

TEST(MdpSocket, SendReceiveWholeMessagesAndUnroutablePeers) {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.bind("inproc://mdp-test");
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::routing_id, "D1");
  dealer.connect("inproc://mdp-test");

  Frames out = client_request("echo", frames({"body", ""}));
  ASSERT_EQ(send_frames(dealer, out, false), SendResult::kOk);
  Frames in;
  ASSERT_TRUE(recv_frames(router, in, false));
  EXPECT_EQ(strings(in), (std::vector<std::string>{"D1", "", "MDPC01", "echo", "body", ""}));
  EXPECT_FALSE(recv_frames(router, in));  // nothing more waiting: false, not an exception

  Frames back = frames({"D1", "", "MDPC01", "echo", "reply"});
  ASSERT_EQ(send_frames(router, back), SendResult::kOk);
  ASSERT_TRUE(recv_frames(dealer, in, false));
  EXPECT_EQ(strings(in).back(), "reply");

  Frames nowhere = frames({"NOPE", "", "x"});
  EXPECT_EQ(send_frames(router, nowhere), SendResult::kUnroutable);  // no throw
}

// A ROUTER on inproc plays the broker for the client and worker sockets of common/.
struct FakeBroker {
  zmq::context_t& ctx;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  explicit FakeBroker(zmq::context_t& c, const std::string& endpoint) : ctx(c) {
    router.bind(endpoint);
  }
  std::optional<std::vector<std::string>> next(std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, timeout);
    Frames in;
    if (!recv_frames(router, in)) return std::nullopt;
    return strings(in);
  }
  void send(const std::vector<std::string>& m) {
    auto f = frames(m);
    ASSERT_EQ(send_frames(router, f, false), SendResult::kOk);
  }
};

using namespace std::chrono_literals;

TEST(MdpClient, PipelinesRequestsAndReceivesRepliesInAnyOrder) {
  zmq::context_t ctx;
  FakeBroker broker(ctx, "inproc://mdp-client");
  Client client(ctx, "inproc://mdp-client");
  client.send("echo", std::vector<std::string>{"a"});
  client.send("echo", "b");
  auto first = broker.next(2s), second = broker.next(2s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(std::vector<std::string>(first->begin() + 1, first->end()),
            (std::vector<std::string>{"", "MDPC01", "echo", "a"}));
  EXPECT_EQ(second->back(), "b");
  const auto peer = first->front();
  broker.send({peer, "", "MDPC01", "echo", "reply-b"});
  broker.send({peer, "", "MDPC01", "echo", "reply-a"});
  auto r1 = client.receive(2s), r2 = client.receive(2s);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->service, "echo");
  EXPECT_EQ(r1->body, (std::vector<std::string>{"reply-b"}));
  EXPECT_EQ(r2->body, (std::vector<std::string>{"reply-a"}));
  EXPECT_FALSE(client.receive(20ms));
  broker.send({peer, "", "MDPW01", "x"});  // not a client reply
  EXPECT_THROW(client.receive(2s), MdpError);
}

TEST(MdpClient, LazyPirateResendsTheSameRequestOnAFreshSocket) {
  zmq::context_t ctx;
  FakeBroker broker(ctx, "inproc://mdp-pirate");
  std::vector<std::vector<std::string>> seen;
  std::thread answer_second([&] {
    // Ignores the first try; answers the second with a wrong reply first (rejected by accept),
    // then with one for another service (ignored), then the right one.
    for (int i = 0; i < 2; ++i)
      if (auto m = broker.next(5s)) seen.push_back(*m);
    if (seen.size() != 2) return;
    const auto peer = seen[1].front();
    broker.send({peer, "", "MDPC01", "echo", "wrong"});
    broker.send({peer, "", "MDPC01", "other", "right"});
    broker.send({peer, "", "MDPC01", "echo", "right"});
  });
  int retries = 0;
  const auto reply = request_with_retries(
      ctx, "inproc://mdp-pirate", "echo", {"job-1"}, RetryPolicy{200ms, 2, 10ms, 20ms},
      [](const std::vector<std::string>& body) { return body.at(0) == "right"; },
      [&](int) { ++retries; });
  answer_second.join();
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (std::vector<std::string>{"right"}));
  EXPECT_EQ(retries, 1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0].front(), seen[1].front()) << "each try uses a fresh socket";
  EXPECT_EQ(seen[0].back(), "job-1");
  EXPECT_EQ(seen[1].back(), "job-1") << "the resend is the same request";
  // Nobody answers: nullopt after 1 + retries tries.
  retries = 0;
  EXPECT_FALSE(request_with_retries(ctx, "inproc://mdp-pirate", "echo", {"job-2"},
                                    RetryPolicy{30ms, 2, 1ms, 1ms}, {}, [&](int) { ++retries; }));
  EXPECT_EQ(retries, 2);
}

TEST(MdpWorker, ReadyRequestReplyHeartbeatAndReconnectAfterDisconnect) {
  zmq::context_t ctx;
  FakeBroker broker(ctx, "inproc://mdp-worker");
  WorkerOptions options;
  options.endpoint = "inproc://mdp-worker";
  options.heartbeat = 50ms;
  options.reconnect_min = 40ms;
  Worker worker(ctx, options);
  ReadyInfo ready;
  ready.services = {"echo"};
  ready.intentq = true;
  ready.heartbeat_ms = 50;
  EXPECT_EQ(worker.connect(ready), 6u);
  auto m = broker.next(2s);
  ASSERT_TRUE(m);
  const auto peer = m->front();
  EXPECT_EQ(
      std::vector<std::string>(m->begin() + 1, m->end()),
      (std::vector<std::string>{"", "MDPW01", "\x01", "echo", "@intentq=1", "@heartbeat=50"}));
  EXPECT_EQ(worker.generation(), 1u);

  // A REQUEST with the intentq service frame; the reply goes back to the route.
  broker.send({peer, "", "MDPW01", "\x02", "C1", "", "echo", "body"});
  ASSERT_TRUE(worker.wait(2s));
  auto request = worker.receive();
  ASSERT_TRUE(request);
  EXPECT_EQ(strings(request->route), (std::vector<std::string>{"C1"}));
  EXPECT_EQ(strings(request->body), (std::vector<std::string>{"echo", "body"}));
  worker.reply(std::move(request->route), "done");
  m = broker.next(2s);
  ASSERT_TRUE(m);
  EXPECT_EQ(std::vector<std::string>(m->begin() + 1, m->end()),
            (std::vector<std::string>{"", "MDPW01", "\x03", "C1", "", "done"}));

  // Malformed messages and HEARTBEATs are not requests.
  broker.send({peer, "", "MDPW01", "\x04"});
  broker.send({peer, "junk"});
  ASSERT_TRUE(worker.wait(2s));
  std::this_thread::sleep_for(20ms);  // let the second message arrive too (inproc, same thread)
  EXPECT_FALSE(worker.receive());
  EXPECT_TRUE(worker.connected());

  // Nothing sent for a heartbeat interval: tick() sends a HEARTBEAT.
  std::this_thread::sleep_for(60ms);
  worker.tick(Worker::Clock::now());
  m = broker.next(2s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->back(), "\x04");

  // DISCONNECT from a broker that knew us: an immediate reconnect with a new socket and READY.
  broker.send({peer, "", "MDPW01", "\x05"});
  ASSERT_TRUE(worker.wait(2s));
  EXPECT_FALSE(worker.receive());
  EXPECT_FALSE(worker.connected());
  EXPECT_TRUE(worker.reconnect_due(Worker::Clock::now()));
  worker.connect(ready);
  EXPECT_EQ(worker.generation(), 2u);
  m = broker.next(2s);
  ASSERT_TRUE(m);
  EXPECT_NE(m->front(), peer);
  EXPECT_EQ((*m)[3], "\x01");

  // A silent broker: after liveness x heartbeat the socket is dropped and a reconnect scheduled
  // after the backoff (not at once).
  const auto silent_from = Worker::Clock::now();
  worker.tick(silent_from + 3 * 50ms);
  EXPECT_FALSE(worker.connected());
  EXPECT_FALSE(worker.reconnect_due(Worker::Clock::now()));
  EXPECT_TRUE(worker.reconnect_due(Worker::Clock::now() + 100ms));

  // DISCONNECT from us on the way out (after the READY, and a HEARTBEAT the old socket may still
  // have delivered).
  worker.connect(ready);
  worker.disconnect();
  for (m = broker.next(2s); m && m->back() != "\x05"; m = broker.next(2s)) {
  }
  ASSERT_TRUE(m) << "no DISCONNECT";
  EXPECT_FALSE(worker.connected());
}

}  // namespace
}  // namespace intentq::mdp
