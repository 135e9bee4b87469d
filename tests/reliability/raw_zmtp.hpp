// A ZMTP 3.0 peer written by hand (NULL mechanism): what a hostile peer sends without libzmq's
// own limits in the way. libzmq refuses nothing it is asked to send, but its SUB socket keeps
// every subscription in a trie of its own (a 4 MiB topic overflows the attacker's stack) and it
// never sends half a multipart message; the round-2 attacks need both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace intentq::reliability {

class RawZmtp {
 public:
  // Connects to "tcp://HOST:PORT" and greets as `socket_type` ("SUB", "DEALER", ...). Throws
  // std::runtime_error when the connection cannot be made.
  RawZmtp(const std::string& endpoint, std::string_view socket_type);
  ~RawZmtp();
  RawZmtp(const RawZmtp&) = delete;
  RawZmtp& operator=(const RawZmtp&) = delete;

  // Writes one frame (MORE flag when `more`); false once the peer has closed the connection
  // (or a write did not complete within 2 s).
  bool frame(std::string_view body, bool more = false);
  // Writes the header of a frame of `size` bytes, then `prefix` and `fill` up to `size` bytes in
  // 64 KiB writes: a long frame without building it in memory.
  bool long_frame(uint64_t size, std::string_view prefix, char fill, bool more);

 private:
  bool write_all(std::string_view bytes);
  int fd_ = -1;
};

}  // namespace intentq::reliability
