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
  fcntl(out_fd_, F_SETFL, fcntl(out_fd_, F_GETFL) | O_NONBLOCK);
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

bool Process::read_some(std::chrono::milliseconds timeout) {
  if (out_fd_ < 0) return false;
  pollfd p{out_fd_, POLLIN, 0};
  int r = poll(&p, 1, static_cast<int>(timeout.count()));
  if (r <= 0) return false;
  char buf[65536];
  ssize_t n = read(out_fd_, buf, sizeof buf);
  if (n == 0) {  // EOF: the child closed its output (exited)
    close(out_fd_);
    out_fd_ = -1;
    if (!partial_.empty()) {
      lines_.push_back(partial_);
      partial_.clear();
    }
    return false;
  }
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  partial_.append(buf, static_cast<size_t>(n));
  size_t pos;
  while ((pos = partial_.find('\n')) != std::string::npos) {
    lines_.push_back(partial_.substr(0, pos));
    partial_.erase(0, pos + 1);
  }
  return true;
}

void Process::drain() {
  while (read_some(std::chrono::milliseconds(0))) {
  }
}

std::optional<std::smatch> Process::wait_for_line(const std::regex& pattern,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (scanned_ < lines_.size()) {
      std::smatch m;
      const std::string& line = lines_[scanned_++];
      if (std::regex_search(line, m, pattern)) return m;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    if (out_fd_ < 0) return std::nullopt;  // EOF: nothing more will come
    read_some(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
              std::chrono::milliseconds(1));
  }
}

std::smatch Process::expect_line(const std::regex& pattern, std::chrono::milliseconds timeout) {
  auto m = wait_for_line(pattern, timeout);
  if (!m) {
    throw std::runtime_error("process " + std::to_string(pid_) + " did not print the expected line within " +
                             std::to_string(timeout.count()) + " ms; output so far:\n" +
                             output_text());
  }
  return *m;
}

std::string Process::output_text() const {
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
      drain();
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // Keep the pipe drained so a chatty child cannot block on a full pipe while exiting.
    if (!read_some(std::chrono::milliseconds(5))) usleep(2000);
  }
}

bool Process::running() { return !wait_exit(std::chrono::milliseconds(0)).has_value(); }

std::string bin_dir() {
  if (const char* d = std::getenv("INTENTQ_BIN_DIR")) return d;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  return std::filesystem::path(buf).parent_path().string();
}

}  // namespace intentq::test
