#include "tests/reliability/driver.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/envelope.hpp"
#include "common/errors.hpp"
#include "tests/support/e2e_cluster.hpp"

namespace intentq::reliability {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Pending {
  Clock::time_point first_sent;
  Clock::time_point last_sent;
  uint32_t submissions = 0;
  uint32_t replies = 0;
  bool lost = false;  // given up on; a reply after that is ignored
};

// Moves the calling thread (and the threads it creates later, e.g. libzmq's I/O thread) into a
// network namespace made with `ip netns add`.
void enter_netns(const std::string& name) {
  int fd = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open network namespace " + name);
  int rc = ::setns(fd, CLONE_NEWNET);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("setns to " + name + " failed");
}

Tally run_client(const DriverOptions& opts, size_t index, uint64_t jobs) {
  if (!opts.netns.empty()) enter_netns(opts.netns);
  e2e::JobClient client(opts.frontend);
  Tally t;
  std::unordered_map<std::string, Pending> pending;  // every id sent, answered or not
  uint64_t next = index;                             // job numbers index, index + clients, ...
  size_t in_flight = 0;
  const auto lost_after = std::chrono::milliseconds(opts.deadline_ms) + opts.lost_margin;
  auto last_scan = Clock::now();
  const auto give_up = Clock::now() + opts.max_run;

  auto submit = [&](const std::string& id, uint64_t n) {
    JobRequest request;
    request.id = id;
    request.params = opts.params ? opts.params(n) : nlohmann::json{{"n", n}};
    request.deadline_ms = opts.deadline_ms;
    client.send(opts.service, request);
    ++t.submissions;
  };

  while (true) {
    auto now = Clock::now();
    bool over = now >= give_up;
    bool stopping = over || (opts.stop && opts.stop->load());
    while (!stopping && in_flight < opts.window && next < jobs) {
      std::string id = opts.id_prefix + "-" + std::to_string(next);
      auto& p = pending[id];
      p.first_sent = p.last_sent = now;
      p.submissions = 1;
      submit(id, next);
      ++t.sent;
      ++in_flight;
      next += opts.clients;
    }
    if (in_flight == 0 && (next >= jobs || stopping)) break;

    std::optional<std::pair<std::string, JobReply>> reply;
    try {
      reply = client.receive(50ms);
    } catch (const std::exception&) {
      ++t.foreign;  // an undecodable reply
      continue;
    }
    now = Clock::now();
    if (reply) {
      auto it = pending.find(reply->second.id);
      if (it == pending.end()) {
        ++t.foreign;
        continue;
      }
      auto& p = it->second;
      if (p.lost) continue;
      if (++p.replies > p.submissions) ++t.duplicated;
      if (p.replies == 1) {
        --in_flight;
        ++t.answered;
        double ms = std::chrono::duration<double, std::milli>(now - p.first_sent).count();
        t.max_latency_ms = std::max(t.max_latency_ms, ms);
        if (opts.progress) ++*opts.progress;
        if (ms > static_cast<double>(opts.deadline_ms + opts.late_margin.count())) ++t.late;
        if (reply->second.ok) {
          ++t.ok;
          if (opts.verify_echo) {
            uint64_t n = std::stoull(it->first.substr(opts.id_prefix.size() + 1));
            auto want = opts.params ? opts.params(n) : nlohmann::json{{"n", n}};
            if (reply->second.result != want) ++t.wrong;
          }
        } else {
          std::string code = reply->second.error ? std::string(to_string(reply->second.error->code))
                                                 : std::string("?");
          ++t.errors[code];
          if (t.first_error.empty()) {
            t.first_error = reply->second.id + " " + code + ": " +
                            (reply->second.error ? reply->second.error->message : "");
          }
        }
      }
    }
    // Every 200 ms: resubmit what waited too long (same id), give up on what is lost.
    if (now - last_scan >= 200ms) {
      last_scan = now;
      for (auto& [id, p] : pending) {
        if (p.replies > 0 || p.lost) continue;
        if (over || now - p.first_sent > lost_after) {
          p.lost = true;
          ++t.lost;
          --in_flight;
          continue;
        }
        if (opts.resend_after && now - p.last_sent >= *opts.resend_after) {
          p.last_sent = now;
          ++p.submissions;
          submit(id, std::stoull(id.substr(opts.id_prefix.size() + 1)));
        }
      }
    }
  }
  // Late duplicates would arrive shortly after the last answer: listen a little longer.
  auto linger_end = Clock::now() + 500ms;
  while (Clock::now() < linger_end) {
    std::optional<std::pair<std::string, JobReply>> reply;
    try {
      reply = client.receive(100ms);
    } catch (const std::exception&) {
      ++t.foreign;
      continue;
    }
    if (!reply) continue;
    auto it = pending.find(reply->second.id);
    if (it == pending.end()) {
      ++t.foreign;
    } else if (!it->second.lost && ++it->second.replies > it->second.submissions) {
      ++t.duplicated;
    }
  }
  return t;
}

}  // namespace

void Tally::merge(const Tally& o) {
  sent += o.sent;
  submissions += o.submissions;
  answered += o.answered;
  lost += o.lost;
  duplicated += o.duplicated;
  ok += o.ok;
  late += o.late;
  wrong += o.wrong;
  foreign += o.foreign;
  max_latency_ms = std::max(max_latency_ms, o.max_latency_ms);
  for (auto& [code, n] : o.errors) errors[code] += n;
  if (first_error.empty()) first_error = o.first_error;
}

Tally run_jobs(const DriverOptions& opts, uint64_t jobs) {
  std::vector<Tally> tallies(opts.clients);
  std::vector<std::string> failures(opts.clients);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < opts.clients; ++i) {
    threads.emplace_back([&, i] {
      try {
        tallies[i] = run_client(opts, i, jobs);
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  Tally total;
  for (size_t i = 0; i < opts.clients; ++i) {
    if (!failures[i].empty())
      throw std::runtime_error("client " + std::to_string(i) + ": " + failures[i]);
    total.merge(tallies[i]);
  }
  return total;
}

DriverOptions echo_until_stopped(const std::string& frontend, size_t clients, size_t window,
                                 const std::string& id_prefix, const std::atomic<bool>* stop) {
  DriverOptions o;
  o.frontend = frontend;
  o.service = "echo";
  o.clients = clients;
  o.window = window;
  o.deadline_ms = 30000;
  o.verify_echo = true;
  o.stop = stop;
  o.id_prefix = id_prefix;
  return o;
}

}  // namespace intentq::reliability
