#include "tests/support/readers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <zmq.hpp>

#include "common/mdp_client.hpp"

namespace intentq::test {

nlohmann::json broker_stats(const std::string& frontend, std::chrono::milliseconds timeout) {
  zmq::context_t ctx{1};
  return broker_stats(ctx, frontend, timeout);
}

nlohmann::json broker_stats(zmq::context_t& ctx, const std::string& frontend,
                            std::chrono::milliseconds timeout) {
  mdp::Client client(ctx, frontend);
  client.send("mmi.stats", std::vector<std::string>{});
  const auto reply = client.receive(timeout);
  if (!reply || reply->body.empty()) throw std::runtime_error("no mmi.stats reply");
  return nlohmann::json::from_msgpack(reply->body.front());
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Linux bounds a blocking connect by the send timeout: a listener whose backlog is full drops
  // the SYN and the kernel would retry for about two minutes (past ctest's timeout).
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string http_get(int port, const std::string& path, std::chrono::milliseconds timeout) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string response;
  char buf[65536];
  // Each read waits at most `timeout` of silence, and the whole answer at most 4 x `timeout`
  // (a server trickling bytes cannot hold the test).
  const auto until = std::chrono::steady_clock::now() + 4 * timeout;
  for (ssize_t n;
       std::chrono::steady_clock::now() < until && (n = ::read(fd, buf, sizeof buf)) > 0;)
    response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return response;
}

std::string http_body(int port, const std::string& path, std::chrono::milliseconds timeout) {
  const auto response = http_get(port, path, timeout);
  if (response.empty())
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + path);
  const auto body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || response.find(" 200 ") == std::string::npos ||
      body == std::string::npos)
    throw std::runtime_error("no whole answer to GET " + path + " within the timeout: '" +
                             response.substr(0, 200) + "'");
  return response.substr(body + 4);
}

int metrics_port(const std::string& text) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"(metrics=http://127\.0\.0\.1:(\d+)/metrics)")))
    throw std::runtime_error("no metrics URL in the readiness line:\n" + text);
  return std::stoi(m[1]);
}

std::optional<double> metric_value(const std::string& body, const std::string& series) {
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);)
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

size_t dir_entries(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return -1;
}

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace intentq::test
