// CURVE keys (generation, zcert-format files, permissions), the loopback bind policy, and the
// ZAP allowlist handler with real CURVE sockets over TCP loopback.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "common/curve_keys.hpp"
#include "common/curve_socket.hpp"
#include "common/log_budget.hpp"
#include "common/zap_handler.hpp"

namespace intentq::curve {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "intentq-curve-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(CurveKeys, GenerateGivesMatchingZ85Pair) {
  const auto a = generate();
  const auto b = generate();
  EXPECT_TRUE(is_z85_key(a.public_key));
  EXPECT_TRUE(is_z85_key(a.secret_key));
  EXPECT_EQ(public_of(a.secret_key), a.public_key);
  EXPECT_NE(a.public_key, b.public_key);
  EXPECT_FALSE(is_z85_key("short"));
  EXPECT_FALSE(is_z85_key(std::string(40, '"')));  // '"' is not in the Z85 alphabet
}

TEST(CurveKeys, SaveWritesZcertFilesWithSafeModesAndLoadsBack) {
  TempDir tmp;
  const auto dir = tmp.path / "keys";  // created by save, 0700
  const auto keys = generate();
  save(dir, "broker", keys);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "broker.key_secret"), 0600u);
  EXPECT_EQ(mode_of(dir / "broker.key"), 0644u);
  EXPECT_EQ(load_public(dir / "broker.key"), keys.public_key);
  EXPECT_EQ(load_public(dir / "broker.key_secret"), keys.public_key);
  const auto back = load_secret(dir / "broker.key_secret");
  EXPECT_EQ(back.public_key, keys.public_key);
  EXPECT_EQ(back.secret_key, keys.secret_key);
  // The public file carries no secret.
  std::ifstream in(dir / "broker.key");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find(keys.secret_key), std::string::npos);
  EXPECT_NE(text.find("public-key = \"" + keys.public_key + "\""), std::string::npos);
  // Never overwrites, never accepts a path as a name.
  EXPECT_THROW(save(dir, "broker", generate()), std::runtime_error);
  EXPECT_EQ(load_public(dir / "broker.key"), keys.public_key);
  EXPECT_THROW(save(dir, "../evil", generate()), std::runtime_error);
  EXPECT_THROW(save(dir, ".hidden", generate()), std::runtime_error);
}

// Why load_secret refuses `file` (a test failure, and "", when it accepts it).
std::string refusal_of(const fs::path& file) {
  try {
    load_secret(file);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << file << " was accepted as a secret key file";
  return "";
}

TEST(CurveKeys, SecretFileReadableByOthersOrMismatchedIsRefused) {
  TempDir tmp;
  const auto keys = generate();
  save(tmp.path, "w", keys);
  const auto secret = tmp.path / "w.key_secret";
  ::chmod(secret.c_str(), 0640);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "chmod 600", refusal_of(secret));
  // A secret file whose public key belongs to another pair.
  const auto other = generate();
  const auto forged = tmp.path / "forged.key_secret";
  std::ofstream(forged) << "curve\n    public-key = \"" << other.public_key
                        << "\"\n    secret-key = \"" << keys.secret_key << "\"\n";
  ::chmod(forged.c_str(), 0600);
  EXPECT_THROW(load_secret(forged), std::runtime_error);
  // The public certificate is not a secret one.
  ::chmod((tmp.path / "w.key").c_str(), 0600);
  EXPECT_THROW(load_secret(tmp.path / "w.key"), std::runtime_error);
  EXPECT_THROW(load_secret(tmp.path / "missing.key_secret"), std::runtime_error);
}

