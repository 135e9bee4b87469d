// A TWS API client on a plain blocking socket, for process-level tests of intentq-gwsim: sends
// payloads framed by the codec and reads frames with bounded waits (poll()). No session logic:
// what the test sends is exactly what the simulator receives.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/messages.hpp"
#include "gateway/wire.hpp"

namespace intentq::test {

// A TWS API client on a plain blocking socket; reads are bounded by poll().
class RawClient {
 public:
  enum class Status { kFrame, kEof, kTimeout };
  struct Read {
    Status status;
    std::string payload;
  };

  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect to the simulator failed");
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send_bytes(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send to the simulator failed");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  void send(std::string_view payload) { send_bytes(gw::frame(payload)); }
  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }

  static constexpr std::chrono::milliseconds kWait{5000};  // bound for every single read

  Read next(std::chrono::milliseconds timeout = kWait) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (auto p = frames_.next()) return {Status::kFrame, *p};
      if (eof_) return {Status::kEof, {}};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {Status::kTimeout, {}};
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
      } else {
        frames_.append(buf, static_cast<size_t>(n));
      }
    }
  }
  // The next frame decoded at sv; fails the test on EOF or timeout.
  gw::ServerMessage message(int sv) {
    Read r = next();
    if (r.status != Status::kFrame) {
      throw std::runtime_error(r.status == Status::kEof ? "unexpected EOF" : "timed out");
    }
    return gw::decode_server_message(sv, r.payload);
  }
  // True when the simulator closed the connection (EOF) within the wait, skipping frames.
  bool closed_by_peer(std::vector<std::string>* frames = nullptr) {
    while (true) {
      Read r = next();
      if (r.status == Status::kEof) return true;
      if (r.status == Status::kTimeout) return false;
      if (frames) frames->push_back(r.payload);
    }
  }

  // Handshake; returns the negotiated version (0 when the connection closed instead).
  int handshake(int min_version = 176, int max_version = 200) {
    send_bytes(gw::encode_handshake(min_version, max_version));
    Read r = next();
    if (r.status != Status::kFrame) return 0;
    sv_ = gw::decode_server_version(r.payload).version;
    return sv_;
  }
  // startApi; returns the start-up messages up to the last farm notice (2158), or the refusal.
  std::vector<gw::ServerMessage> start_api(int client_id) {
    send(gw::encode_start_api(sv_, client_id));
    std::vector<gw::ServerMessage> out;
    while (true) {
      out.push_back(message(sv_));
      if (auto* e = std::get_if<gw::ErrorMessage>(&out.back())) {
        if (e->code == 2158 || e->code == 326 || e->code == 502) return out;
      }
    }
  }
  int sv() const { return sv_; }

 private:
  int fd_ = -1;
  gw::FrameReader frames_;
  bool eof_ = false;
  int sv_ = 0;
};

// A client that is through handshake and startApi.
inline std::unique_ptr<RawClient> ready_client(uint16_t port, int client_id) {
  auto c = std::make_unique<RawClient>(port);
  if (c->handshake() == 0) throw std::runtime_error("no handshake answer");
  auto startup = c->start_api(client_id);
  if (std::get<gw::ErrorMessage>(startup.back()).code != 2158) {
    throw std::runtime_error("startApi refused");
  }
  return c;
}

}  // namespace intentq::test
