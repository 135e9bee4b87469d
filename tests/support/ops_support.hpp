// Helpers of the operations tests (configuration, logs, systemd notifications): the real
// programs started as processes, a scratch directory, and a datagram socket standing in for
// systemd's $NOTIFY_SOCKET.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/daemons.hpp"
#include "tests/support/process.hpp"

namespace intentq::ops_test {

using test::Process;
using namespace std::chrono_literals;

// A directory removed (with its files) when the object goes.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the file's path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// A bound AF_UNIX datagram socket; pass env() to a process as its NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path);
  ~NotifySocket();
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  // Datagrams until one contains `text` (returned); nullopt after `timeout`. Every datagram read
  // is appended to seen().
  std::optional<std::string> until(const std::string& text, std::chrono::milliseconds timeout);
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> seen_;
};

using test::Exited;
using test::run_to_end;

// A broker on wildcard loopback ports; `frontend`/`backend` are the bound endpoints.
struct Broker {
  std::unique_ptr<Process> process;
  std::string frontend, backend;
};
Broker start_broker(std::vector<std::string> extra_args = {}, std::vector<std::string> env = {});

// intentq-gwsim on a free loopback port; `address` is "127.0.0.1:PORT".
struct Gwsim {
  std::unique_ptr<Process> process;
  std::string address;
};
Gwsim start_gwsim(std::vector<std::string> extra_args = {});

// A worker for `backend` (persistent session to `gateway`), started and ready.
std::unique_ptr<Process> start_worker(const std::string& backend, const std::string& gateway,
                                      std::vector<std::string> extra_args = {},
                                      std::vector<std::string> env = {});

// `intentq submit` of one job; returns the CLI's exit code and output. Retries while the
// broker does not know the intent yet (the worker's READY may still be in flight).
Exited submit(const std::string& frontend, const std::string& intent, const std::string& id);

}  // namespace intentq::ops_test
