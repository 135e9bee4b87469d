// Issue 7 defect 3, "poison results": bytes that are not UTF-8 never take a consumer down.
// - In a request they are refused at the broker's door with BAD_REQUEST naming the field.
// - In a result (a worker relays what its gateway sent) they reach `intentq submit`, `intentq
//   watch` and the Python example's watch, which print them as U+FFFD and exit 0.
// The worker here is a plain MDP worker on common/mdp_worker's socket that answers
// every job with a result holding "\xff\xfe" (the real worker cannot be made to produce it).
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "common/mdp_worker.hpp"
#include "tests/support/e2e_cluster.hpp"

namespace intentq::e2e {
namespace {

const std::string kPoison = "\xff\xfe";

// Serves service "poison" until destroyed: READY, heartbeats every 250 ms, and a reply
// {"status": "ok", "result": {"text": "\xff\xfe", "nested": ["ok", "\xff\xfe"]}} per job.
class PoisonWorker {
 public:
  explicit PoisonWorker(const std::string& backend) : thread_([this, backend] { run(backend); }) {}
  ~PoisonWorker() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run(const std::string& backend) {
    zmq::context_t context(1);
    mdp::Worker worker(context, worker_options(backend));
    worker.connect(intentq_ready({"poison"}, 250));
    auto next_heartbeat = Clock::now();
    while (!stop_) {
      if (Clock::now() >= next_heartbeat) {
        worker.heartbeat();
        next_heartbeat = Clock::now() + 250ms;
      }
      worker.wait(50ms);
      auto in = worker.receive();
      // [service, body] after the delimiter
      if (!in || in->body.size() != 2) continue;
      JobReply reply;
      reply.id = decode_request(mdp::view(in->body[1])).id.value_or("");
      reply.intent = "poison";
      reply.result = {{"text", kPoison}, {"nested", {"ok", kPoison}}};
      reply.worker = "poison-worker";
      worker.reply(std::move(in->route), encode_reply(reply));
    }
    worker.disconnect(0ms);
  }

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// U+FFFD as printed: raw UTF-8 by the CLI, "\ufffd" by Python's json.dumps.
bool shows_replacement(const std::string& text) {
  return text.find("\xef\xbf\xbd") != std::string::npos ||
         text.find("\\ufffd") != std::string::npos;
}

class E2ePoison : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = std::make_unique<Broker>(); }
  const Endpoints& ep() const { return broker_->endpoints; }
  std::unique_ptr<Broker> broker_;
};

TEST_F(E2ePoison, InvalidUtf8InParamsIsRefusedAtTheDoorNamingTheField) {
  auto worker = start_worker(ep().backend);
  wait_for_service(ep().frontend, "echo");
  JobClient client(ep().frontend);
  // {"id": "bad-1", "params": {"a": "\xff\xfe"}}
  const std::string body = std::string("\x82\xa2id\xa5") + "bad-1" +
                           "\xa6params\x81\xa1"
                           "a\xa2" +
                           kPoison;
  client.request("echo", {body});
  auto reply = client.receive(10s);
  ASSERT_TRUE(reply) << "no reply to a request with invalid UTF-8";
  ASSERT_FALSE(reply->second.ok);
  ASSERT_TRUE(reply->second.error);
  EXPECT_EQ(reply->second.error->code, ErrorCode::kBadRequest);
  EXPECT_NE(reply->second.error->message.find("field 'params.a' is not valid UTF-8"),
            std::string::npos)
      << reply->second.error->message;
  // The same through the CLI: an answered job exits 2 (error reply), not 1 (no answer).
  auto run = run_cli(
      {"submit", "echo", "--broker", ep().frontend, "--param", "a=" + kPoison, "--compact"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("params.a"), std::string::npos) << run.output;
  // The broker is still serving.
  JobRequest ok;
  ok.params = {{"a", "fine"}};
  EXPECT_TRUE(submit(ep().frontend, "echo", ok).ok);
}

TEST_F(E2ePoison, EveryConsumerSurvivesInvalidUtf8InAResult) {
  PoisonWorker worker(ep().backend);
  wait_for_service(ep().frontend, "poison");

  // `intentq submit` prints the answered job and exits 0.
  auto run = run_cli({"submit", "poison", "--broker", ep().frontend, "--compact"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(shows_replacement(run.output)) << run.output;
  auto printed = first_json_line(run.output);
  ASSERT_TRUE(printed) << run.output;
  EXPECT_EQ(printed->value("status", ""), "ok");

  // `intentq watch` and the Python example's watch print the published result and exit 0.
  Process watch({test::bin_dir() + "/intentq", "watch", "--publish", ep().publish, "--topic",
                 "result.poison.", "--count", "1"});
  Process py({"/usr/bin/python3",
              std::string(INTENTQ_SOURCE_DIR) + "/examples/python/intentq_client.py", "--publish",
              ep().publish, "watch", "--topic", "result.poison.", "--count", "1"});
  ASSERT_TRUE(saw_line(watch, "subscribed", 5s)) << watch.output_text();
  // Subscriptions propagate asynchronously: submit until both have printed a result.
  bool cli_saw = false, py_saw = false;
  for (int i = 0; i < 60 && !(cli_saw && py_saw); ++i) {
    auto r = make_request("poison-" + std::to_string(i));
    ASSERT_TRUE(submit(ep().frontend, "poison", r).ok);
    cli_saw = cli_saw || saw_line(watch, "\"poison-", 250ms);
    py_saw = py_saw || saw_line(py, "\"poison-", 250ms);
  }
  ASSERT_TRUE(cli_saw) << watch.output_text();
  ASSERT_TRUE(py_saw) << py.output_text();
  for (auto* p : {&watch, &py}) {
    auto status = p->wait_exit(10s);
    ASSERT_TRUE(status) << "watch --count 1 did not exit:\n" << p->output_text();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << p->output_text();
    EXPECT_TRUE(shows_replacement(p->output_text())) << p->output_text();
  }
}

}  // namespace
}  // namespace intentq::e2e