TEST(CurveKeys, PublicFilePassedAsSecretIsNamedBeforeItsPermissions) {
  TempDir tmp;
  save(tmp.path, "w", generate());
  // keygen leaves the public file 0644: the first thing to say is which file to pass instead,
  // not to chmod a file that holds no secret.
  const std::string what = refusal_of(tmp.path / "w.key");
  EXPECT_NE(what.find("is a public key file"), std::string::npos) << what;
  EXPECT_NE(what.find("pass the .key_secret file"), std::string::npos) << what;
  EXPECT_EQ(what.find("chmod"), std::string::npos) << what;
  // A file that holds no key at all says so, also before any chmod advice.
  const auto junk = tmp.path / "junk.key_secret";
  std::ofstream(junk) << "not a certificate\n";
  ::chmod(junk.c_str(), 0644);
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "no valid secret-key", refusal_of(junk));
}

TEST(CurveKeys, ReadsCertificatesWrittenByCzmqAndPyzmq) {
  TempDir tmp;
  const auto keys = generate();
  // As czmq's zcert_save_secret writes it (pyzmq's zmq.auth writes the same layout).
  const auto file = tmp.path / "czmq.key_secret";
  std::ofstream(file) << "#   ****  Generated on 2024-01-01 00:00:00 by CZMQ  ****\n"
                      << "#   ZeroMQ CURVE **Secret** Certificate\n"
                      << "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its "
                         "permissions.\n\n"
                      << "metadata\n    name = \"x\"\ncurve\n"
                      << "    public-key = \"" << keys.public_key << "\"\r\n"
                      << "    secret-key = \"" << keys.secret_key << "\"\n";
  ::chmod(file.c_str(), 0600);
  const auto back = load_secret(file);
  EXPECT_EQ(back.public_key, keys.public_key);
  EXPECT_EQ(back.secret_key, keys.secret_key);
  // A key under another section is not a curve key.
  const auto wrong = tmp.path / "wrong.key";
  std::ofstream(wrong) << "metadata\n    public-key = \"" << keys.public_key << "\"\n";
  EXPECT_THROW(load_public(wrong), std::runtime_error);
  // Oversized files are not read.
  const auto big = tmp.path / "big.key";
  std::ofstream(big) << std::string(70000, '#');
  EXPECT_THROW(load_public(big), std::runtime_error);
}

TEST(CurveKeys, PublicDirSkipsSecretsAndReportsBrokenFiles) {
  TempDir tmp;
  const auto a = generate();
  const auto b = generate();
  save(tmp.path, "a", a);
  save(tmp.path, "b", b);
  std::ofstream(tmp.path / "broken.key") << "curve\n    public-key = \"nope\"\n";
  std::ofstream(tmp.path / "notes.txt") << "ignored";
  std::vector<std::string> problems;
  const auto keys = load_public_dir(tmp.path, &problems);
  EXPECT_EQ(keys, (std::set<std::string>{a.public_key, b.public_key}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("broken.key"), std::string::npos);
  problems.clear();
  EXPECT_TRUE(load_public_dir(tmp.path / "missing", &problems).empty());
  EXPECT_EQ(problems.size(), 1u);
}

TEST(CurveKeys, ClientKeysNeedBothOptions) {
  TempDir tmp;
  const auto server = generate();
  save(tmp.path, "server", server);
  save(tmp.path, "me", generate());
  EXPECT_FALSE(load_client_keys("", ""));
  EXPECT_THROW(load_client_keys(server.public_key, ""), std::invalid_argument);
  EXPECT_THROW(load_client_keys("", (tmp.path / "me.key_secret").string()), std::invalid_argument);
  const auto by_text = load_client_keys(server.public_key, (tmp.path / "me.key_secret").string());
  ASSERT_TRUE(by_text);
  EXPECT_EQ(by_text->server_public, server.public_key);
  const auto by_file =
      load_client_keys((tmp.path / "server.key").string(), (tmp.path / "me.key_secret").string());
  ASSERT_TRUE(by_file);
  EXPECT_EQ(by_file->server_public, server.public_key);
  EXPECT_THROW(load_client_keys("not-a-key", (tmp.path / "me.key_secret").string()),
               std::runtime_error);
}

TEST(BindPolicy, LoopbackEndpoints) {
  for (const char* ep :
       {"tcp://127.0.0.1:5555", "tcp://127.0.0.1:*", "tcp://127.1.2.3:1", "tcp://localhost:5555",
        "tcp://[::1]:5555", "ipc:///run/intentq/b", "inproc://x", "ws://127.0.0.1:80/path"})
    EXPECT_TRUE(is_loopback_endpoint(ep)) << ep;
  for (const char* ep :
       {"tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://[::]:5555", "tcp://10.0.0.1:5555",
        "tcp://eth0:5555", "tcp://example.com:5555", "tcp://127.0.0.1.evil.com:1",
        "tcp://127.0.0.1", "pgm://eth0;239.192.1.1:5555", "garbage", "tcp://[::1:5555"})
    EXPECT_FALSE(is_loopback_endpoint(ep)) << ep;
}

// A CURVE server socket in domain `domain` and a way to ask whether a client got through.
struct Server {
  zmq::socket_t socket;
  std::string endpoint;
  Server(zmq::context_t& ctx, const KeyPair& keys, const std::string& domain)
      : socket(ctx, zmq::socket_type::router) {
    socket.set(zmq::sockopt::linger, 0);
    apply_curve_server(socket, keys.secret_key, domain);
    socket.bind("tcp://127.0.0.1:*");
    endpoint = socket.get(zmq::sockopt::last_endpoint);
  }
  // The payload of the next message within `timeout`, or nullopt.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
    zmq::message_t id, body;
    (void)socket.recv(id);
    (void)socket.recv(body);
    return body.to_string();
  }
};

