#include "tests/reliability/raw_zmtp.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace intentq::reliability {

RawZmtp::RawZmtp(const std::string& endpoint, std::string_view socket_type) {
  const auto colon = endpoint.rfind(':');
  if (endpoint.rfind("tcp://", 0) != 0 || colon == std::string::npos)
    throw std::runtime_error("not a tcp endpoint: " + endpoint);
  const std::string host = endpoint.substr(6, colon - 6), port = endpoint.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    throw std::runtime_error("cannot resolve " + endpoint);
  fd_ = socket(found->ai_family, SOCK_STREAM, 0);
  const bool ok = fd_ >= 0 && connect(fd_, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!ok) {
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error("cannot connect to " + endpoint);
  }
  timeval tv{2, 0};  // a peer that stops reading must not hang the attack past its end
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Greeting: signature, version 3.0, mechanism NULL, as-server 0, filler (64 bytes).
  std::string greeting("\xff\0\0\0\0\0\0\0\x01\x7f\x03\x00", 12);
  greeting += std::string("NULL") + std::string(16, '\0');
  greeting += std::string(1 + 31, '\0');
  // READY command with the Socket-Type property.
  std::string ready("\x05READY\x0bSocket-Type", 18);
  ready += std::string("\0\0\0", 3) + static_cast<char>(socket_type.size());
  ready += socket_type;
  std::string command("\x04", 1);
  command += static_cast<char>(ready.size());
  command += ready;
  if (!write_all(greeting + command)) throw std::runtime_error("handshake refused: " + endpoint);
  // The peer's greeting and READY: a frame sent before them is a protocol error to libzmq while
  // it still waits for its ZAP handler's answer, and it closes the connection.
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  auto need = [&](size_t n) {
    char buf[256];
    while (got.size() < n) {
      const auto r = recv(fd_, buf, std::min(sizeof buf, n - got.size()), 0);
      if (r <= 0) return false;
      got.append(buf, static_cast<size_t>(r));
    }
    return true;
  };
  if (!need(64 + 2) || (got[64] & 0x04) == 0 || (got[64] & 0x02) != 0 ||
      !need(66 + static_cast<unsigned char>(got[65]))) {
    close(fd_);
    throw std::runtime_error("no handshake from " + endpoint);
  }
}

RawZmtp::~RawZmtp() {
  if (fd_ >= 0) close(fd_);
}

bool RawZmtp::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawZmtp::frame(std::string_view body, bool more) {
  std::string out;
  if (body.size() < 256) {
    out += static_cast<char>(more ? 0x01 : 0x00);
    out += static_cast<char>(body.size());
  } else {
    out += static_cast<char>(more ? 0x03 : 0x02);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((uint64_t{body.size()} >> shift) & 0xff);
  }
  out += body;
  return write_all(out);
}

bool RawZmtp::long_frame(uint64_t size, std::string_view prefix, char fill, bool more) {
  std::string header(1, static_cast<char>(more ? 0x03 : 0x02));
  for (int shift = 56; shift >= 0; shift -= 8) header += static_cast<char>((size >> shift) & 0xff);
  prefix = prefix.substr(0, size);
  header += prefix;
  size -= prefix.size();
  if (!write_all(header)) return false;
  const std::string chunk(64 * 1024, fill);
  while (size > 0) {
    const auto n = std::min<uint64_t>(size, chunk.size());
    if (!write_all(std::string_view(chunk).substr(0, n))) return false;
    size -= n;
  }
  return true;
}

}  // namespace intentq::reliability
