#include "tests/support/daemons.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <regex>
#include <stdexcept>

namespace intentq::test {
namespace {

// prefix + (program or bin_dir()/name) + head + launch.args
std::vector<std::string> command(const Launch& launch, const std::string& name,
                                 const std::vector<std::string>& head) {
  std::vector<std::string> argv = launch.prefix;
  argv.push_back(launch.program.empty() ? bin_dir() + "/" + name : launch.program);
  argv.insert(argv.end(), head.begin(), head.end());
  argv.insert(argv.end(), launch.args.begin(), launch.args.end());
  return argv;
}

}  // namespace

BrokerProcess start_broker(const Launch& launch, const std::optional<BrokerEndpoints>& fixed,
                           const std::string& any) {
  BrokerProcess b;
  b.process = std::make_unique<Process>(
      command(launch, "intentq-broker",
              {"--frontend", fixed ? fixed->frontend : any, "--backend",
               fixed ? fixed->backend : any, "--publish", fixed ? fixed->publish : any}),
      launch.env);
  const auto m = b.process->expect_line(
      std::regex(R"(intentq-broker ready frontend=(\S+) backend=(\S+) publish=(\S+))"),
      launch.ready_timeout);
  b.endpoints = BrokerEndpoints{m[1], m[2], m[3]};
  return b;
}

std::unique_ptr<Process> start_worker(const std::string& backend, const Launch& launch,
                                      const std::string& ready_rest) {
  auto worker = std::make_unique<Process>(command(launch, "intentq-worker", {"--broker", backend}),
                                          launch.env);
  worker->expect_line(
      std::regex("intentq-worker ready broker=" + regex_escape(backend) + ready_rest),
      launch.ready_timeout);
  return worker;
}

void GwsimProcess::stop() {
  process->signal(SIGTERM);
  if (!process->wait_exit(std::chrono::seconds(10)))
    throw std::runtime_error("intentq-gwsim did not exit on SIGTERM");
}

GwsimProcess start_gwsim(const Launch& launch, uint16_t port) {
  GwsimProcess sim;
  sim.process = std::make_unique<Process>(
      command(launch, "intentq-gwsim", {"--listen", "127.0.0.1:" + std::to_string(port)}),
      launch.env);
  const auto m = sim.process->expect_line(std::regex(R"(listening on 127\.0\.0\.1:(\d+))"),
                                          launch.ready_timeout);
  sim.port = static_cast<uint16_t>(std::stoi(m[1].str()));
  return sim;
}

Exited run_to_end(const std::string& program, std::vector<std::string> args,
                  std::vector<std::string> env, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), bin_dir() + "/" + program);
  Process p(args, env);
  const auto status = p.wait_exit(timeout);
  if (!status)
    throw std::runtime_error(program + " did not exit within " + std::to_string(timeout.count()) +
                             " ms; output:\n" + p.output_text());
  p.drain();
  Exited e;
  e.code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  e.output = p.output_text();
  return e;
}

std::string data_file(const std::string& name) {
  return std::string(INTENTQ_SOURCE_DIR) + "/tests/data/" + name;
}

}  // namespace intentq::test
