// Security on real processes: intentq-broker with CURVE and a ZAP allowlist, the real worker and
// CLI with keys made by `intentq keygen`, and hostile peers (unknown keys, plain peers) as raw
// ZeroMQ sockets. A recording TCP relay between a client and the broker stands in for a capture
// of the loopback traffic. Also the bind policy: a public address without CURVE is refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include "common/curve_keys.hpp"
#include "common/curve_socket.hpp"
#include "common/mdp.hpp"
#include "tests/support/e2e_cluster.hpp"
#include "tests/support/readers.hpp"

namespace intentq::e2e {
namespace {

namespace fs = std::filesystem;

// An account id as IB formats them; it must never cross the wire in clear text under CURVE.
constexpr const char* kAccount = "DU7319264";

struct Keys {
  fs::path dir;
  explicit Keys(const fs::path& d) : dir(d) {}
  fs::path pub(const std::string& name) const { return dir / (name + ".key"); }
  fs::path secret(const std::string& name) const { return dir / (name + ".key_secret"); }
  curve::ClientKeys client(const std::string& name) const {
    return {curve::load_public(pub("broker")), curve::load_secret(secret(name))};
  }
  // Command-line options of the worker and CLI for peer `name`.
  std::vector<std::string> args(const std::string& name) const {
    return {"--curve-server-key", pub("broker").string(), "--curve-secret", secret(name).string()};
  }
};

// A temporary directory with keys made by the real `intentq keygen`, and an allow directory.
class CurveCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "intentq-security-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    for (const char* name : {"broker", "alice", "w1", "sub", "mallory"}) {
      auto run = run_cli({"keygen", (root_ / "keys").string(), "--name", name}, 10s);
      ASSERT_EQ(run.exit_code, 0) << run.output;
    }
    allow("clients", "alice");
    allow("workers", "w1");
    allow("subscribers", "sub");
    broker_ = std::make_unique<Broker>(std::vector<std::string>{
        "--curve-secret", keys().secret("broker").string(), "--curve-allow",
        (root_ / "allow").string(), "--startup-grace-ms", "500", "--metrics", "127.0.0.1:0"});
  }
  void TearDown() override {
    broker_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void allow(const std::string& domain, const std::string& name) {
    fs::create_directories(root_ / "allow" / domain);
    fs::copy_file(keys().pub(name), root_ / "allow" / domain / (name + ".key"),
                  fs::copy_options::overwrite_existing);
  }
  Keys keys() const { return Keys(root_ / "keys"); }
  const Endpoints& ep() const { return broker_->endpoints; }

  // `intentq submit echo` as peer `name`; one try with a short timeout.
  CliRun submit_as(const std::string& name, const std::string& id,
                   const std::string& frontend = {}) {
    std::vector<std::string> args{"submit",    "echo",
                                  "--broker",  frontend.empty() ? ep().frontend : frontend,
                                  "--param",   std::string("account=") + kAccount,
                                  "--id",      id,
                                  "--compact", "--retries",
                                  "0",         "--timeout-ms",
                                  "3000"};
    for (auto& a : keys().args(name)) args.push_back(a);
    return run_cli(args);
  }
  nlohmann::json stats() {
    std::vector<std::string> args{"stats", "--broker", ep().frontend};
    for (auto& a : keys().args("alice")) args.push_back(a);
    auto run = run_cli(args);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    const auto start = run.output.find('{');
    if (start == std::string::npos) return {};
    return nlohmann::json::parse(run.output.substr(start), nullptr, false);
  }
  uint64_t counter(const std::string& name) {
    auto s = stats();
    return s.is_object() ? s["counters"].value(name, uint64_t{0}) : 0;
  }
  // The body of GET /metrics from the broker's Prometheus endpoint (plain HTTP/1.0 over loopback).
  std::string metrics() {
    std::smatch m;
    const auto text = broker_->process->output_text();
    if (!std::regex_search(text, m, std::regex(R"(metrics=http://127\.0\.0\.1:(\d+)/metrics)")))
      return {};
    // Bounded: the connect, each read and the whole answer.
    return test::http_get(std::stoi(m[1]), "/metrics");
  }
  std::unique_ptr<Process> worker_as(const std::string& name) {
    return start_worker(ep().backend, 200, 3, "info", keys().args(name));
  }

  fs::path root_;
  std::unique_ptr<Broker> broker_;
};

