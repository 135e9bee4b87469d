// Signals as events of a program's main loop, the same way in broker, worker and simulator: the
// signals are blocked for the calling thread (and every thread started after it, which inherits
// the mask) and read from a signalfd that the loop polls with its sockets. No handler runs
// asynchronously, so shutdown and reload are ordinary events (no flags, no globals).
#pragma once

#include <initializer_list>
#include <vector>

namespace intentq {

class SignalFd {
 public:
  // Construct it in main before any other thread exists (ZeroMQ contexts start I/O threads).
  // Throws std::runtime_error when the mask or the signalfd cannot be set up.
  explicit SignalFd(std::initializer_list<int> signals);
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  // Readable (poll) when a signal is pending.
  int fd() const { return fd_; }
  // The pending signals in arrival order; empty when none. Never blocks.
  std::vector<int> take();

 private:
  int fd_ = -1;
};

}  // namespace intentq