// A fresh DEALER (a new connection and so a new handshake) that sends `text`.
std::unique_ptr<zmq::socket_t> send_from(zmq::context_t& ctx, const std::string& endpoint,
                                         const std::optional<ClientKeys>& keys,
                                         const std::string& text) {
  auto s = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
  s->set(zmq::sockopt::linger, 0);
  if (keys) apply_curve_client(*s, *keys);
  s->connect(endpoint);
  s->send(zmq::buffer(text), zmq::send_flags::dontwait);
  return s;
}

TEST(ZapHandler, AdmitsOnlyKeysInTheSocketsDomainAndReloads) {
  TempDir tmp;
  const auto server_keys = generate();
  const auto good = generate();
  const auto stranger = generate();
  const auto worker_only = generate();
  save(tmp.path / "clients", "good", good);
  save(tmp.path / "workers", "w", worker_only);
  zmq::context_t ctx;
  ZapHandler zap(ctx, tmp.path, {kDomainClients, kDomainWorkers});
  Server server(ctx, server_keys, kDomainClients);
  zmq::context_t peers;  // clients live in another context, as in another process

  auto as = [&](const KeyPair& k) { return ClientKeys{server_keys.public_key, k}; };
  auto c1 = send_from(peers, server.endpoint, as(good), "hello");
  EXPECT_EQ(server.receive(5s), "hello");
  EXPECT_EQ(zap.allowed(), 1u);

  auto c2 = send_from(peers, server.endpoint, as(stranger), "stranger");
  auto c3 = send_from(peers, server.endpoint, as(worker_only), "wrong domain");
  auto c4 = send_from(peers, server.endpoint, std::nullopt, "plain");
  EXPECT_EQ(server.receive(1500ms), std::nullopt);
  EXPECT_GE(zap.denied(), 2u);  // the plain peer fails the handshake before ZAP
  c2.reset();
  c3.reset();
  c4.reset();

  // Remove `good`, add `stranger`, reload: the next handshakes follow the new lists.
  fs::remove(tmp.path / "clients" / "good.key");
  save(tmp.path / "clients", "stranger", stranger);
  const auto report = zap.reload();
  EXPECT_EQ(report.keys.at(kDomainClients), 1u);
  const auto denied_before = zap.denied();
  auto c5 = send_from(peers, server.endpoint, as(good), "good again");
  EXPECT_EQ(server.receive(1500ms), std::nullopt);
  EXPECT_GT(zap.denied(), denied_before);
  auto c6 = send_from(peers, server.endpoint, as(stranger), "stranger now");
  EXPECT_EQ(server.receive(5s), "stranger now");
  // The connection admitted before the reload stays up (ZAP runs at the handshake only).
  c1->send(zmq::str_buffer("still here"), zmq::send_flags::dontwait);
  EXPECT_EQ(server.receive(5s), "still here");
}

