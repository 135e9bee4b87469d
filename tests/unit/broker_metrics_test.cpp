// What the broker core reports to its JobObserver (outcomes, queue wait, run time), with time
// passed explicitly, and how JobMetrics turns it into bounded Prometheus series.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <nlohmann/json.hpp>

#include "broker/broker.hpp"
#include "broker/job_metrics.hpp"
#include "common/envelope.hpp"
#include "tests/support/msgpack_json.hpp"

namespace intentq::broker {
namespace {

using nlohmann::json;
using Msg = std::vector<std::string>;

struct Recorder : Outbox {
  std::vector<Msg> workers;
  mdp::SendResult to_client(Frames&) override { return mdp::SendResult::kOk; }
  mdp::SendResult to_worker(Frames& f) override {
    Msg m;
    for (auto& x : f) m.emplace_back(mdp::view(x));
    workers.push_back(m);
    return mdp::SendResult::kOk;
  }
  void publish(Frames&) override {}
};

struct Event {
  std::string kind;  // answer, dispatch, reply
  std::string intent;
  std::optional<ErrorCode> error;
  Clock::duration took{};
};

struct Observer : JobObserver {
  std::vector<Event> events;
  void on_answer(std::string_view intent, std::optional<ErrorCode> error) override {
    events.push_back({"answer", std::string(intent), error, {}});
  }
  void on_dispatch(std::string_view intent, Clock::duration wait) override {
    events.push_back({"dispatch", std::string(intent), std::nullopt, wait});
  }
  void on_reply(std::string_view intent, Clock::duration run) override {
    events.push_back({"reply", std::string(intent), std::nullopt, run});
  }
};

Frames frames(const Msg& m) {
  Frames f;
  for (auto& s : m) f.push_back(mdp::frame(s));
  return f;
}

std::string body(const json& j) {
  return test::mp(j);
}

class BrokerObserverTest : public ::testing::Test {
 protected:
  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
  Recorder out;
  Observer seen;
  Config config = [] {
    Config c;
    c.default_deadline = Ms(5000);
    c.startup_grace = Ms(0);
    return c;
  }();
  Broker broker{config, out, now};

  void SetUp() override { broker.set_observer(&seen); }
  void worker(const Msg& m) {
    auto f = frames(m);
    broker.on_worker_message(f, now);
  }
  void submit(const std::string& service, const json& req) {
    auto f = frames({"c", "", "MDPC01", service, body(req)});
    broker.on_client_message(f, now);
  }
  Msg last_request() {
    for (auto it = out.workers.rbegin(); it != out.workers.rend(); ++it)
      if (it->size() > 4 && (*it)[3] == std::string(1, '\x02')) return *it;
    return {};
  }
  void reply(const Msg& request, std::optional<ErrorCode> error) {
    JobReply rep;
    rep.id = decode_request(request.back()).id.value_or("");
    rep.intent = "echo";
    rep.ok = !error;
    if (error) rep.error = JobError{*error, "x", 200, "no"};
    worker({"w", "", "MDPW01", std::string(1, '\x03'), request[4], "", encode_reply(rep)});
  }
};

TEST_F(BrokerObserverTest, ReportsOutcomesQueueWaitAndRunTime) {
  worker({"w", "", "MDPW01", std::string(1, '\x01'), "echo", "@intentq=1"});
  submit("echo", {{"id", "a"}});
  submit("echo", {{"id", "b"}});  // waits for the only worker
  const auto first = last_request();
  now += Ms(30);
  reply(first, std::nullopt);
  const auto second = last_request();
  now += Ms(7);
  reply(second, ErrorCode::kGatewayError);
  submit("nobody", {{"id", "c"}});  // UNKNOWN_INTENT, not a registered name
  submit("echo", {{"id", "d"}, {"deadline_ms", 100}});
  now += Ms(200);
  broker.on_timer(now);  // d's worker has not answered by its deadline: TIMEOUT while running

  ASSERT_EQ(seen.events.size(), 9u);
  auto is = [&](size_t i, const char* kind, const char* intent) {
    EXPECT_EQ(seen.events[i].kind, kind) << i;
    EXPECT_EQ(seen.events[i].intent, intent) << i;
  };
  is(0, "dispatch", "echo");
  EXPECT_EQ(seen.events[0].took, Ms(0));
  is(1, "reply", "echo");
  EXPECT_EQ(seen.events[1].took, Ms(30));
  is(2, "answer", "echo");
  EXPECT_EQ(seen.events[2].error, std::nullopt);
  is(3, "dispatch", "echo");  // b waited for a's 30 ms
  EXPECT_EQ(seen.events[3].took, Ms(30));
  is(4, "reply", "echo");
  EXPECT_EQ(seen.events[4].took, Ms(7));
  is(5, "answer", "echo");
  EXPECT_EQ(seen.events[5].error, ErrorCode::kGatewayError);  // the worker's own code
  is(6, "answer", "");
  EXPECT_EQ(seen.events[6].error, ErrorCode::kUnknownIntent);
  is(7, "dispatch", "echo");
  is(8, "answer", "echo");
  EXPECT_EQ(seen.events[8].error, ErrorCode::kTimeout);
  // A late reply is timed but not answered twice.
  reply(last_request(), std::nullopt);
  ASSERT_EQ(seen.events.size(), 10u);
  is(9, "reply", "echo");
  EXPECT_EQ(seen.events[9].took, Ms(200));
}

std::string exposition(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(JobMetrics, SeriesFollowEventsAndLabelsAreBounded) {
  prometheus::Registry registry;
  JobMetrics metrics(registry);
  metrics.on_answer("summary", std::nullopt);
  metrics.on_answer("summary", std::nullopt);
  metrics.on_answer("summary", ErrorCode::kGatewayPacing);
  metrics.on_answer("", ErrorCode::kBadRequest);
  metrics.on_dispatch("summary", Ms(3));
  metrics.on_reply("summary", Ms(1500));
  auto text = exposition(registry);
  EXPECT_NE(text.find(R"(intentq_broker_jobs_total{intent="summary",outcome="ok"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(intentq_broker_jobs_total{intent="summary",outcome="GATEWAY_PACING"} 1)"),
            std::string::npos);
  EXPECT_NE(
      text.find(R"m(intentq_broker_jobs_total{intent="(unregistered)",outcome="BAD_REQUEST"} 1)m"),
      std::string::npos);
  EXPECT_NE(text.find(R"(intentq_broker_queue_wait_seconds_bucket{intent="summary",le="0.005"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(intentq_broker_job_duration_seconds_bucket{intent="summary",le="1"} 0)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(intentq_broker_job_duration_seconds_bucket{intent="summary",le="2.5"} 1)"),
            std::string::npos);

  // Past the cap, new names share "(other)": label values stay bounded whatever workers register.
  for (size_t i = 0; i < 2 * kMaxIntentLabels; ++i)
    metrics.on_answer("intent_" + std::to_string(i), std::nullopt);
  text = exposition(registry);
  size_t ok_series = 0;
  for (size_t at = 0; (at = text.find("outcome=\"ok\"}", at)) != std::string::npos; ++at)
    ++ok_series;
  EXPECT_LE(ok_series, kMaxIntentLabels + 2);
  EXPECT_NE(text.find(R"m(intentq_broker_jobs_total{intent="(other)",outcome="ok"})m"),
            std::string::npos);
}

}  // namespace
}  // namespace intentq::broker
