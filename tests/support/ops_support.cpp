#include "tests/support/ops_support.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

Broker start_broker(std::vector<std::string> extra_args, std::vector<std::string> env) {
  test::Launch launch{std::move(extra_args), std::move(env), {}, "", 20s};
  auto started = test::start_broker(launch);
  return Broker{std::move(started.process), started.endpoints.frontend, started.endpoints.backend};
}

Gwsim start_gwsim(std::vector<std::string> extra_args) {
  test::Launch launch{std::move(extra_args), {}, {}, "", 20s};
  auto started = test::start_gwsim(launch);
  return Gwsim{std::move(started.process), started.address()};
}

std::unique_ptr<Process> start_worker(const std::string& backend, const std::string& gateway,
                                      std::vector<std::string> extra_args,
                                      std::vector<std::string> env) {
  extra_args.insert(extra_args.begin(), {"--gateway", gateway});
  return test::start_worker(backend,
                            test::Launch{std::move(extra_args), std::move(env), {}, "", 30s});
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
