#include "bench/history_peers.hpp"

#include <atomic>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/scenarios.hpp"
#include "common/enum_names.hpp"
#include "gateway/messages.hpp"
#include "tests/support/raw_tws_client.hpp"

namespace intentq::bench {
namespace {

using namespace std::chrono_literals;

// How long one answer may take before the run gives up (the simulator answers in milliseconds).
constexpr auto kAnswerWait = 20s;

// A peer's pacing: wait() before each request.
class Gate {
 public:
  Gate(PeerStrategy s, const HistoryLoad& load)
      : strategy_(s),
        window_(load.window()),
        gap_(std::chrono::milliseconds(static_cast<int64_t>(500 * load.time_scale))) {}

  void wait() {
    auto now = Clock::now();
    if (strategy_ == PeerStrategy::kLean) {
      while (!sent_.empty() && now - sent_.front() >= window_) sent_.pop_front();
      if (sent_.size() >= kLeanLimit) {
        std::this_thread::sleep_until(sent_.front() + window_);  // the peer's own pacing
        sent_.pop_front();
      }
      sent_.push_back(Clock::now());
    } else if (strategy_ == PeerStrategy::kGap) {
      if (last_) std::this_thread::sleep_until(*last_ + gap_);
      last_ = Clock::now();
    }
  }

 private:
  static constexpr size_t kLeanLimit = 58;
  PeerStrategy strategy_;
  Clock::duration window_, gap_;
  std::deque<Clock::time_point> sent_;
  std::optional<Clock::time_point> last_;
};

struct Answer {
  bool ok = false;
  uint64_t bars = 0;
  std::string error;  // "162", "322", ...
};

// One request on a direct session, read to its end or its error.
Answer ask(test::RawClient& c, int req_id, const gw::HistoricalDataRequest& r) {
  c.send(gw::encode_req_historical_data(c.sv(), req_id, r));
  Answer a;
  const auto deadline = Clock::now() + kAnswerWait;
  while (Clock::now() < deadline) {
    const auto read = c.next(kAnswerWait);
    if (read.status != test::RawClient::Status::kFrame)
      throw std::runtime_error("direct session: no answer to request " + std::to_string(req_id));
    const auto m = gw::decode_server_message(c.sv(), read.payload);
    if (const auto* d = std::get_if<gw::HistoricalDataMsg>(&m); d && d->req_id == req_id) {
      a.bars += d->bars.size();
      if (d->ends_answer) return a.ok = true, a;
    } else if (const auto* e = std::get_if<gw::HistoricalDataEnd>(&m); e && e->req_id == req_id) {
      a.ok = true;
      return a;
    } else if (const auto* err = std::get_if<gw::ErrorMessage>(&m); err && err->id == req_id) {
      a.bars = 0;
      a.error = std::to_string(err->code);
      return a;
    }
  }
  throw std::runtime_error("direct session: request " + std::to_string(req_id) + " unanswered");
}

uint16_t port_of(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

}  // namespace

// In declaration order.
constexpr std::string_view kStrategyNames[] = {"none", "lean", "gap"};
static_assert(std::size(kStrategyNames) == enum_count(PeerStrategy::kGap));

std::string to_string(PeerStrategy s) {
  return std::string(name_of(kStrategyNames, s));
}

HistoryRun run_peers(const HistoryLoad& load, PeerStrategy strategy, const std::string& sim_address,
                     int first_client_id) {
  const uint16_t port = port_of(sim_address);
  HistoryRun run;
  run.label = to_string(strategy);
  run.services.resize(load.bulk.size());
  std::vector<std::unique_ptr<test::RawClient>> sessions;
  for (size_t i = 0; i <= load.bulk.size(); ++i)
    sessions.push_back(test::ready_client(port, first_client_id + static_cast<int>(i)));

  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::atomic<size_t> bulk_left{load.bulk.size()};
  // A failing thread records the first failure; a bulk one counts as finished either way, so the
  // interactive service stops.
  auto guarded = [&](auto&& body, bool bulk = false) {
    return [&, body, bulk] {
      try {
        body();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
      if (bulk) --bulk_left;
    };
  };
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < load.bulk.size(); ++i)
    threads.emplace_back(guarded(
        [&, i] {
          const auto& service = load.bulk[i];
          auto& r = run.services[i];
          r.name = service.name;
          r.chunks = static_cast<int>(service.chunks.size());
          Gate gate(strategy, load);
          int req_id = 1000;
          // Pass after pass over the chunks still missing, one window's pause between passes.
          std::vector<HistoryChunk> missing = service.chunks;
          for (int pass = 1; !missing.empty() && pass <= load.max_passes; ++pass) {
            if (pass > 1) std::this_thread::sleep_for(load.window());  // the user's rerun, later
            r.passes = pass;
            std::vector<HistoryChunk> still;
            for (const auto& chunk : missing) {
              gate.wait();
              ++r.asked;
              const auto a = ask(*sessions[i], ++req_id, load.chunk_request(service, chunk));
              if (a.ok) {
                ++r.answered;
                r.bars += a.bars;
                r.answer_s.push_back(seconds_since(t0));
              } else {
                ++r.errors[a.error];
                still.push_back(chunk);
              }
            }
            if (pass == 1) r.first_pass_answered = r.answered;
            missing = std::move(still);
          }
          r.missing = static_cast<int>(missing.size());
          r.finish_s = seconds_since(t0);
        },
        true));
  threads.emplace_back(guarded([&] {
    auto& r = run.interactive;
    Gate gate(strategy, load);
    for (int k = 0; bulk_left > 0; ++k) {
      const auto due = t0 + k * load.interactive_every;
      std::this_thread::sleep_until(due);  // the service's own schedule, not a synchronisation
      if (bulk_left == 0) break;
      gate.wait();
      ++r.asked;
      const auto asked = Clock::now();
      const auto a = ask(*sessions.back(), 5000 + k, load.interactive_request(k));
      if (a.ok) {
        ++r.answered;
        r.latency_ms.push_back(seconds_since(asked) * 1000);
      } else {
        ++r.errors[a.error];
      }
    }
  }));
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  for (const auto& s : run.services) run.seconds = std::max(run.seconds, s.finish_s);
  return run;
}

}  // namespace intentq::bench