// A SUB socket subscribed to everything, optionally a CURVE client.
struct Subscriber {
  zmq::context_t ctx{1};
  zmq::socket_t socket{ctx, zmq::socket_type::sub};
  Subscriber(const std::string& endpoint, const std::optional<curve::ClientKeys>& keys) {
    socket.set(zmq::sockopt::linger, 0);
    if (keys) curve::apply_curve_client(socket, *keys);
    socket.set(zmq::sockopt::subscribe, "");
    socket.connect(endpoint);
  }
  // Every frame received within `timeout`, concatenated.
  std::string receive_for(std::chrono::milliseconds timeout) {
    std::string all;
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 50ms);
      zmq::message_t m;
      while (socket.recv(m, zmq::recv_flags::dontwait)) all += m.to_string();
    }
    return all;
  }
};

// A client or a worker peer on common/'s MDP sockets, optionally a CURVE client.
struct ClientPeer {
  zmq::context_t ctx{1};
  mdp::Client client;
  ClientPeer(const std::string& endpoint, const std::optional<curve::ClientKeys>& keys)
      : client(ctx, endpoint, mdp::ClientOptions{keys, false}) {}
};
struct WorkerPeer {
  zmq::context_t ctx{1};
  mdp::Worker worker;
  WorkerPeer(const std::string& endpoint, const std::optional<curve::ClientKeys>& keys,
             const std::string& service)
      : worker(ctx, worker_options(endpoint, keys)) {
    worker.connect(intentq_ready({service}));
  }
};

TEST_F(CurveCluster, AllowedClientWorkerAndSubscriberWorkEndToEnd) {
  auto worker = worker_as("w1");
  auto watch_args = std::vector<std::string>{test::bin_dir() + "/intentq",
                                             "watch",
                                             "--publish",
                                             ep().publish,
                                             "--topic",
                                             "result.echo",
                                             "--count",
                                             "1"};
  for (auto& a : keys().args("sub")) watch_args.push_back(a);
  Process watch(watch_args);
  ASSERT_TRUE(saw_line(watch, "subscribed", 10s)) << watch.output_text();
  // The subscription travels after the CURVE handshake: submit until the watcher has one.
  CliRun run;
  for (int i = 0; i < 20 && !watch.wait_exit(0ms); ++i) {
    run = submit_as("alice", "ok-" + std::to_string(i));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    if (watch.wait_exit(1s)) break;
  }
  auto reply = first_json_line(run.output);
  ASSERT_TRUE(reply) << run.output;
  EXPECT_EQ(reply->value("status", ""), "ok");
  EXPECT_EQ((*reply)["result"].value("account", ""), kAccount);
  ASSERT_FALSE(watch.running()) << "the allowed subscriber saw no result:\n" << watch.output_text();
  EXPECT_NE(watch.output_text().find(kAccount), std::string::npos) << watch.output_text();
  EXPECT_EQ(counter("zap_denied"), 0u);
}

