// A child process for tests: started with fork/exec, its stdout and stderr merged into a pipe
// that a reader thread drains continuously into a list of lines (so a chatty daemon never blocks
// on a full pipe), killed (SIGKILL) and reaped on destruction.
//
// Tests use wait_for_line() instead of sleeping: every daemon prints a line once it is ready
// (e.g. "listening on 127.0.0.1:40123"), and the test waits for that line with a bounded timeout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace intentq::test {

class Process {
 public:
  // Starts argv[0] (a path) with the given arguments. Throws std::runtime_error on failure.
  explicit Process(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Reads output until a line matches `pattern` (std::regex_search) and returns that match, or
  // returns nullopt after `timeout`. Every line read is kept in output().
  std::optional<std::smatch> wait_for_line(const std::regex& pattern,
                                           std::chrono::milliseconds timeout);
  // Same, but throws std::runtime_error (with the output seen so far) on timeout.
  std::smatch expect_line(const std::regex& pattern, std::chrono::milliseconds timeout);

  // Waits briefly for output already written to reach the line list (the reader thread keeps
  // draining by itself; this only makes "everything printed so far" visible).
  void drain();
  // A snapshot of every line read so far.
  std::vector<std::string> output() const;
  std::string output_text() const;

  void signal(int sig);  // sends sig (no wait)
  // Waits up to `timeout` for the process to exit; returns its wait status (as from waitpid),
  // or nullopt if it is still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

 private:
  void read_loop();  // the reader thread: pipe -> lines_, until EOF or stop_

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::optional<int> status_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string partial_;             // guarded by mu_
  std::vector<std::string> lines_;  // guarded by mu_
  bool eof_ = false;                // guarded by mu_
  bool stop_ = false;               // guarded by mu_
  size_t scanned_ = 0;              // lines already offered to wait_for_line (test thread only)
  std::string matched_line_;        // the line the last returned smatch points into
  std::thread reader_;
};

// Directory that holds the built programs (intentq-broker, ...): $INTENTQ_BIN_DIR, else the
// directory of the running test binary.
std::string bin_dir();

// Escapes regex metacharacters (to wait for a line containing a literal text).
std::string regex_escape(const std::string& text);

}  // namespace intentq::test
