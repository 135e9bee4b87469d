#include "tests/reliability/cluster.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/daemons.hpp"
#include "tests/support/readers.hpp"

namespace intentq::reliability {

using namespace std::chrono_literals;

std::vector<std::string> in_netns(const std::string& ns, std::vector<std::string> argv) {
  if (ns.empty()) return argv;
  std::string ip = std::filesystem::exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";
  argv.insert(argv.begin(), {ip, "netns", "exec", ns});
  return argv;
}

std::string program(const std::string& name) {
  return test::bin_dir() + "/" + name;
}

nlohmann::json broker_stats(const std::string& frontend, const std::string& netns) {
  nlohmann::json out;
  std::string error;
  // A thread of its own: setns() moves only the calling thread (and the I/O thread its zmq
  // context starts), never the rest of the test.
  std::thread t([&] {
    try {
      if (!netns.empty()) {
        int fd = ::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns failed");
        ::close(fd);
      }
      out = test::broker_stats(frontend, 5s);
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  t.join();
  if (!error.empty()) throw std::runtime_error("mmi.stats: " + error);
  return out;
}

std::optional<std::chrono::milliseconds> wait_workers(const std::string& frontend, size_t n,
                                                      std::chrono::milliseconds timeout,
                                                      const std::string& netns) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  while (Clock::now() - start < timeout) {
    try {
      if (broker_stats(frontend, netns).value("workers", 0u) >= n)
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    } catch (const std::exception&) {
      // not up yet
    }
    std::this_thread::sleep_for(50ms);  // polling interval of a bounded wait
  }
  return std::nullopt;
}

void require_workers(const std::string& frontend, size_t n, const std::string& netns) {
  if (!wait_workers(frontend, n, 15s, netns)) throw std::runtime_error("workers did not register");
}

std::unique_ptr<test::Process> start_worker_in(const std::string& ns, const std::string& backend,
                                               std::vector<std::string> extra_args) {
  extra_args.insert(extra_args.begin(), {"--log-level", "warn"});
  return test::start_worker(backend,
                            test::Launch{std::move(extra_args), {}, in_netns(ns, {}), "", 15s});
}

}  // namespace intentq::reliability
