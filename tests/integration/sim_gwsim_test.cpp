// Process-level tests of build/bin/intentq-gwsim: version negotiation, clientId rules, the client
// limit, faults, latency, pacing, malformed input and clean shutdown. Each test starts its own
// simulator on a free port and talks to it over a plain socket with the codec.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/wire.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/gwsim_stats.hpp"
#include "tests/support/process.hpp"
#include "tests/support/raw_tws_client.hpp"

namespace intentq::sim {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::RawClient;
constexpr auto kWait = 5s;  // bound for every single read
using test::ready_client;

using Sim = test::GwsimProcess;

Sim start_sim(std::vector<std::string> args) {
  return test::start_gwsim(test::Launch{std::move(args), {}, {}, "", 10s});
}

int error_code(const gw::ServerMessage& m) {
  auto* e = std::get_if<gw::ErrorMessage>(&m);
  return e ? e->code : 0;
}

std::string temp_file(const std::string& name, const std::string& text) {
  auto path =
      std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << text;
  return path.string();
}

TEST(SimGwsim, NegotiatesMinOfClientMaxAndOurs) {
  Sim sim = start_sim({"--log-level", "warn"});
  EXPECT_EQ(RawClient(sim.port).handshake(176, 200), 200);
  EXPECT_EQ(RawClient(sim.port).handshake(100, 193), 193);
  EXPECT_EQ(RawClient(sim.port).handshake(176, 176), 176);
  EXPECT_EQ(RawClient(sim.port).handshake(100, 225), 200);
  // A client that cannot reach 176 is dropped without an answer.
  RawClient old(sim.port);
  EXPECT_EQ(old.handshake(100, 175), 0);
  EXPECT_TRUE(old.closed_by_peer());

  Sim older = start_sim({"--log-level", "warn", "--max-version", "186"});
  EXPECT_EQ(RawClient(older.port).handshake(176, 200), 186);
  EXPECT_EQ(RawClient(older.port).handshake(100, 180), 180);
}

TEST(SimGwsim, StartupBurstAndDefaultScenario) {
  Sim sim = start_sim({"--log-level", "warn"});
  RawClient c(sim.port);
  ASSERT_EQ(c.handshake(), 200);
  auto startup = c.start_api(1);
  ASSERT_EQ(startup.size(), 5u);
  EXPECT_EQ(std::get<gw::ManagedAccounts>(startup[0]).accounts,
            (std::vector<std::string>{"DU1000001", "DU1000002"}));
  EXPECT_EQ(std::get<gw::NextValidId>(startup[1]).order_id, 1001);
  EXPECT_EQ(error_code(startup[2]), 2104);
  EXPECT_EQ(error_code(startup[3]), 2106);

  c.send(gw::encode_req_positions(200));
  int positions = 0;
  while (std::holds_alternative<gw::PositionMsg>(c.message(200))) ++positions;
  EXPECT_EQ(positions, 5);

  auto before = std::chrono::system_clock::now();
  c.send(gw::encode_req_current_time(200));
  auto t = std::get<gw::CurrentTime>(c.message(200)).epoch_seconds;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
  EXPECT_LE(std::abs(t - now_s), 5);
}

TEST(SimGwsim, UnknownRequestsAndCancelsAreIgnored) {
  Sim sim = start_sim({"--log-level", "warn"});
  auto c = ready_client(sim.port, 1);
  c->send(
      std::string("8\0"
                  "1\0"
                  "1\0",
                  6));  // reqIds: not simulated
  c->send(gw::encode_cancel_positions(200));
  c->send(gw::encode_cancel_account_summary(200, 5));
  c->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(c->message(200)));
}

TEST(SimGwsim, AHalfClosedClientStillGetsItsAnswers) {
  Sim sim = start_sim({"--log-level", "warn"});
  auto c = ready_client(sim.port, 1);
  c->send(gw::encode_req_positions(200));
  c->shutdown_send();
  std::vector<std::string> frames;
  EXPECT_TRUE(c->closed_by_peer(&frames));
  ASSERT_EQ(frames.size(), 6u);  // 5 positions + positionEnd, then EOF
  EXPECT_TRUE(
      std::holds_alternative<gw::PositionEnd>(gw::decode_server_message(200, frames.back())));
}

