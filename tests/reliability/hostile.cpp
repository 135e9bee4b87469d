#include "tests/reliability/hostile.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "tests/support/e2e_cluster.hpp"

namespace intentq::reliability {
namespace {

using namespace std::chrono_literals;

std::string random_bytes(std::mt19937& rng, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(len(rng), '\0');
  for (auto& c : s) c = static_cast<char>(byte(rng));
  return s;
}

// A service name no valid client uses ("junk-..."), sometimes with hostile characters.
std::string junk_name(std::mt19937& rng) {
  static const std::vector<std::string> odd = {"\xff\xfe", "junk.ok", "mmi.junk",
                                               "",         "a b",     std::string(300, 'x')};
  if (rng() % 4 == 0) return odd[rng() % odd.size()];
  return "junk-" + std::to_string(rng() % 100000);
}

void tcp_garbage(const std::string& endpoint, const std::atomic<bool>& stop, uint64_t& count) {
  // "tcp://127.0.0.1:PORT"
  auto colon = endpoint.rfind(':');
  std::string host = endpoint.substr(6, colon - 6);
  int port = std::stoi(endpoint.substr(colon + 1));
  std::mt19937 rng(std::random_device{}());
  while (!stop) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      std::string junk = random_bytes(rng, 65536);
      if (rng() % 2) junk.insert(0, std::string("\xff\0\0\0\0\0\0\0\x01\x7f", 10));  // ZMTP-ish
      (void)!::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ++count;
    }
    if (fd >= 0) ::close(fd);
    std::this_thread::sleep_for(20ms);
  }
}

using Frames = std::vector<std::string>;

// Sends messages made by `junk` from DEALER sockets at `endpoint` until `stop`, about one a
// millisecond, a fresh socket (a new identity, so a new peer to the broker) every `per_socket`
// messages. Malformed on purpose, so raw frames; at the high-water mark they are dropped (we are
// not a real peer).
void junk_peer(const std::string& endpoint, int per_socket,
               const std::function<Frames(std::mt19937&)>& junk, const std::atomic<bool>& stop,
               uint64_t& count) {
  zmq::context_t ctx(1);
  std::mt19937 rng(std::random_device{}());
  while (!stop) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.connect(endpoint);
    for (int i = 0; i < per_socket && !stop; ++i, ++count) {
      e2e::send_frames(s, junk(rng), true);
      // Drain what the broker answers so its queue towards us never fills.
      zmq::message_t m;
      while (s.recv(m, zmq::recv_flags::dontwait)) {
      }
      std::this_thread::sleep_for(1ms);
    }
  }
}

// A malformed client message for the frontend.
Frames client_junk(std::mt19937& rng) {
  switch (rng() % 6) {
    case 0:  // frames of random bytes
      return {random_bytes(rng, 64), random_bytes(rng, 512)};
    case 1:  // a request to a junk service with a junk body
      return {"", "MDPC01", junk_name(rng), random_bytes(rng, 256)};
    case 2:  // echo with a body that is not msgpack (or not a map)
      return {"", "MDPC01", "echo", random_bytes(rng, 128)};
    case 3:  // the wrong protocol header
      return {"", "MDPW01", "echo", "x"};
    case 4:  // mmi with garbage
      return {"", "MDPC01", "mmi." + random_bytes(rng, 8)};
    default:  // an empty message
      return {""};
  }
}

// A junk worker message for the backend.
Frames worker_junk(std::mt19937& rng) {
  switch (rng() % 6) {
    case 0: {  // READY for several junk services (then the socket may vanish at once)
      Frames f{"", "MDPW01", "\x01"};
      for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k) f.push_back(junk_name(rng));
      return f;
    }
    case 1:  // READY with absurd extension frames
      return {"",
              "MDPW01",
              "\x01",
              junk_name(rng),
              "@heartbeat=4000000000",
              "@nonretryable=" + junk_name(rng),
              "@intentq"};
    case 2:  // a REPLY for a client that does not exist
      return {"", "MDPW01", "\x03", random_bytes(rng, 16), "", random_bytes(rng, 64)};
    case 3:  // heartbeat / disconnect from a stranger
      return {"", "MDPW01", rng() % 2 ? "\x04" : "\x05"};
    case 4:  // an unknown command
      return {"", "MDPW01", random_bytes(rng, 2), random_bytes(rng, 32)};
    default:  // not MDP at all
      return {random_bytes(rng, 32)};
  }
}

}  // namespace

HostileCounts run_hostile(const std::string& frontend, const std::string& backend,
                          const std::atomic<bool>& stop) {
  HostileCounts c;
  uint64_t tcp_front = 0, tcp_back = 0;
  std::vector<std::thread> threads;
  threads.emplace_back([&] { tcp_garbage(frontend, stop, tcp_front); });
  threads.emplace_back([&] { tcp_garbage(backend, stop, tcp_back); });
  // Clients: a fresh socket every 500 messages; workers: every 20, each a new "worker".
  threads.emplace_back([&] { junk_peer(frontend, 500, client_junk, stop, c.frontend_messages); });
  threads.emplace_back([&] { junk_peer(backend, 20, worker_junk, stop, c.backend_messages); });
  for (auto& t : threads) t.join();
  c.tcp_connections = tcp_front + tcp_back;
  return c;
}

}  // namespace intentq::reliability
