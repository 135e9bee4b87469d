#include "tests/integration/ops_support.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

namespace intentq::ops_test {

ScratchDir::ScratchDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "intentq-ops.XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name, const std::string& text) const {
  const std::string file = path_ + "/" + name;
  std::ofstream(file) << text;
  return file;
}

NotifySocket::NotifySocket(const std::string& path) : path_(path) {
  ::unlink(path_.c_str());
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX) failed");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) throw std::runtime_error("notify path too long");
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot bind " + path_);
}

NotifySocket::~NotifySocket() {
  ::close(fd_);
  ::unlink(path_.c_str());
}

std::optional<std::string> NotifySocket::next(std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  const auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return std::nullopt;
  seen_.emplace_back(buf, static_cast<size_t>(n));
  return seen_.back();
}

std::optional<std::string> NotifySocket::until(const std::string& text,
                                               std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto m = next(left);
    if (!m) return std::nullopt;
    if (m->find(text) != std::string::npos) return m;
  }
}

Exited run_to_end(const std::string& program, std::vector<std::string> args,
                  std::vector<std::string> env, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), test::bin_dir() + "/" + program);
  Process p(args, env);
  const auto status = p.wait_exit(timeout);
  if (!status)
    throw std::runtime_error(program + " did not exit in time; output:\n" + p.output_text());
  p.drain();
  Exited e;
  e.code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  e.output = p.output_text();
  return e;
}

Broker start_broker(std::vector<std::string> extra_args, std::vector<std::string> env) {
  std::vector<std::string> args = {test::bin_dir() + "/intentq-broker",
                                   "--frontend",
                                   "tcp://127.0.0.1:*",
                                   "--backend",
                                   "tcp://127.0.0.1:*",
                                   "--publish",
                                   "tcp://127.0.0.1:*"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Broker b;
  b.process = std::make_unique<Process>(args, env);
  const auto m = b.process->expect_line(
      std::regex(R"(intentq-broker ready frontend=(\S+) backend=(\S+))"), 20s);
  b.frontend = m[1];
  b.backend = m[2];
  return b;
}

Gwsim start_gwsim(std::vector<std::string> extra_args) {
  std::vector<std::string> args = {test::bin_dir() + "/intentq-gwsim", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Gwsim g;
  g.process = std::make_unique<Process>(args);
  const auto m = g.process->expect_line(std::regex(R"(listening on (127\.0\.0\.1:\d+))"), 20s);
  g.address = m[1];
  return g;
}

std::unique_ptr<Process> start_worker(const std::string& backend, const std::string& gateway,
                                      std::vector<std::string> extra_args,
                                      std::vector<std::string> env) {
  std::vector<std::string> args = {test::bin_dir() + "/intentq-worker", "--broker", backend,
                                   "--gateway", gateway};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto w = std::make_unique<Process>(args, env);
  w->expect_line(std::regex("intentq-worker ready"), 30s);
  return w;
}

Exited submit(const std::string& frontend, const std::string& intent, const std::string& id) {
  Exited run;
  for (int attempt = 0; attempt < 20; ++attempt) {
    run = run_to_end("intentq", {"submit", intent, "--broker", frontend, "--id", id, "--compact",
                                 "--timeout-ms", "5000", "--retries", "1"});
    if (run.output.find("UNKNOWN_INTENT") == std::string::npos) return run;
    std::this_thread::sleep_for(100ms);  // bounded retry while the worker's READY arrives
  }
  return run;
}

}  // namespace intentq::ops_test