TEST(SimGwsim, DuplicateClientIdGets326AndTheFirstKeepsWorking) {
  Sim sim = start_sim({"--log-level", "warn"});
  auto first = ready_client(sim.port, 5);
  RawClient second(sim.port);
  ASSERT_EQ(second.handshake(), 200);
  auto answer = second.start_api(5);
  ASSERT_EQ(answer.size(), 1u);
  const auto& e = std::get<gw::ErrorMessage>(answer[0]);
  EXPECT_EQ(e.code, 326);
  EXPECT_EQ(e.id, -1);
  EXPECT_EQ(e.message,
            "Unable to connect as the client id is already in use. Retry with a unique client id.");
  EXPECT_TRUE(second.closed_by_peer());

  first->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(first->message(200)));
  // Once the first client leaves, its clientId is free again (the server may need a moment to
  // see the EOF, so a refusal is retried within the bound).
  first.reset();
  auto deadline = Clock::now() + kWait;
  bool admitted = false;
  while (!admitted && Clock::now() < deadline) {
    RawClient again(sim.port);
    again.handshake();
    admitted = error_code(again.start_api(5).back()) == 2158;
  }
  EXPECT_TRUE(admitted);
}

TEST(SimGwsim, The33rdClientIsRefused) {
  Sim sim = start_sim({"--log-level", "warn"});
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int id = 0; id < 32; ++id) clients.push_back(ready_client(sim.port, 100 + id));
  RawClient extra(sim.port);
  ASSERT_EQ(extra.handshake(), 200);
  auto answer = extra.start_api(999);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(error_code(answer[0]), 502);
  EXPECT_NE(std::get<gw::ErrorMessage>(answer[0]).message.find("(32)"), std::string::npos);
  EXPECT_TRUE(extra.closed_by_peer());
  // The 32 are unaffected.
  clients.back()->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(clients.back()->message(200)));
}

TEST(SimGwsim, MalformedInputClosesOnlyThatClient) {
  Sim sim = start_sim({"--log-level", "error"});
  {
    RawClient http(sim.port);
    http.send_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(http.closed_by_peer());
  }
  {
    RawClient zero(sim.port);
    ASSERT_EQ(zero.handshake(), 200);
    zero.send_bytes(std::string("\0\0\0\0", 4));  // a frame of length 0
    EXPECT_TRUE(zero.closed_by_peer());
  }
  {
    RawClient huge(sim.port);
    ASSERT_EQ(huge.handshake(), 200);
    huge.send_bytes("\x7f\xff\xff\xff");  // length above 16 MiB
    EXPECT_TRUE(huge.closed_by_peer());
  }
  {
    auto c = ready_client(sim.port, 1);
    c->send(std::string("abc\0", 4));  // non-numeric message id
    EXPECT_TRUE(c->closed_by_peer());
  }
  {
    auto c = ready_client(sim.port, 2);
    c->send(
        std::string("9\0"
                    "8\0",
                    4));  // reqContractDetails cut short
    EXPECT_TRUE(c->closed_by_peer());
  }
  {
    RawClient early(sim.port);
    ASSERT_EQ(early.handshake(), 200);
    early.send(gw::encode_req_positions(200));  // before startApi
    EXPECT_TRUE(early.closed_by_peer());
  }
  auto good = ready_client(sim.port, 1);
  good->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(good->message(200)));
}

TEST(SimGwsim, RandomInputNeverCrashesTheSimulator) {
  // Per-connection pacing: with the combined budget the random clients would use up the good
  // client's budget too (which is what a real gateway does).
  Sim sim = start_sim({"--log-level", "off", "--pacing", "per-connection"});
  std::mt19937 rng(12345);  // fixed seed: a failure is reproducible
  auto random_bytes = [&](size_t n) {
    std::string b(n, '\0');
    for (auto& ch : b) ch = static_cast<char>(rng() & 0xff);
    return b;
  };
  for (int round = 0; round < 150; ++round) {
    RawClient c(sim.port);
    try {
      if (round % 3 == 0) {
        c.send_bytes(random_bytes(1 + rng() % 64));  // not even a handshake
      } else {
        c.send_bytes(gw::encode_handshake(176, 200));
        if (round % 3 == 2) c.send(gw::encode_start_api(200, 1000 + round));
        // Frames with random payloads: random ids, random fields, random lengths.
        for (int i = 0; i < 5; ++i) {
          std::string payload =
              std::to_string(rng() % 80) + std::string(1, '\0') + random_bytes(rng() % 40);
          c.send_bytes(gw::frame(payload));
        }
      }
      c.shutdown_send();
    } catch (const std::runtime_error&) {
      // The simulator closed this connection while we were still sending: fine.
    }
    EXPECT_TRUE(c.closed_by_peer()) << "round " << round;
  }
  ASSERT_TRUE(sim.process->running()) << sim.process->output_text();
  auto good = ready_client(sim.port, 1);
  good->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(good->message(200)));
}

