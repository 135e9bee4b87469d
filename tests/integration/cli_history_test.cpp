// `intentq history` on real processes (issue 20 item 5, must-show 2): the intentq CLI ->
// intentq-broker (historical pacing per gateway) -> intentq-worker -> intentq-gwsim frozen at one
// market time (--market-time) with its time rules scaled. The bars of a multi-chunk download are
// compared with the simulator's own series computed at other borders; a download interrupted by
// SIGINT is completed by a rerun that asks the simulator only for the chunks not in the file; bad
// input is refused before anything reaches the broker.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/market_data_params.hpp"
#include "sim/historical_bars.hpp"
#include "sim/market_data_answers.hpp"
#include "sim/scenario.hpp"
#include "tests/support/gwsim_stats.hpp"
#include "tests/support/intents_cluster.hpp"

namespace intentq::intents_test {
namespace {

namespace md = params::market_data;
namespace fs = std::filesystem;

const std::string kScenario = test::data_file("market_data_scenario.json");
constexpr int64_t kAapl = 265598;
// A Friday after the close: the session 14:30-21:00 UTC is all in the past.
const std::string kMarketTime = "2026-12-04T21:00:00Z";

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The simulator's own 1-second TRADES bars of AAPL for [from, to), asked in pieces of 1000 s
// (other borders than the CLI's 1800 s chunks), as CSV lines like the CLI writes.
std::vector<std::string> simulated_csv(int64_t from, int64_t to) {
  static const sim::Scenario s = sim::load_scenario(kScenario);
  gw::Contract c;
  c.con_id = kAapl;
  const auto found = sim::find_market_contract(s, c);
  const int64_t now = md::parse_iso_utc(kMarketTime).value();
  // Integral values travel as msgpack integers (the codec's shortest form): "330", not "330.0".
  auto num = [](double v) {
    if (v == -1) return std::string();
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
    return nlohmann::json(v).dump();
  };
  std::vector<std::string> out;
  for (int64_t end = from; end < to;) {
    const int64_t start = end;
    end = std::min(to, start + 1000);
    sim::HistoricalRequest r{md::ib_end_date_time(md::iso_utc(end)),
                             std::to_string(end - start) + " S",
                             "1 secs",
                             "TRADES",
                             true,
                             2};
    const auto a = sim::answer_historical(s.market_data[static_cast<size_t>(found.index)], r, now,
                                          "AAPL@SMART");
    EXPECT_FALSE(a.error) << a.error->message;
    for (const auto& b : a.bars) {
      std::string line = md::iso_from_ib(b.date).value();
      for (double v : {b.open, b.high, b.low, b.close, b.volume, b.wap}) line += "," + num(v);
      line += "," + (b.count < 0 ? std::string() : std::to_string(b.count));
      out.push_back(line);
    }
  }
  return out;
}

// The CSV file `out` holds, after its header, exactly the simulator's bars from `from` to `to`
// (ISO UTC times).
void expect_simulated_bars(const fs::path& out, const std::string& from, const std::string& to) {
  const auto lines = read_lines(out);
  ASSERT_FALSE(lines.empty());
  const std::vector<std::string> bars(lines.begin() + 1, lines.end());
  const auto want = simulated_csv(md::parse_iso_utc(from).value(), md::parse_iso_utc(to).value());
  ASSERT_EQ(bars.size(), want.size());
  for (size_t i = 0; i < bars.size(); ++i) ASSERT_EQ(bars[i], want[i]) << "bar " << i;
}

class CliHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("intentq-history-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  void start(std::vector<std::string> broker_args) {
    broker_args.insert(broker_args.begin(), {"--startup-grace-ms", "0"});
    broker = std::make_unique<Broker>(broker_args);
    worker = start_gateway_worker(*broker, sim.address(), 9, {"--gateway-id", "gw-h"});
    e2e::wait_for_service(broker->endpoints.frontend, "historical_bars");
  }

