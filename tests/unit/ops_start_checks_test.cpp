// Start-up checks shared by the programs: ZeroMQ endpoint ports, the --metrics bind rule and the
// civetweb settings of the metrics endpoint, and what may be a config file.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "common/endpoint_check.hpp"
#include "common/metrics_http.hpp"
#include "common/program_options.hpp"

namespace intentq {
namespace {

TEST(StartChecks, EndpointPortsAreInRange) {
  EXPECT_NO_THROW(check_endpoint("--frontend", "tcp://127.0.0.1:5555", EndpointUse::kBind));
  EXPECT_NO_THROW(check_endpoint("--frontend", "tcp://127.0.0.1:*", EndpointUse::kBind));
  EXPECT_NO_THROW(check_endpoint("--frontend", "tcp://[::1]:0", EndpointUse::kBind));
  EXPECT_NO_THROW(check_endpoint("--frontend", "ipc:///run/intentq/frontend", EndpointUse::kBind));
  EXPECT_NO_THROW(check_endpoint("--broker", "tcp://localhost:65535", EndpointUse::kConnect));
  // libzmq binds tcp://...:70000 as port 4464 (70000 mod 65536).
  for (const char* bad :
       {"tcp://127.0.0.1:70000", "tcp://127.0.0.1:65536", "tcp://127.0.0.1:-1",
        "tcp://127.0.0.1:", "tcp://127.0.0.1", "tcp://127.0.0.1:55x", "127.0.0.1:5555", "tcp://"})
    EXPECT_THROW(check_endpoint("--frontend", bad, EndpointUse::kBind), std::invalid_argument)
        << bad;
  for (const char* bad : {"tcp://127.0.0.1:0", "tcp://127.0.0.1:*"})
    EXPECT_THROW(check_endpoint("--broker", bad, EndpointUse::kConnect), std::invalid_argument)
        << bad;
  try {
    check_endpoint("--frontend", "tcp://127.0.0.1:70000", EndpointUse::kBind);
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--frontend: ", 0), 0u) << e.what();
  }
}

TEST(StartChecks, MetricsBindsLoopbackUnlessAllowedPublic) {
  EXPECT_NO_THROW(check_metrics_bind("127.0.0.1:9464", false));
  EXPECT_NO_THROW(check_metrics_bind("127.0.0.1:0", false));
  EXPECT_NO_THROW(check_metrics_bind("localhost:9464", false));
  EXPECT_NO_THROW(check_metrics_bind("[::1]:9464", false));
  EXPECT_THROW(check_metrics_bind("0.0.0.0:9464", false), std::invalid_argument);
  EXPECT_THROW(check_metrics_bind("10.1.2.3:9464", false), std::invalid_argument);
  EXPECT_NO_THROW(check_metrics_bind("0.0.0.0:9464", true));
  for (const char* bad : {"127.0.0.1:70000", "127.0.0.1", ":9464", "127.0.0.1:", "127.0.0.1:9x"})
    EXPECT_THROW(check_metrics_bind(bad, true), std::invalid_argument) << bad;
}

TEST(StartChecks, MetricsServerHasTimeoutsAndThreads) {
  const auto options = metrics_http_options("127.0.0.1:0");
  auto value = [&](const std::string& key) {
    auto it = std::find(options.begin(), options.end(), key);
    return it == options.end() || it + 1 == options.end() ? std::string() : *(it + 1);
  };
  EXPECT_EQ(value("listening_ports"), "127.0.0.1:0");
  EXPECT_GE(std::stoi(value("num_threads")), 16);
  EXPECT_LE(std::stoi(value("request_timeout_ms")), 5000);
  EXPECT_EQ(value("enable_keep_alive"), "no");
}

TEST(StartChecks, ConfigFileMustBeASmallRegularFile) {
  char dir_template[] = "/tmp/intentq-start-checks-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string small = dir + "/small.conf", big = dir + "/big.conf", fifo = dir + "/fifo";
  std::ofstream(small) << "heartbeat-ms = 1000\n";
  std::ofstream(big) << std::string(kMaxConfigBytes + 1, '#');
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(config_file_problem(small), "");
  EXPECT_NE(config_file_problem(big).find("bytes"), std::string::npos);
  EXPECT_NE(config_file_problem(fifo).find("FIFO"), std::string::npos);
  EXPECT_NE(config_file_problem(dir).find("directory"), std::string::npos);
  EXPECT_NE(config_file_problem("/dev/zero").find("device"), std::string::npos);
  EXPECT_NE(config_file_problem(dir + "/" + std::string(300, 'x')), "");  // ENAMETOOLONG
  EXPECT_NE(config_file_problem(dir + "/missing"), "");
  EXPECT_NE(config_file_problem(""), "");
  for (const auto& f : {small, big, fifo}) std::remove(f.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace intentq