TEST(LogBudget, AllowsABurstPerIntervalAndCountsTheRest) {
  LogBudget budget(3, std::chrono::milliseconds(1000));
  const auto t0 = LogBudget::Clock::now();
  int written = 0;
  for (int i = 0; i < 10; ++i) written += budget.take(t0 + std::chrono::milliseconds(i)) ? 1 : 0;
  EXPECT_EQ(written, 3);
  EXPECT_TRUE(budget.spent());
  // The next window admits a burst again; the suppressed count is told once.
  EXPECT_TRUE(budget.take(t0 + std::chrono::milliseconds(1500)));
  EXPECT_EQ(budget.take_suppressed(), 7u);
  EXPECT_EQ(budget.take_suppressed(), 0u);
  EXPECT_FALSE(budget.spent());
}

// A flood of handshakes with fresh keys (each one new, so "warn once per key" does not hold it
// back): the warnings stay within the budget, every denial is still counted.
TEST(ZapHandler, DenialWarningsAreRateLimitedAndEveryDenialCounted) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("zap-test", sink));
  spdlog::set_level(spdlog::level::info);
  {
    TempDir tmp;
    const auto server_keys = generate();
    zmq::context_t ctx;
    ZapHandler zap(ctx, tmp.path, {kDomainClients});
    Server server(ctx, server_keys, kDomainClients);
    zmq::context_t peers;
    constexpr int kKeys = 30;
    std::vector<std::unique_ptr<zmq::socket_t>> flood;
    for (int i = 0; i < kKeys; ++i)
      flood.push_back(
          send_from(peers, server.endpoint, ClientKeys{server_keys.public_key, generate()}, "x"));
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (zap.denied() < kKeys && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);  // polling a counter, bounded
    EXPECT_GE(zap.denied(), static_cast<uint64_t>(kKeys));
    EXPECT_EQ(server.receive(100ms), std::nullopt);
  }
  int warnings = 0, with_note = 0;
  for (const auto& line : sink->last_formatted()) {
    if (line.find("ZAP: denied key") == std::string::npos) continue;
    if (line.find("[warning]") != std::string::npos) ++warnings;
    if (line.find("further denials this minute are logged at debug only") != std::string::npos)
      ++with_note;
  }
  spdlog::set_default_logger(previous);
  EXPECT_EQ(warnings, 10) << "the budget is 10 warnings a minute";
  EXPECT_EQ(with_note, 1) << "the last warning of the window says the rest are held back";
}

TEST(ZapHandler, WithoutAHandlerEnforcedDomainFailsClosed) {
  zmq::context_t ctx;  // no ZapHandler in this context
  const auto server_keys = generate();
  Server server(ctx, server_keys, kDomainClients);
  zmq::context_t peers;
  auto c = send_from(peers, server.endpoint, ClientKeys{server_keys.public_key, generate()}, "x");
  EXPECT_EQ(server.receive(1500ms), std::nullopt);
}

TEST(ZapHandler, SecondHandlerInOneContextIsRefused) {
  TempDir tmp;
  zmq::context_t ctx;
  ZapHandler first(ctx, tmp.path, {kDomainClients});
  EXPECT_THROW(ZapHandler(ctx, tmp.path, {kDomainClients}), std::runtime_error);
}

}  // namespace
}  // namespace intentq::curve