// Issue 20: with CURVE the client's key owns its jobs (ZAP's User-Id), so `intentq cancel` run as
// a separate process with the same key cancels a job another connection submitted; the routing id
// alone (a plain connection) could not.
TEST_F(CurveCluster, TheSubmittersKeyCancelsItsJobFromAnotherProcess) {
  auto worker = worker_as("w1");
  // 0 until the broker lists echo (a missing key, or a stats call that failed, is not a number).
  auto echo_stat = [&](const char* key) {
    const auto s = stats();
    const auto* echo = s.is_object() ? &s : nullptr;
    for (const char* k : {"services", "echo"})
      echo = echo && echo->is_object() && echo->contains(k) ? &echo->at(k) : nullptr;
    return echo && echo->is_object() ? echo->value(key, 0) : 0;
  };
  for (int i = 0; i < 100 && echo_stat("workers") < 1; ++i)
    std::this_thread::sleep_for(50ms);  // polling mmi.stats until the worker registered, bounded
  ClientPeer alice(ep().frontend, keys().client("alice"));
  auto slow = make_request("curve-slow", {{"delay_ms", 20000}}, 30000);
  alice.client.send("echo", encode_request(slow));
  // Until the worker holds it (a cancel before that finds it queued; both are fine, but the
  // worker's stop is what this test shows).
  for (int i = 0; i < 100 && echo_stat("busy") != 1; ++i)
    std::this_thread::sleep_for(50ms);  // polling mmi.stats, bounded
  std::vector<std::string> args{"cancel", "curve-slow", "--compact", "--broker", ep().frontend};
  for (auto& a : keys().args("alice")) args.push_back(a);
  const auto run = run_cli(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto ack = first_json_line(run.output);
  ASSERT_TRUE(ack) << run.output;
  EXPECT_EQ((*ack)["result"]["state"], "running") << run.output;
  auto reply = alice.client.receive(10s);
  ASSERT_TRUE(reply) << "the submitter got no answer";
  ASSERT_EQ(reply->body.size(), 1u);
  const auto got = decode_reply(reply->body[0]);
  ASSERT_TRUE(got.error);
  EXPECT_EQ(got.error->code, ErrorCode::kCancelled);
  EXPECT_EQ(counter("jobs_stopped"), 1u);
}

TEST_F(CurveCluster, ClientWithUnknownKeyGetsNoReplyAndIsCounted) {
  auto worker = worker_as("w1");
  auto run = submit_as("mallory", "mallory-1");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_FALSE(first_json_line(run.output)) << run.output;
  EXPECT_GE(counter("zap_denied"), 1u);
  EXPECT_EQ(counter("accepted"), 0u);  // nothing of mallory's reached the broker core
  EXPECT_TRUE(saw_line(*broker_->process, "not in the allowlist", 5s));
  // The denial is on the Prometheus endpoint too (refreshed every 250 ms).
  const std::regex denied(R"re(intentq_broker_events_total\{event="zap_denied"\} ([1-9]\d*))re");
  std::string text;
  for (int i = 0; i < 40 && !std::regex_search(text = metrics(), denied); ++i)
    std::this_thread::sleep_for(100ms);  // polling a scrape endpoint, bounded
  EXPECT_TRUE(std::regex_search(text, denied)) << text;
  // ... and by socket: mallory knocked on the clients' socket only.
  const std::regex by_domain(
      R"re(intentq_broker_zap_denied_total\{domain="clients"\} ([1-9]\d*))re");
  for (int i = 0; i < 40 && !std::regex_search(text = metrics(), by_domain); ++i)
    std::this_thread::sleep_for(100ms);  // polling a scrape endpoint, bounded
  EXPECT_TRUE(std::regex_search(text, by_domain)) << text;
  EXPECT_NE(text.find(R"(intentq_broker_zap_denied_total{domain="workers"} 0)"), std::string::npos)
      << text;
}

TEST_F(CurveCluster, WorkerWithUnknownKeyNeverRegistersNorGetsJobs) {
  // The real worker with a key that is not in allow/workers (alice's key is a client key).
  auto bad = worker_as("alice");
  auto run = submit_as("alice", "no-worker-1");
  auto reply = first_json_line(run.output);
  ASSERT_TRUE(reply) << run.output;
  EXPECT_EQ(reply->value("status", ""), "error");
  EXPECT_EQ((*reply)["error"].value("code", ""), "UNKNOWN_INTENT") << run.output;
  const auto s = stats();
  EXPECT_EQ(s["counters"].value("dispatched", -1), 0);
  EXPECT_FALSE(s["services"].contains("echo")) << s.dump();
  EXPECT_GE(s["counters"].value("zap_denied", 0), 1);
}

TEST_F(CurveCluster, SubscriberWithUnknownKeyReceivesNothing) {
  auto worker = worker_as("w1");
  Subscriber good(ep().publish, keys().client("sub"));
  Subscriber bad(ep().publish, keys().client("mallory"));
  Subscriber wrong_domain(ep().publish, keys().client("alice"));
  std::string seen;
  for (int i = 0; i < 20 && seen.find(kAccount) == std::string::npos; ++i) {
    ASSERT_EQ(submit_as("alice", "pub-" + std::to_string(i)).exit_code, 0);
    seen += good.receive_for(300ms);
  }
  ASSERT_NE(seen.find(kAccount), std::string::npos) << "the allowed subscriber saw nothing";
  ASSERT_EQ(submit_as("alice", "pub-last").exit_code, 0);
  EXPECT_EQ(bad.receive_for(1s), "");
  EXPECT_EQ(wrong_domain.receive_for(200ms), "");
  EXPECT_GE(counter("zap_denied"), 2u);
}

TEST_F(CurveCluster, PlainPeersOfEveryKindAreRefused) {
  auto worker = worker_as("w1");
  // A plain client: no reply to mmi.service.
  ClientPeer client(ep().frontend, std::nullopt);
  client.client.send("mmi.service", "echo");
  EXPECT_FALSE(client.client.wait(2s));
  // A plain worker offering "plain.svc": never registered.
  WorkerPeer plain_worker(ep().backend, std::nullopt, "plain.svc");
  EXPECT_FALSE(plain_worker.worker.wait(1s));
  // A plain subscriber: nothing, while an allowed job runs.
  Subscriber sub(ep().publish, std::nullopt);
  ASSERT_EQ(submit_as("alice", "plain-1").exit_code, 0);
  EXPECT_EQ(sub.receive_for(1s), "");
  const auto s = stats();
  EXPECT_FALSE(s["services"].contains("plain.svc")) << s.dump();
  EXPECT_EQ(s["counters"].value("bad_worker_messages", -1), 0);
  // The same peers with an allowed key get through (the refusal was about the key).
  ClientPeer allowed(ep().frontend, keys().client("alice"));
  allowed.client.send("mmi.service", "echo");
  EXPECT_TRUE(allowed.client.wait(5s));
}

TEST_F(CurveCluster, RemovedKeyPlusSighupStopsNewConnections) {
  auto worker = worker_as("w1");
  ASSERT_EQ(submit_as("alice", "before-1").exit_code, 0);
  fs::remove(root_ / "allow" / "clients" / "alice.key");
  allow("clients", "mallory");  // and a key added at the same time takes effect
  broker_->process->signal(SIGHUP);
  ASSERT_TRUE(saw_line(*broker_->process, "SIGHUP: CURVE allowlist clients has 1 key(s)", 5s))
      << broker_->process->output_text();
  auto run = submit_as("alice", "after-1");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_FALSE(first_json_line(run.output)) << run.output;
  auto ok = submit_as("mallory", "after-2");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  // A worker key removed: a new worker connection with it cannot register.
  fs::remove(root_ / "allow" / "workers" / "w1.key");
  broker_->process->signal(SIGHUP);
  ASSERT_TRUE(saw_line(*broker_->process, "SIGHUP: CURVE allowlist workers has 0 key(s)", 5s));
  WorkerPeer late(ep().backend, keys().client("w1"), "late.svc");
  EXPECT_FALSE(late.worker.wait(1500ms));
  std::vector<std::string> args{"stats", "--broker", ep().frontend};
  for (auto& a : keys().args("mallory")) args.push_back(a);
  auto st = run_cli(args);
  ASSERT_EQ(st.exit_code, 0) << st.output;
  EXPECT_EQ(st.output.find("late.svc"), std::string::npos) << st.output;
}

// The CLI tells CURVE mistakes apart (common/connection_watch.hpp), each within the retry budget
// and well before it: a refused handshake ends the command at once instead of after every try.
// Each case asserts its own message, that the others' messages are absent, and the time taken.
struct TimedRun {
  CliRun run;
  std::chrono::milliseconds took;
};
TimedRun timed_cli(std::vector<std::string> args) {
  const auto start = Clock::now();
  auto run = run_cli(std::move(args), 60s);
  return {run, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)};
}