TEST(SimGwsim, FaultRefuse) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "refuse"});
  RawClient c(sim.port);
  c.send_bytes(gw::encode_handshake(176, 200));
  std::vector<std::string> frames;
  EXPECT_TRUE(c.closed_by_peer(&frames));
  EXPECT_TRUE(frames.empty());
}

TEST(SimGwsim, FaultCloseAfterHandshake) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "close-after-handshake"});
  RawClient c(sim.port);
  EXPECT_EQ(c.handshake(), 200);
  c.send(gw::encode_start_api(200, 1));
  std::vector<std::string> frames;
  EXPECT_TRUE(c.closed_by_peer(&frames));
  EXPECT_TRUE(frames.empty()) << "nothing may follow the server version";
}

TEST(SimGwsim, FaultCloseMidAnswer) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "close-mid-answer"});
  auto c = ready_client(sim.port, 1);
  c->send(gw::encode_req_positions(200));
  EXPECT_TRUE(std::holds_alternative<gw::PositionMsg>(c->message(200)));
  std::vector<std::string> rest;
  EXPECT_TRUE(c->closed_by_peer(&rest));
  EXPECT_TRUE(rest.empty()) << "only the first position may arrive";
  // The clientId is free as soon as the simulator closes, even though this client has not
  // closed its socket yet: an immediate reconnect is admitted.
  EXPECT_NO_THROW(ready_client(sim.port, 1));
}

TEST(SimGwsim, FaultGarbage) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "garbage"});
  auto c = ready_client(sim.port, 1);
  c->send(gw::encode_req_positions(200));
  EXPECT_TRUE(std::holds_alternative<gw::PositionMsg>(c->message(200)));
  auto bad = c->next();
  ASSERT_EQ(bad.status, RawClient::Status::kFrame);
  EXPECT_THROW(gw::decode_server_message(200, bad.payload), gw::CodecError);
  // The rest of the answer follows the garbage.
  int positions = 1;
  while (std::holds_alternative<gw::PositionMsg>(c->message(200))) ++positions;
  EXPECT_EQ(positions, 5);
}

TEST(SimGwsim, FaultSilence) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "silence"});
  auto c = ready_client(sim.port, 1);  // the start-up burst still arrives
  c->send(gw::encode_req_current_time(200));
  c->send(gw::encode_req_positions(200));
  EXPECT_EQ(c->next(500ms).status, RawClient::Status::kTimeout);
}

TEST(SimGwsim, LatencyFromCliAndPerRequestFromScenario) {
  Sim sim = start_sim({"--log-level", "warn", "--latency-ms", "300"});
  auto c = ready_client(sim.port, 1);
  auto t0 = Clock::now();
  c->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(c->message(200)));
  EXPECT_GE(Clock::now() - t0, 300ms);

  std::string path = temp_file("intentq-sim-latency", R"({"accounts": ["DU1"],
      "latency_ms": {"default": 0, "positions": 1500}})");
  Sim slow = start_sim({"--log-level", "warn", "--scenario", path});
  auto d = ready_client(slow.port, 1);
  t0 = Clock::now();
  d->send(gw::encode_req_positions(200));
  d->send(gw::encode_req_current_time(200));
  // The fast answer overtakes the slow one, as on a real gateway.
  EXPECT_TRUE(std::holds_alternative<gw::CurrentTime>(d->message(200)));
  EXPECT_LT(Clock::now() - t0, 1500ms);
  EXPECT_TRUE(std::holds_alternative<gw::PositionEnd>(d->message(200)));
  EXPECT_GE(Clock::now() - t0, 1500ms);
  std::filesystem::remove(path);
}

