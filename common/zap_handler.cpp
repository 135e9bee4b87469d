#include "common/zap_handler.hpp"

#include <array>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <zmq.h>

#include "common/curve_keys.hpp"

namespace intentq::curve {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
// A ZAP request has 7 frames for CURVE (version, id, domain, address, routing id, mechanism,
// key); libzmq is the only sender (inproc), but the handler still bounds what it reads.
constexpr size_t kMaxFrames = 16;

std::string stop_endpoint(const void* self) {
  return "inproc://intentq-zap-stop-" + std::to_string(reinterpret_cast<uintptr_t>(self));
}

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, std::filesystem::path allow_dir,
                       std::vector<std::string> domains)
    : allow_dir_(std::move(allow_dir)),
      domains_(std::move(domains)),
      socket_(context, zmq::socket_type::rep),
      stop_(context, stop_endpoint(this)) {
  for (const auto& domain : domains_) denied_by_domain_[domain];
  const auto report = reload();
  for (const auto& [domain, n] : report.keys)
    spdlog::info("CURVE allowlist {}: {} key(s) from {}", domain, n,
                 (allow_dir_ / domain).string());
  for (const auto& p : report.problems) spdlog::warn("CURVE allowlist: {}", p);
  socket_.set(zmq::sockopt::linger, 0);
  try {
    socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("cannot start the ZAP handler on ") + kZapEndpoint + ": " +
                             e.what());
  }
  // The sockets move to the thread here; std::thread's start is the memory barrier ZeroMQ asks
  // for when a socket changes threads.
  thread_ = std::thread([this] { run(); });
}

ZapHandler::~ZapHandler() {
  stop_.signal();
  if (thread_.joinable()) thread_.join();
}

ZapHandler::LoadReport ZapHandler::reload() {
  LoadReport report;
  auto lists = std::make_shared<Allowlists>();
  for (const auto& domain : domains_) {
    auto keys = load_public_dir(allow_dir_ / domain, &report.problems);
    report.keys[domain] = keys.size();
    (*lists)[domain] = std::move(keys);
  }
  std::lock_guard lock(mu_);
  allow_ = std::move(lists);
  return report;
}

std::vector<std::string> ZapHandler::answer(const std::vector<std::string>& request) {
  // RFC 27: version, request id, domain, address, identity, mechanism, credentials...
  const std::string id = request.size() > 1 ? request[1] : std::string();
  auto reply = [&](const char* code, const char* text) {
    return std::vector<std::string>{"1.0", id, code, text, "", ""};
  };
  if (request.size() < 6 || request[0] != "1.0") {
    denied_.fetch_add(1, std::memory_order_relaxed);
    return reply("500", "malformed ZAP request");
  }
  const auto& domain = request[2];
  const auto& address = request[3];
  const auto& mechanism = request[5];
  auto deny = [&] {
    denied_.fetch_add(1, std::memory_order_relaxed);
    if (auto d = denied_by_domain_.find(domain); d != denied_by_domain_.end())
      d->second.fetch_add(1, std::memory_order_relaxed);
  };
  if (mechanism != "CURVE" || request.size() < 7 || request[6].size() != 32) {
    deny();
    spdlog::debug("ZAP: denied {} peer from {} (domain '{}'): CURVE required", mechanism, address,
                  domain);
    return reply("400", "CURVE required");
  }
  std::array<char, 41> z85{};
  zmq_z85_encode(z85.data(), reinterpret_cast<const uint8_t*>(request[6].data()), 32);
  const std::string key(z85.data());
  std::shared_ptr<const Allowlists> lists;
  {
    std::lock_guard lock(mu_);
    lists = allow_;
  }
  const auto it = lists->find(domain);
  if (it != lists->end() && it->second.contains(key)) {
    allowed_.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("ZAP: allowed key {} from {} (domain '{}')", key, address, domain);
    return {"1.0", id, "200", "OK", key, ""};
  }
  deny();
  // A refused peer retries every reconnect interval: warn once per key, the rest is debug. A
  // flood of fresh keys would still write a line each: past the budget they are debug too, and
  // the next warning says how many it held back (every denial is counted in zap_denied).
  if (warned_.size() > 1024) warned_.clear();
  if (warned_.insert(domain + " " + key).second && warn_budget_.take()) {
    const auto held_back = warn_budget_.take_suppressed();
    spdlog::warn(
        "ZAP: denied key {} from {} (domain '{}'): not in the allowlist{}{}", key, address, domain,
        held_back ? "; " + std::to_string(held_back) + " denial line(s) held back before it"
                  : std::string(),
        warn_budget_.spent() ? "; further denials this minute are logged at debug only" : "");
  } else {
    spdlog::debug("ZAP: denied key {} from {} (domain '{}'): not in the allowlist", key, address,
                  domain);
  }
  return reply("400", "key not allowed");
}

void ZapHandler::run() {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                             {stop_.receiver().handle(), 0, ZMQ_POLLIN, 0}};
  std::vector<std::string> request;
  while (true) {
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() != ETERM) spdlog::error("ZAP handler stopped: {}", e.what());
      return;
    }
    if (items[1].revents & ZMQ_POLLIN) return;
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    request.clear();
    zmq::message_t part;
    bool more = true;
    while (more) {
      if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
      if (request.size() < kMaxFrames) request.emplace_back(part.to_string());
      more = part.more();
    }
    const auto reply = answer(request);
    for (size_t i = 0; i < reply.size(); ++i)
      socket_.send(zmq::buffer(reply[i]),
                   i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

}  // namespace intentq::curve