TEST_F(CurveCluster, CliSaysWhichCurveMistakeItMade) {
  auto worker = worker_as("w1");
  const std::string alice_pub = curve::load_public(keys().pub("alice"));
  const std::string mallory_pub = curve::load_public(keys().pub("mallory"));
  // Default retry options: the budget a user gets (4 tries and the 30 s deadline).
  auto submit = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"submit", "echo", "--broker", ep().frontend, "--compact"};
    for (auto& a : extra) args.push_back(a);
    return timed_cli(args);
  };
  // Our key is not in allow/clients.
  auto unknown = submit(keys().args("mallory"));
  // The server key is not the broker's (alice's public key instead).
  auto wrong = submit({"--curve-server-key", keys().pub("alice").string(), "--curve-secret",
                       keys().secret("alice").string()});
  // No keys at all against a CURVE broker.
  auto none = submit({});
  const char* kUnknown = "the broker does not allow our key";
  const char* kWrong = "is not the broker's public key";
  const char* kNone = "requires CURVE";
  struct Case {
    const char* name;
    TimedRun& r;
    const char* expect;
  };
  for (const Case& c : {Case{"unknown key", unknown, kUnknown},
                        Case{"wrong server key", wrong, kWrong}, Case{"no keys", none, kNone}}) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.r.run.exit_code, 1) << c.r.run.output;
    EXPECT_FALSE(first_json_line(c.r.run.output)) << c.r.run.output;
    for (const char* other : {kUnknown, kWrong, kNone})
      EXPECT_EQ(c.r.run.output.find(other) != std::string::npos, other == c.expect)
          << c.r.run.output;
    EXPECT_EQ(c.r.run.output.find("resending"), std::string::npos) << c.r.run.output;
    // A refused handshake is final at once; the budget (~32 s) is far away.
    EXPECT_LT(c.r.took, 5s) << c.r.run.output;
    std::printf("%s: %lld ms: %s", c.name, static_cast<long long>(c.r.took.count()),
                c.r.run.output.c_str());
  }
  EXPECT_NE(unknown.run.output.find(mallory_pub), std::string::npos) << unknown.run.output;
  EXPECT_NE(unknown.run.output.find("--curve-secret"), std::string::npos) << unknown.run.output;
  EXPECT_NE(wrong.run.output.find("--curve-server-key"), std::string::npos) << wrong.run.output;
  EXPECT_NE(none.run.output.find("--curve-server-key"), std::string::npos) << none.run.output;
  // The allowed key still works, so the refusals were about the keys.
  auto ok = submit(keys().args("alice"));
  EXPECT_EQ(ok.run.exit_code, 0) << ok.run.output << alice_pub;
}