TEST(SimGwsim, PerConnectionPacingViolationGetsError100ThenDisconnect) {
  Sim sim = start_sim({"--log-level", "error", "--pacing", "per-connection"});
  RawClient c(sim.port);
  ASSERT_EQ(c.handshake(), 200);
  // startApi and 120 requests in one write, so all of them fall into one second.
  std::string burst = gw::frame(gw::encode_start_api(200, 1));
  for (int i = 0; i < 120; ++i) burst += gw::frame(gw::encode_req_current_time(200));
  c.send_bytes(burst);
  int times = 0;
  std::vector<gw::ErrorMessage> pacing;
  while (true) {
    auto r = c.next();
    ASSERT_NE(r.status, RawClient::Status::kTimeout);
    if (r.status == RawClient::Status::kEof) break;
    auto m = gw::decode_server_message(200, r.payload);
    if (std::holds_alternative<gw::CurrentTime>(m)) ++times;
    auto* e = std::get_if<gw::ErrorMessage>(&m);
    if (e && e->code < 2100) pacing.push_back(*e);
  }
  // startApi is the first message of the window: 49 requests pass, the 51st message gets error
  // 100, and so does every one up to the 101st, after which the connection is closed.
  EXPECT_EQ(times, 49);
  ASSERT_EQ(pacing.size(), 51u);
  EXPECT_EQ(pacing.front().code, 100);
  EXPECT_EQ(pacing.front().id, -1);
  EXPECT_EQ(pacing.front().message,
            "Max rate of messages per second has been exceeded:max=50 rec=51");
  EXPECT_EQ(pacing.back().message,
            "Max rate of messages per second has been exceeded:max=50 rec=101");
}

// Reads frames until `n` of the predicate's kind arrived; returns every frame decoded.
std::vector<gw::ServerMessage> read_until(RawClient& c, int n,
                                          bool (*counts)(const gw::ServerMessage&)) {
  std::vector<gw::ServerMessage> out;
  int seen = 0;
  while (seen < n) {
    out.push_back(c.message(c.sv()));
    if (counts(out.back())) ++seen;
  }
  return out;
}
bool is_time(const gw::ServerMessage& m) {
  return std::holds_alternative<gw::CurrentTime>(m);
}
bool is_pacing(const gw::ServerMessage& m) {
  return error_code(m) == 100;
}

TEST(SimGwsim, CombinedPacingIsOneBudgetForAllClients) {
  Sim sim = start_sim({"--log-level", "error", "--msg-rate", "50"});
  auto t0 = Clock::now();
  auto a = ready_client(sim.port, 1);  // startApi: 1 message each
  auto b = ready_client(sim.port, 2);
  std::string burst;
  for (int i = 0; i < 30; ++i) burst += gw::frame(gw::encode_req_current_time(200));
  a->send_bytes(burst);
  read_until(*a, 30, is_time);
  // 32 of the 50 are used: of b's 25, 18 are served and 7 refused with error 100, although b
  // alone sent far fewer than 50.
  burst.clear();
  for (int i = 0; i < 25; ++i) burst += gw::frame(gw::encode_req_current_time(200));
  b->send_bytes(burst);
  auto got =
      read_until(*b, 25, [](const gw::ServerMessage& m) { return is_time(m) || is_pacing(m); });
  int times = 0, refused = 0;
  for (auto& m : got) {
    times += is_time(m);
    refused += is_pacing(m);
  }
  ASSERT_LT(Clock::now() - t0, 900ms) << "the machine is too slow for a one-second window test";
  EXPECT_EQ(times, 18);
  EXPECT_EQ(refused, 7);
  auto first = std::find_if(got.begin(), got.end(), is_pacing);
  EXPECT_EQ(std::get<gw::ErrorMessage>(*first).message,
            "Max rate of messages per second has been exceeded:max=50 rec=51");
  // 7 refusals are within the tolerance (10 per second); 4 more make 11: b is disconnected,
  // a is not.
  burst.clear();
  for (int i = 0; i < 4; ++i) burst += gw::frame(gw::encode_req_current_time(200));
  b->send_bytes(burst);
  std::vector<std::string> frames;
  EXPECT_TRUE(b->closed_by_peer(&frames));
  EXPECT_EQ(frames.size(), 4u);
  EXPECT_EQ(a->next(300ms).status, RawClient::Status::kTimeout);

  auto stats = test::read_gwsim_stats(*sim.process);
  EXPECT_EQ(stats.connections, 2u);
  EXPECT_EQ(stats.requests_of("startApi"), 2u);
  EXPECT_EQ(stats.requests_of("reqCurrentTime"), 59u);
  EXPECT_EQ(stats.requests_total, 61u);
  EXPECT_EQ(stats.pacing_errors, 11u);
  EXPECT_EQ(stats.pacing_disconnects, 1u);
  EXPECT_EQ(stats.clients_now, 1u);
}

