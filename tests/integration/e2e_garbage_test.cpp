// Garbage on both broker ports with real workers in the loop: raw TCP bytes, malformed MDP from
// valid ZeroMQ peers, bad envelopes. The broker stays up and valid jobs keep flowing, answered ok.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <set>

#include <gtest/gtest.h>

#include "common/mdp.hpp"
#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

int port_of(const std::string& endpoint) {
  return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

// Connects a plain TCP socket and writes random bytes (not even a ZMTP greeting).
void raw_tcp_garbage(int port, std::mt19937& rng, size_t bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string junk(bytes, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)!::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
}

std::string random_bytes(std::mt19937& rng, size_t max) {
  std::string s(rng() % (max + 1), '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(E2eGarbage, BrokerSurvivesGarbageOnBothPortsAndJobsKeepFlowing) {
  Broker broker({"--max-message-bytes", "65536"});
  auto workers = start_workers(broker.endpoints.backend, 2);
  wait_for_service(broker.endpoints.frontend, "echo");

  std::mt19937 rng(12345);
  zmq::context_t context(1);
  const std::string kCmd[] = {std::string(1, '\x01'), std::string(1, '\x02'),
                              std::string(1, '\x03'), std::string(1, '\x04'),
                              std::string(1, '\x05'), std::string(1, '\x7f')};
  JobClient client(broker.endpoints.frontend);
  int jobs = 0;

  for (int round = 0; round < 5; ++round) {
    raw_tcp_garbage(port_of(broker.endpoints.frontend), rng, 4096);
    raw_tcp_garbage(port_of(broker.endpoints.backend), rng, 4096);
    {
      // Malformed worker traffic from a real ZeroMQ peer.
      zmq::socket_t fake_worker(context, zmq::socket_type::dealer);
      fake_worker.set(zmq::sockopt::linger, 200);
      fake_worker.connect(broker.endpoints.backend);
      send_frames(fake_worker, {random_bytes(rng, 64)}, true);
      send_frames(fake_worker, {"", "MDPW01"}, true);
      send_frames(fake_worker, {"", "MDPW01", kCmd[rng() % 6], random_bytes(rng, 32)}, true);
      send_frames(fake_worker, {"", "MDPW01", "\x03", "no-such-job", "", random_bytes(rng, 100)},
                  true);
      send_frames(fake_worker, {"", "MDPW01", "\x01", "mmi.evil"}, true);
      send_frames(fake_worker, {"", "MDPW99", "\x01", "echo"}, true);
      send_frames(fake_worker, {"", "MDPW01", "\x01", "echo", "@heartbeat=banana"}, true);
      send_frames(fake_worker, {"", "MDPW01", "\x01", std::string(70000, 'x')},
                  true);  // > max size
      // Malformed client traffic.
      zmq::socket_t fake_client(context, zmq::socket_type::dealer);
      fake_client.set(zmq::sockopt::linger, 200);
      fake_client.connect(broker.endpoints.frontend);
      send_frames(fake_client, {random_bytes(rng, 64), random_bytes(rng, 64)}, true);
      send_frames(fake_client, {"", "MDPC01"}, true);
      send_frames(fake_client, {"", "MDPC01", "echo", random_bytes(rng, 200)}, true);
      send_frames(fake_client, {"", "MDPC01", "echo", "\x81\xa2id\xc0"}, true);  // id: nil
      send_frames(fake_client, {"", "MDPC01", "", "x"}, true);
      send_frames(fake_client, {"", "MDPC01", "echo", std::string(70000, 'y')}, true);
    }
    // Valid traffic in between.
    for (int i = 0; i < 20; ++i, ++jobs) {
      auto r = make_request("valid-" + std::to_string(jobs), {{"n", jobs}});
      client.send("echo", r);
    }
  }
  // A bad envelope from a real client gets a BAD_REQUEST answer, not silence.
  JobClient picky(broker.endpoints.frontend);
  picky.request("echo", {"\x93\x01\x02\x03"});  // msgpack array
  auto bad = picky.receive(5s);
  ASSERT_TRUE(bad) << "no answer to a malformed envelope";
  ASSERT_FALSE(bad->second.ok);
  EXPECT_EQ(bad->second.error->code, ErrorCode::kBadRequest);

  std::set<std::string> answered;
  for (int i = 0; i < jobs; ++i) {
    auto r = client.receive(10s);
    ASSERT_TRUE(r) << "valid job lost; " << answered.size() << " answered";
    ASSERT_TRUE(r->second.ok) << r->second.id << ": " << r->second.error->message;
    EXPECT_TRUE(answered.insert(r->second.id).second) << "duplicate " << r->second.id;
  }
  EXPECT_EQ(answered.size(), size_t(jobs));
  EXPECT_TRUE(broker.process->running()) << broker.process->output_text();
  for (auto& w : workers) EXPECT_TRUE(w->running()) << w->output_text();
  // And still serving after the storm.
  auto last = make_request("after-garbage");
  EXPECT_TRUE(submit(broker.endpoints.frontend, "echo", last).ok);
}

}  // namespace
}  // namespace intentq::e2e