TEST_F(CurveCluster, WatchReportsARefusedHandshakeInsteadOfSubscribing) {
  // No keys against the CURVE publish socket, then a key not in allow/subscribers.
  for (const auto& extra : {std::vector<std::string>{}, keys().args("mallory")}) {
    std::vector<std::string> args{"watch", "--publish", ep().publish};
    for (auto& a : extra) args.push_back(a);
    auto r = timed_cli(args);
    EXPECT_EQ(r.run.exit_code, 1) << r.run.output;
    EXPECT_EQ(r.run.output.find("subscribed"), std::string::npos) << r.run.output;
    EXPECT_NE(r.run.output.find(extra.empty() ? "requires CURVE" : "does not allow our key"),
              std::string::npos)
        << r.run.output;
    EXPECT_NE(r.run.output.find("subscribers"), std::string::npos) << r.run.output;
    EXPECT_LT(r.took, 5s) << r.run.output;
  }
  // With an allowed key it subscribes.
  std::vector<std::string> args{test::bin_dir() + "/intentq", "watch", "--publish", ep().publish};
  for (auto& a : keys().args("sub")) args.push_back(a);
  Process watch(args);
  EXPECT_TRUE(saw_line(watch, "subscribed to", 10s)) << watch.output_text();
}

TEST_F(CurveCluster, BrokerLogsAndCountsEveryRefusedHandshakeByDomainAndReason) {
  // Three kinds of refusal, on two sockets: no key (ZAP never hears of it), a HELLO for another
  // server key (nor of that), and an unknown key (ZAP 400).
  ClientPeer plain(ep().frontend, std::nullopt);
  plain.client.send("mmi.service", "echo");
  auto wrong = keys().client("alice");
  wrong.server_public = curve::load_public(keys().pub("sub"));
  ClientPeer wrong_key(ep().frontend, wrong);
  wrong_key.client.send("mmi.service", "echo");
  WorkerPeer unknown_worker(ep().backend, keys().client("mallory"), "x.svc");
  auto count_of = [](const std::string& text, const std::string& domain,
                     const std::string& reason) -> uint64_t {
    std::smatch m;
    const std::regex re(R"re(intentq_broker_handshakes_refused_total\{domain=")re" + domain +
                        R"re(",reason=")re" + reason + R"re("\} (\d+))re");
    return std::regex_search(text, m, re) ? std::stoull(m[1]) : 0;
  };
  // The wrong-key client retries every ~100 ms: wait (bounded) until it has been refused well
  // past its log budget (5 lines a minute), and every kind has been counted. A peer without keys
  // may close first on seeing our CURVE greeting: counted as no_key or hung_up.
  std::string text;
  auto all_seen = [&] {
    text = metrics();
    return count_of(text, "clients", "no_key") + count_of(text, "clients", "hung_up") > 0 &&
           count_of(text, "clients", "wrong_server_key") >= 12 &&
           count_of(text, "workers", "key_not_allowed") > 0;
  };
  const auto until = Clock::now() + 20s;
  while (!all_seen() && Clock::now() < until)
    std::this_thread::sleep_for(100ms);  // polling a scrape endpoint, bounded
  EXPECT_TRUE(all_seen()) << text;
  EXPECT_NE(
      text.find(
          R"(intentq_broker_handshakes_refused_total{domain="subscribers",reason="no_key"} 0)"),
      std::string::npos)
      << text;
  const auto log = broker_->process->output_text();
  EXPECT_TRUE(log.find("the peer has no CURVE keys") != std::string::npos ||
              log.find("the peer closed the connection during the handshake") != std::string::npos)
      << log;
  EXPECT_NE(log.find("uses a wrong server key"), std::string::npos) << log;
  EXPECT_NE(log.find("refused a CURVE handshake on backend"), std::string::npos) << log;
  // The log stays bounded per kind while the counter goes on: 5 lines, the last one saying the
  // rest are summed up.
  EXPECT_EQ(count_lines(*broker_->process, "uses a wrong server key"), 5u) << log;
  EXPECT_NE(log.find("further ones of this kind this minute are summed up"), std::string::npos)
      << log;
}