TEST(SimGwsim, PacingOffServesEverything) {
  Sim sim = start_sim({"--log-level", "error", "--pacing", "off"});
  auto c = ready_client(sim.port, 1);
  std::string burst;
  for (int i = 0; i < 200; ++i) burst += gw::frame(gw::encode_req_current_time(200));
  c->send_bytes(burst);
  auto got = read_until(*c, 200, is_time);
  EXPECT_EQ(got.size(), 200u);
  EXPECT_EQ(test::read_gwsim_stats(*sim.process).pacing_errors, 0u);
}

TEST(SimGwsim, StatsOnSigusr1AndAtExit) {
  Sim sim = start_sim({"--log-level", "warn"});
  auto s0 = test::read_gwsim_stats(*sim.process);
  EXPECT_EQ(s0.connections, 0u);
  EXPECT_EQ(s0.requests_total, 0u);
  EXPECT_EQ(s0.clients_now, 0u);
  {
    auto c = ready_client(sim.port, 7);
    c->send(gw::encode_req_positions(200));
    c->send(gw::encode_cancel_positions(200));
    while (!std::holds_alternative<gw::PositionEnd>(c->message(200))) {
    }
    auto d = ready_client(sim.port, 8);
    auto s1 = test::read_gwsim_stats(*sim.process);
    EXPECT_EQ(s1.connections, 2u);
    EXPECT_EQ(s1.clients_now, 2u);
    EXPECT_EQ(s1.requests_of("startApi"), 2u);
    EXPECT_EQ(s1.requests_of("reqPositions"), 1u);
    EXPECT_EQ(s1.requests_of("cancelPositions"), 1u);
    EXPECT_EQ(s1.requests_total, 4u);
  }
  sim.process->signal(SIGTERM);
  ASSERT_TRUE(sim.process->wait_exit(kWait).has_value());
  auto last = test::last_gwsim_stats(*sim.process);
  ASSERT_TRUE(last.has_value()) << sim.process->output_text();
  EXPECT_EQ(last->connections, 2u);
  EXPECT_EQ(last->requests_total, 4u);
}

TEST(SimGwsim, HandshakeLatency) {
  // Default: the per-answer latency.
  Sim sim = start_sim({"--log-level", "warn", "--latency-ms", "300"});
  RawClient c(sim.port);
  auto t0 = Clock::now();
  ASSERT_EQ(c.handshake(), 200);
  EXPECT_GE(Clock::now() - t0, 300ms);
  // Its own value, independent of the answers' latency.
  Sim fast = start_sim({"--log-level", "warn", "--handshake-latency-ms", "400"});
  auto d = std::make_unique<RawClient>(fast.port);
  t0 = Clock::now();
  ASSERT_EQ(d->handshake(), 200);
  EXPECT_GE(Clock::now() - t0, 400ms);
  d->start_api(1);
  t0 = Clock::now();
  d->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(is_time(d->message(200)));
  EXPECT_LT(Clock::now() - t0, 300ms);
}

TEST(SimGwsim, TwoSimulatorsWithDisjointAccountsSideBySide) {
  Sim one = start_sim({"--log-level", "warn"});
  Sim two = start_sim({"--log-level", "warn", "--scenario",
                       std::string(INTENTQ_SOURCE_DIR) + "/sim/scenarios/second-gateway.json"});
  ASSERT_NE(one.port, two.port);
  auto accounts = [](uint16_t port) {
    RawClient c(port);
    c.handshake();
    return std::get<gw::ManagedAccounts>(c.start_api(1).front()).accounts;
  };
  EXPECT_EQ(accounts(one.port), (std::vector<std::string>{"DU1000001", "DU1000002"}));
  EXPECT_EQ(accounts(two.port), (std::vector<std::string>{"DU2000001", "DU2000002"}));
  // Budgets are separate too: each counted only its own client.
  EXPECT_EQ(test::read_gwsim_stats(*one.process).requests_total, 1u);
  EXPECT_EQ(test::read_gwsim_stats(*two.process).requests_total, 1u);
}

