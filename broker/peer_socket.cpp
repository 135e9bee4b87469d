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

namespace {

// A byte counter of TCP_INFO (when this kernel fills it) and the byte count of a socket queue
// (ioctl `queue`: SIOCOUTQ or SIOCINQ).
struct TcpCount {
  uint64_t counter;
  uint64_t queued;
};

template <typename Field>
std::optional<TcpCount> tcp_count(int fd, Field tcp_info::*field, unsigned long queue) {
  if (fd < 0) return std::nullopt;
  tcp_info info{};
  socklen_t len = sizeof info;
  const auto end = static_cast<socklen_t>(reinterpret_cast<const char*>(&(info.*field) + 1) -
                                          reinterpret_cast<const char*>(&info));
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || len < end) return std::nullopt;
  int queued = 0;
  if (ioctl(fd, queue, &queued) != 0 || queued < 0) return std::nullopt;
  return TcpCount{info.*field, static_cast<uint64_t>(queued)};
}

}  // namespace

std::optional<uint64_t> kernel_taken(int fd) {
  // Acknowledged, plus sent but not yet acknowledged and not yet sent.
  auto c = tcp_count(fd, &tcp_info::tcpi_bytes_acked, SIOCOUTQ);
  if (!c) return std::nullopt;
  return c->counter + c->queued;
}

std::optional<uint64_t> kernel_read(int fd) {
  // Received, less what libzmq has not read yet.
  auto c = tcp_count(fd, &tcp_info::tcpi_bytes_received, SIOCINQ);
  if (!c || c->counter < c->queued) return std::nullopt;
  return c->counter - c->queued;
}

bool cut_connection(int fd, int port) {
  if (local_port(fd) != port) return false;
  return shutdown(fd, SHUT_RDWR) == 0;
}

}  // namespace intentq::broker