// The allow directory unreadable by the user the broker runs as: exit 78 naming the path and the
// user, not "0 key(s)" and a broker that refuses everyone. Tests run as root, which reads any
// directory: the broker is then run as nobody (setpriv), the allow directory staying root's 0700.
TEST(BrokerAllowDir, UnreadableAllowDirectoryIsAConfigErrorNamingPathAndUser) {
  std::string tmpl = (fs::temp_directory_path() / "intentq-allow-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path root = tmpl;
  ASSERT_EQ(run_cli({"keygen", (root / "keys").string(), "--name", "broker"}).exit_code, 0);
  fs::create_directories(root / "allow" / "clients");
  std::vector<std::string> argv;
  std::string user;
  if (::geteuid() == 0) {
    if (!fs::exists("/usr/bin/setpriv")) GTEST_SKIP() << "running as root without setpriv";
    // nobody must reach the broker's key (its own, 0600) but not the allow directory.
    fs::permissions(root, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(root / "keys",
                    fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
    ASSERT_EQ(::chown((root / "keys" / "broker.key_secret").c_str(), 65534, 65534), 0);
    fs::permissions(root / "allow", fs::perms::owner_all);
    argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    user = "uid 65534";
  } else {
    fs::permissions(root / "allow", fs::perms::none);
    user = "uid " + std::to_string(::geteuid());
  }
  for (const std::string& a : {test::bin_dir() + "/intentq-broker", std::string("--frontend"),
                               std::string("tcp://127.0.0.1:*"), std::string("--backend"),
                               std::string("tcp://127.0.0.1:*"), std::string("--publish"),
                               std::string("tcp://127.0.0.1:*"), std::string("--curve-secret"),
                               (root / "keys" / "broker.key_secret").string(),
                               std::string("--curve-allow"), (root / "allow").string()})
    argv.push_back(a);
  Process broker(argv);
  const auto status = broker.wait_exit(10s);
  fs::permissions(root / "allow", fs::perms::owner_all);
  ASSERT_TRUE(status) << broker.output_text();
  const auto out = broker.output_text();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 78) << out;
  EXPECT_EQ(out.find("intentq-broker ready"), std::string::npos) << out;
  EXPECT_NE(out.find("--curve-allow: cannot read " + (root / "allow").string()), std::string::npos)
      << out;
  EXPECT_NE(out.find("Permission denied"), std::string::npos) << out;
  EXPECT_NE(out.find(user), std::string::npos) << out;
  std::error_code ec;
  fs::remove_all(root, ec);
}

// The Python example client (pyzmq) with CURVE keys from `intentq keygen`.
TEST_F(CurveCluster, PythonExampleClientSubmitsWithCurve) {
  auto worker = worker_as("w1");
  auto python = [&](const std::string& name) {
    Process p({"/usr/bin/python3",
               std::string(INTENTQ_SOURCE_DIR) + "/examples/python/intentq_client.py", "--broker",
               ep().frontend, "--curve-server-key", keys().pub("broker").string(), "--curve-secret",
               keys().secret(name).string(), "submit", "echo", "--param",
               std::string("account=") + kAccount, "--timeout", "1.5"});
    const auto status = p.wait_exit(30s);
    EXPECT_TRUE(status) << p.output_text();
    return std::make_pair(status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1,
                          p.output_text());
  };
  const auto [ok_code, ok_out] = python("alice");
  EXPECT_EQ(ok_code, 0) << ok_out;
  EXPECT_NE(ok_out.find(kAccount), std::string::npos) << ok_out;
  const auto [bad_code, bad_out] = python("mallory");
  EXPECT_EQ(bad_code, 1) << bad_out;
  EXPECT_NE(bad_out.find("no reply"), std::string::npos) << bad_out;
}

// A TCP relay on loopback that records every byte in both directions: what a capture of the
// traffic between a client and the broker would show.
class RecordingRelay {
 public:
  explicit RecordingRelay(const std::string& target_endpoint) {
    const std::regex ep(R"(tcp://127\.0\.0\.1:(\d+))");
    std::smatch m;
    if (!std::regex_match(target_endpoint, m, ep)) throw std::runtime_error("bad endpoint");
    target_port_ = static_cast<uint16_t>(std::stoi(m[1]));
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 4) != 0)
      throw std::runtime_error("relay: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~RecordingRelay() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::string recorded() {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  void run() {
    std::vector<std::pair<int, int>> pairs;  // (client, broker)
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto [a, b] : pairs) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int a = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        const int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(target_port_);
        if (a >= 0 && ::connect(b, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
          pairs.emplace_back(a, b);
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        const auto& p = pairs[(i - 1) / 2];
        const int from = fds[i].fd;
        const int to = from == p.first ? p.second : p.first;
        char buf[65536];
        const auto n = ::read(from, buf, sizeof buf);
        if (n <= 0) continue;  // closed; the test ends soon anyway
        {
          std::lock_guard lock(mu_);
          bytes_.append(buf, static_cast<size_t>(n));
        }
        (void)!::write(to, buf, static_cast<size_t>(n));
      }
    }
    for (auto [a, b] : pairs) {
      ::close(a);
      ::close(b);
    }
  }
  uint16_t target_port_ = 0, port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string bytes_;
  std::thread thread_;
};

