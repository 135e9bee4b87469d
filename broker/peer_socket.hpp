// The kernel socket behind one ZeroMQ peer connection. libzmq bounds its queues in messages and
// gives no per-peer byte figures nor a way to drop one peer of a ROUTER or XPUB; it does tag each
// received message with the descriptor of the connection it came on (ZMQ_SRCFD). With that
// descriptor the broker can read how many bytes the kernel has taken from libzmq for that peer
// and cut the connection (shutdown(2): libzmq's I/O thread then sees end-of-stream, closes it and
// frees the peer's queues, as for any peer that went away). docs/operations.md, "Broker memory".
#pragma once

#include <cstdint>
#include <optional>

#include <zmq.hpp>

namespace intentq::broker {

// The descriptor of the connection `m` arrived on; -1 when unknown (inproc, or a message the
// socket made itself).
int source_fd(const zmq::message_t& m);

// The local TCP port of socket `fd`, or nullopt when it is not a TCP socket.
std::optional<int> local_port(int fd);

// Bytes of this TCP connection the kernel has taken from its writer so far (acknowledged by the
// peer plus still queued in the kernel); nullopt when `fd` is not a TCP socket.
std::optional<uint64_t> kernel_taken(int fd);

// Bytes of this TCP connection its reader (libzmq) has taken from the kernel so far (received
// minus still queued in the kernel); nullopt when `fd` is not a TCP socket.
std::optional<uint64_t> kernel_read(int fd);

// shutdown(2) on `fd` if it is a TCP connection on local port `port` (so a descriptor number
// that was meanwhile reused for another socket is left alone). True when it was cut.
bool cut_connection(int fd, int port);

}  // namespace intentq::broker