  std::unique_ptr<Process> history(std::vector<std::string> args) {
    std::vector<std::string> argv = {test::bin_dir() + "/intentq",
                                     "history",
                                     "--broker",
                                     broker ? broker->endpoints.frontend : "tcp://127.0.0.1:1",
                                     "--param",
                                     "con_id=" + std::to_string(kAapl)};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Process>(argv);
  }

  int finish(Process& p, std::chrono::milliseconds timeout = 60s) {
    auto status = p.wait_exit(timeout);
    EXPECT_TRUE(status) << "intentq history did not exit in time:\n" << p.output_text();
    if (!status) return -1;
    EXPECT_TRUE(WIFEXITED(*status)) << "status " << *status << "\n" << p.output_text();
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }

  fs::path dir;
  Sim sim{{"--time-scale", "0.05", "--market-time", kMarketTime}, 0, kScenario};
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Process> worker;
};

TEST_F(CliHistory, MultiChunkRangeIsTheSimulatorsBarsWithNoGapOrDuplicate) {
  start({});
  const auto out = dir / "aapl.csv";
  auto p = history({"--from", "2026-12-04T15:00:00Z", "--to", "2026-12-04T17:00:00Z", "--bar-size",
                    "1 secs", "--output", out.string()});
  ASSERT_EQ(finish(*p), 0) << p->output_text();
  EXPECT_NE(p->output_text().find("4 of 4 chunks (7200 bars)"), std::string::npos)
      << p->output_text();
  const auto lines = read_lines(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "time,open,high,low,close,volume,wap,count");
  const std::vector<std::string> bars(lines.begin() + 1, lines.end());
  const auto want = simulated_csv(md::parse_iso_utc("2026-12-04T15:00:00Z").value(),
                                  md::parse_iso_utc("2026-12-04T17:00:00Z").value());
  ASSERT_EQ(bars.size(), 7200u) << "one bar per second of two trading hours";
  ASSERT_EQ(want.size(), bars.size());
  for (size_t i = 0; i < bars.size(); ++i) ASSERT_EQ(bars[i], want[i]) << "bar " << i;
  // The borders of the four 1800 s chunks: consecutive seconds, none twice.
  for (size_t i = 1; i < bars.size(); ++i)
    ASSERT_EQ(md::parse_iso_utc(bars[i].substr(0, 20)).value(),
              md::parse_iso_utc(bars[i - 1].substr(0, 20)).value() + 1)
        << bars[i - 1] << " / " << bars[i];
  const auto s = test::read_gwsim_stats(*sim.process);
  EXPECT_EQ(s.requests_of("reqHistoricalData"), 4u);
  EXPECT_EQ(s.requests_of("reqHeadTimestamp"), 1u);

  // JSON lines: the same bars as the simulator's (another range: the same chunk again within
  // 15 s would wait for IB's identical-request rule at the broker).
  const auto want_jl = simulated_csv(md::parse_iso_utc("2026-12-04T17:00:00Z").value(),
                                     md::parse_iso_utc("2026-12-04T17:30:00Z").value());
  const auto jl = dir / "aapl.jsonl";
  auto q = history({"--from", "2026-12-04T17:00:00Z", "--to", "2026-12-04T17:30:00Z", "--bar-size",
                    "1 secs", "--format", "jsonl", "--output", jl.string()});
  ASSERT_EQ(finish(*q), 0) << q->output_text();
  const auto jlines = read_lines(jl);
  ASSERT_EQ(jlines.size(), 1800u);
  for (size_t i = 0; i < jlines.size(); ++i) {
    const auto bar = nlohmann::json::parse(jlines[i]);
    std::string line = bar.at("t").get<std::string>();
    for (const char* key : {"o", "h", "l", "c", "v", "wap", "n"})
      line += "," + (bar.at(key).is_null() ? std::string() : bar.at(key).dump());
    ASSERT_EQ(line, want_jl[i]) << "JSON line " << i;
  }

  // Daily bars (one request for the whole range): the trading days from --from on, dated.
  const auto daily = dir / "daily.csv";
  auto d = history({"--from", "2026-11-02T00:00:00Z", "--to", "2026-12-04T21:00:00Z", "--bar-size",
                    "1 day", "--output", daily.string()});
  ASSERT_EQ(finish(*d), 0) << d->output_text();
  const auto days = read_lines(daily);
  ASSERT_EQ(days.size(), 1u + 25) << "the 25 weekdays of 2026-11-02 .. 2026-12-04:\n"
                                  << d->output_text();
  EXPECT_EQ(days[1].substr(0, 11), "2026-11-02,");
  EXPECT_EQ(days.back().substr(0, 11), "2026-12-04,");
}

TEST_F(CliHistory, InterruptedDownloadIsCompletedByARerunWithoutRepeatingWrittenChunks) {
  // Three historical requests per 5 s window (600 s scaled by 0.0083): the head timestamp and two
  // chunks go at once, the other six wait for the window; SIGINT comes while they wait.
  start({"--hist-requests", "3", "--hist-time-scale", "0.0083"});
  const auto out = dir / "aapl.csv";
  const std::vector<std::string> args = {"--from",     "2026-12-04T15:00:00Z",
                                         "--to",       "2026-12-04T19:00:00Z",
                                         "--bar-size", "1 secs",
                                         "--output",   out.string()};
  auto p = history(args);
  // Wait (bounded) until two whole chunks are in the file, then interrupt.
  const auto until = Clock::now() + 30s;
  while (read_lines(out).size() < 1 + 2 * 1800 && Clock::now() < until && p->running())
    std::this_thread::sleep_for(20ms);
  ASSERT_GE(read_lines(out).size(), 1u + 2 * 1800) << p->output_text();
  p->signal(SIGINT);
  EXPECT_EQ(finish(*p), 130) << p->output_text();
  EXPECT_NE(p->output_text().find("interrupted"), std::string::npos) << p->output_text();
  const auto after_first = read_lines(out);
  ASSERT_EQ((after_first.size() - 1) % 1800, 0u) << "only whole chunks are written";
  const size_t written = (after_first.size() - 1) / 1800;
  ASSERT_LT(written, 8u) << "the download was interrupted before its end";
  // The chunks still waiting for their slot were cancelled at the broker (mmi.cancel from the
  // download's own connection).
  const auto counters = broker_stats(*broker).at("counters");
  EXPECT_GE(counters.at("cancelled").get<uint64_t>(), 1u) << counters.dump();
  const auto s1 = test::read_gwsim_stats(*sim.process);

  auto q = history(args);
  ASSERT_EQ(finish(*q, 90s), 0) << q->output_text();
  EXPECT_NE(q->output_text().find("resuming"), std::string::npos) << q->output_text();
  const auto s2 = test::read_gwsim_stats(*sim.process);
  // The rerun asked for the chunks not in the file, each once, and nothing already written.
  EXPECT_EQ(s2.requests_of("reqHistoricalData") - s1.requests_of("reqHistoricalData"),
            8u - written);
  expect_simulated_bars(out, "2026-12-04T15:00:00Z", "2026-12-04T19:00:00Z");
}

TEST_F(CliHistory, BrokerRestartMidDownloadLosesNothing) {
  const std::vector<std::string> pacing = {"--hist-requests", "3", "--hist-time-scale", "0.0083"};
  start(pacing);
  const auto endpoints = broker->endpoints;
  const auto out = dir / "aapl.csv";
  auto p = history({"--from", "2026-12-04T15:00:00Z", "--to", "2026-12-04T19:00:00Z", "--bar-size",
                    "1 secs", "--output", out.string()});
  const auto until = Clock::now() + 30s;
  while (read_lines(out).size() < 1 + 2 * 1800 && Clock::now() < until && p->running())
    std::this_thread::sleep_for(20ms);
  ASSERT_GE(read_lines(out).size(), 1u + 2 * 1800) << p->output_text();

  // The broker dies with the other chunks queued, and comes back on the same endpoints; its
  // startup grace holds the resent chunks until the worker has registered again.
  broker->process->signal(SIGKILL);
  ASSERT_TRUE(broker->process->wait_exit(5s)) << "broker did not die";
  auto args = pacing;
  args.insert(args.end(), {"--startup-grace-ms", "20000"});
  broker = std::make_unique<Broker>(args, endpoints);

  ASSERT_EQ(finish(*p, 90s), 0) << p->output_text();
  EXPECT_NE(p->output_text().find("sent again"), std::string::npos) << p->output_text();
  expect_simulated_bars(out, "2026-12-04T15:00:00Z", "2026-12-04T19:00:00Z");
}

TEST_F(CliHistory, AChunkWhoseSlotIsPastItsDeadlineIsRetriedWithALongerOne) {
  // Three requests per 5 s window and a 1 s deadline per chunk: the broker answers the fourth
  // request (the third chunk) TIMEOUT at once; its retries wait 2, 4, 8 s, enough for the slot.
  start({"--hist-requests", "3", "--hist-time-scale", "0.0083"});
  const auto out = dir / "aapl.csv";
  auto p = history({"--from", "2026-12-04T15:00:00Z", "--to", "2026-12-04T17:00:00Z", "--bar-size",
                    "1 secs", "--deadline-ms", "1000", "--output", out.string()});
  ASSERT_EQ(finish(*p, 90s), 0) << p->output_text();
  EXPECT_NE(p->output_text().find("retried after TIMEOUT"), std::string::npos) << p->output_text();
  const auto counters = broker_stats(*broker).at("counters");
  EXPECT_GE(counters.at("historical_timeouts").get<uint64_t>(), 1u) << counters.dump();
  expect_simulated_bars(out, "2026-12-04T15:00:00Z", "2026-12-04T17:00:00Z");
}

TEST_F(CliHistory, BadInputIsRefusedBeforeAnythingIsSubmitted) {
  start({});
  auto refused = [&](std::vector<std::string> args, const std::string& says) {
    auto p = history(args);
    EXPECT_EQ(finish(*p), 78) << p->output_text();
    EXPECT_NE(p->output_text().find(says), std::string::npos) << p->output_text();
  };
  refused({"--from", "2026-12-04T17:00:00Z", "--to", "2026-12-04T15:00:00Z", "--output",
           (dir / "a.csv").string()},
          "is not after --from");
  refused({"--from", "2026-12-04T15:00:00Z", "--to", "2999-01-01T00:00:00Z"}, "in the future");
  refused(
      {"--from", "2026-12-04T15:00:00Z", "--to", "2026-12-04T17:00:00Z", "--bar-size", "7 secs"},
      "--bar-size must be one of 1 secs");
  refused(
      {"--from", "2026-12-04T15:00:00Z", "--to", "2026-12-04T17:00:00Z", "--what-to-show", "PRICE"},
      "--what-to-show must be one of TRADES");
  refused({"--from", "2026-12-04T15:00:00Z", "--to", "2026-12-04T17:00:00Z", "--output",
           (dir / "no-such-dir" / "a.csv").string()},
          "cannot open it for writing");
  // Before the contract's first data (the scenario's head timestamp): refused, nothing written.
  refused({"--from", "1990-01-02T00:00:00Z", "--to", "1990-01-03T00:00:00Z", "--bar-size", "1 hour",
           "--output", (dir / "early.csv").string()},
          "is before the first data");
  EXPECT_FALSE(fs::exists(dir / "early.csv"));
  EXPECT_FALSE(fs::exists(dir / "a.csv"));
  const auto s = test::read_gwsim_stats(*sim.process);
  EXPECT_EQ(s.requests_of("reqHistoricalData"), 0u) << "nothing reached the gateway";
  EXPECT_EQ(s.requests_of("reqHeadTimestamp"), 1u) << "only the head-timestamp check";
}

}  // namespace
}  // namespace intentq::intents_test