TEST_F(CurveCluster, TrafficCarriesNoPlaintextAccountId) {
  auto worker = worker_as("w1");
  RecordingRelay relay(ep().frontend);
  auto run = submit_as("alice", "captured-1", relay.endpoint());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_NE(run.output.find(kAccount), std::string::npos);  // it did travel, encrypted
  const auto wire = relay.recorded();
  EXPECT_GT(wire.size(), 200u);
  EXPECT_NE(wire.find("CURVE"), std::string::npos);  // the ZMTP greeting names the mechanism
  EXPECT_EQ(wire.find(kAccount), std::string::npos);
  EXPECT_EQ(wire.find("echo"), std::string::npos);
}

// The control for the capture above: without CURVE the same relay does see the account id.
TEST(PlainTraffic, RelaySeesTheAccountIdWithoutCurve) {
  Broker broker;
  auto worker = start_worker(broker.endpoints.backend);
  RecordingRelay relay(broker.endpoints.frontend);
  auto run = run_cli({"submit", "echo", "--broker", relay.endpoint(), "--param",
                      std::string("account=") + kAccount, "--retries", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(relay.recorded().find(kAccount), std::string::npos);
}

TEST(BindPolicy, PublicAddressWithoutCurveExitsWithAClearMessage) {
  Process broker({test::bin_dir() + "/intentq-broker", "--frontend", "tcp://0.0.0.0:*", "--backend",
                  "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*"});
  const auto status = broker.wait_exit(10s);
  ASSERT_TRUE(status) << broker.output_text();
  EXPECT_EQ(WEXITSTATUS(*status), 78);  // a refused configuration (EX_CONFIG)
  const auto out = broker.output_text();
  EXPECT_EQ(out.find("intentq-broker ready"), std::string::npos) << out;
  EXPECT_NE(out.find("refusing to bind frontend to tcp://0.0.0.0:* without CURVE"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("--insecure-allow-public"), std::string::npos) << out;
}

TEST(BindPolicy, InsecureAllowPublicStartsAndWarns) {
  // Bound on all interfaces, but the test only talks to it over loopback.
  Process broker({test::bin_dir() + "/intentq-broker", "--frontend", "tcp://127.0.0.1:*",
                  "--backend", "tcp://*:0", "--publish", "tcp://127.0.0.1:*",
                  "--insecure-allow-public"});
  broker.expect_line(std::regex("intentq-broker ready"), 10s);
  EXPECT_NE(broker.output_text().find("INSECURE: backend bound to tcp://*:0 without CURVE"),
            std::string::npos)
      << broker.output_text();
}

TEST(BindPolicy, CurveSecretWithoutAllowlistIsRefused) {
  std::string tmpl = (fs::temp_directory_path() / "intentq-security-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  ASSERT_EQ(run_cli({"keygen", tmpl, "--name", "b"}).exit_code, 0);
  Process broker({test::bin_dir() + "/intentq-broker", "--frontend", "tcp://127.0.0.1:*",
                  "--backend", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*",
                  "--curve-secret", tmpl + "/b.key_secret"});
  const auto status = broker.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 78);  // a refused configuration (EX_CONFIG)
  EXPECT_NE(broker.output_text().find("--curve-secret needs --curve-allow"), std::string::npos)
      << broker.output_text();
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace intentq::e2e
