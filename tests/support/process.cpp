#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <regex>
#include <stdexcept>

extern char** environ;

namespace intentq::test {

Process::Process(std::vector<std::string> argv, std::vector<std::string> extra_env) {
  if (argv.empty()) throw std::runtime_error("Process: empty argv");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("Process: pipe failed");

  // Build argv/envp before fork: only async-signal-safe calls are allowed in the child.
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("Process: fork failed");
  }
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    // Die with the test runner, so a crashed test leaves no daemon behind. (The parent may already
    // be gone by the time prctl runs; then exit at once.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(127);
    execve(args[0], args.data(), envp.data());
    const char msg[] = "Process: execve failed\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(127);
  }
  close(fds[1]);
  out_fd_ = fds[0];
  reader_ = std::thread([this] { read_loop(); });
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
}

void Process::read_loop() {
  char buf[65536];
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    // A bounded poll so the destructor's stop_ is seen even if a grandchild keeps the pipe open.
    pollfd p{out_fd_, POLLIN, 0};
    int r = poll(&p, 1, 50);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    std::lock_guard lock(mu_);
    if (n <= 0) {  // EOF: the child closed its output (exited)
      if (!partial_.empty()) {
        lines_.push_back(partial_);
        partial_.clear();
      }
      eof_ = true;
      cv_.notify_all();
      return;
    }
    partial_.append(buf, static_cast<size_t>(n));
    size_t pos;
    while ((pos = partial_.find('\n')) != std::string::npos) {
      lines_.push_back(partial_.substr(0, pos));
      partial_.erase(0, pos + 1);
    }
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  eof_ = true;
  cv_.notify_all();
}

void Process::drain() {
  // Output the child wrote before this call is in the pipe; give the reader a moment to move it.
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return eof_; });
}

std::vector<std::string> Process::output() const {
  std::lock_guard lock(mu_);
  return lines_;
}

std::optional<std::smatch> Process::wait_for_line(const std::regex& pattern,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  for (;;) {
    while (scanned_ < lines_.size()) {
      // regex_search keeps iterators into the line: match against a copy the caller owns.
      matched_line_ = lines_[scanned_++];
      std::smatch m;
      if (std::regex_search(matched_line_, m, pattern)) return m;
    }
    if (eof_) return std::nullopt;  // nothing more will come
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && scanned_ >= lines_.size())
      return std::nullopt;
  }
}

std::smatch Process::expect_line(const std::regex& pattern, std::chrono::milliseconds timeout) {
  auto m = wait_for_line(pattern, timeout);
  if (!m) {
    throw std::runtime_error(
        "process " + std::to_string(pid_) + " did not print the expected line within " +
        std::to_string(timeout.count()) + " ms; output so far:\n" + output_text());
  }
  return *m;
}

std::string Process::output_text() const {
  std::lock_guard lock(mu_);
  std::string s;
  for (const auto& l : lines_) s += l + "\n";
  s += partial_;
  return s;
}

void Process::signal(int sig) {
  if (pid_ > 0 && !status_) kill(pid_, sig);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      // Let the reader collect the last lines the child wrote before exiting.
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return eof_; });
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    usleep(2000);
  }
}

bool Process::running() {
  return !wait_exit(std::chrono::milliseconds(0)).has_value();
}

std::string bin_dir() {
  if (const char* d = std::getenv("INTENTQ_BIN_DIR")) return d;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  return std::filesystem::path(buf).parent_path().string();
}

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

}  // namespace intentq::test