TEST(SimGwsim, FaultPositionsNoEndIsBoundedByBytes) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "positions-no-end", "--flood-bytes",
                       "200000", "--flood-seconds", "60"});
  auto c = ready_client(sim.port, 1);
  c->send(gw::encode_req_positions(200));
  size_t positions = 0, bytes = 0;
  while (true) {
    auto r = c->next(1500ms);
    if (r.status != RawClient::Status::kFrame) {
      EXPECT_EQ(r.status, RawClient::Status::kTimeout);  // the flood stopped; the link stays
      break;
    }
    auto m = gw::decode_server_message(200, r.payload);
    ASSERT_FALSE(std::holds_alternative<gw::PositionEnd>(m));
    ASSERT_TRUE(std::holds_alternative<gw::PositionMsg>(m));
    ++positions;
    bytes += r.payload.size() + 4;
  }
  EXPECT_GT(positions, 1000u);  // "forever" for any client that holds them all
  EXPECT_GE(bytes, 200000u);
  EXPECT_LT(bytes, 200000u + 1000u);  // the bound: at most one frame over
  // The connection still answers other requests.
  c->send(gw::encode_req_current_time(200));
  EXPECT_TRUE(is_time(c->message(200)));
}

TEST(SimGwsim, FaultErrorFloodIsBoundedByTime) {
  Sim sim = start_sim({"--log-level", "warn", "--fault", "error-flood", "--flood-seconds", "1"});
  auto c = ready_client(sim.port, 1);
  auto t0 = Clock::now();
  c->send(gw::encode_req_current_time(200));
  size_t errors = 0, times = 0;
  while (true) {
    auto r = c->next(1500ms);
    if (r.status != RawClient::Status::kFrame) break;
    auto m = gw::decode_server_message(200, r.payload);
    if (error_code(m) == 300) ++errors;
    if (is_time(m)) ++times;
  }
  auto took = Clock::now() - t0;
  EXPECT_EQ(times, 1u);  // the request itself is answered amid the flood
  EXPECT_GT(errors, 1000u);
  EXPECT_LT(took, 1s + 1500ms + 2s);  // one second of flood, the idle wait, a margin
}

TEST(SimGwsim, FaultCycleTurnsFaultsOnAndOff) {
  // Phases of 600 ms: no fault, refuse, no fault, refuse, ...
  Sim sim = start_sim({"--log-level", "warn", "--fault", "refuse", "--fault-cycle-ms", "600"});
  auto refused = [&] {
    RawClient c(sim.port);
    return c.handshake() == 0;
  };
  auto wait_for = [&](bool want) {
    auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
      if (refused() == want) return true;
      std::this_thread::sleep_for(50ms);  // probing rate, not synchronisation
    }
    return false;
  };
  EXPECT_TRUE(wait_for(true)) << "refuse phase never came";
  EXPECT_TRUE(wait_for(false)) << "the fault-free phase never came back";
  EXPECT_TRUE(wait_for(true)) << "refuse phase did not come again";
}

TEST(SimGwsim, SigtermExitsCleanly) {
  Sim sim = start_sim({"--log-level", "warn"});
  auto c = ready_client(sim.port, 1);
  sim.process->signal(SIGTERM);
  auto status = sim.process->wait_exit(kWait);
  ASSERT_TRUE(status.has_value()) << "simulator did not exit on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_TRUE(c->closed_by_peer());
}

TEST(SimGwsim, BadScenarioOrOptionExitsWithAClearMessage) {
  std::string path = temp_file("intentq-sim-bad", R"({"accounts": ["DU1"], "positions": [{}]})");
  test::Process p(
      {test::bin_dir() + "/intentq-gwsim", "--listen", "127.0.0.1:0", "--scenario", path});
  p.expect_line(std::regex(R"(bad scenario: .*positions\[0\]\.account: missing)"), kWait);
  auto status = p.wait_exit(kWait);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  std::filesystem::remove(path);

  test::Process q(
      {test::bin_dir() + "/intentq-gwsim", "--listen", "127.0.0.1:0", "--fault", "boom"});
  q.expect_line(std::regex("unknown fault 'boom'"), kWait);
  status = q.wait_exit(kWait);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace intentq::sim
