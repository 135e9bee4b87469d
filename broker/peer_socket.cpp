#include "broker/peer_socket.hpp"

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace intentq::broker {

int source_fd(const zmq::message_t& m) {
  return zmq_msg_get(const_cast<zmq_msg_t*>(m.handle()), ZMQ_SRCFD);
}

std::optional<int> local_port(int fd) {
  if (fd < 0) return std::nullopt;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return std::nullopt;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return std::nullopt;
}

std::optional<uint64_t> kernel_taken(int fd) {
  if (fd < 0) return std::nullopt;
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
      len < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
    return std::nullopt;
  int queued = 0;  // sent but not yet acknowledged, and not yet sent
  if (ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return std::nullopt;
  return info.tcpi_bytes_acked + static_cast<uint64_t>(queued);
}

std::optional<uint64_t> kernel_read(int fd) {
  if (fd < 0) return std::nullopt;
  // The unread queue first, then the bytes received: bytes arriving between the two calls make
  // the figure larger than what libzmq has read, never smaller, so an unfinished message is
  // never undercounted (broker/inbound_watch.hpp).
  int unread = 0;  // received but not yet read by libzmq
  if (ioctl(fd, SIOCINQ, &unread) != 0 || unread < 0) return std::nullopt;
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
      len < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
    return std::nullopt;
  if (info.tcpi_bytes_received < static_cast<uint64_t>(unread)) return std::nullopt;
  return info.tcpi_bytes_received - static_cast<uint64_t>(unread);
}

bool cut_connection(int fd, int port) {
  if (local_port(fd) != port) return false;
  return shutdown(fd, SHUT_RDWR) == 0;
}

}  // namespace intentq::broker
