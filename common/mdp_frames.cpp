#include "common/mdp_frames.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>

namespace intentq::mdp {

bool recv_frames(zmq::socket_t& socket, Frames& out, bool dontwait) {
  out.clear();
  const int flags = dontwait ? ZMQ_DONTWAIT : 0;
  while (true) {
    out.emplace_back();
    if (zmq_msg_recv(out.back().handle(), socket.handle(), flags) < 0) {
      // EAGAIN before the first frame: nothing waiting. Later frames of a multipart message are
      // always available at once (ZeroMQ delivers messages atomically).
      out.clear();
      return false;
    }
    if (!out.back().more()) return true;
  }
}

SendResult send_frames(zmq::socket_t& socket, Frames& frames, bool dontwait) {
  const size_t n = frames.size();
  for (size_t i = 0; i < n; ++i) {
    int flags = dontwait ? ZMQ_DONTWAIT : 0;
    if (i + 1 < n) flags |= ZMQ_SNDMORE;
    if (zmq_msg_send(frames[i].handle(), socket.handle(), flags) < 0) {
      // Only the first frame can fail for routing reasons; a later failure means the context
      // is terminating.
      switch (zmq_errno()) {
        case EHOSTUNREACH:
          return SendResult::kUnroutable;
        case EAGAIN:
          return SendResult::kWouldBlock;
        default:
          return SendResult::kFailed;
      }
    }
  }
  return SendResult::kOk;
}

namespace {
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

[[noreturn]] void bad_option(std::string_view frame, std::string_view why) {
  // The frame may be long (accounts); the message quotes at most its start.
  std::string shown(frame.substr(0, 80));
  if (frame.size() > 80) shown += "...";
  throw MdpError("READY option '" + shown + "' " + std::string(why));
}

template <typename T>
T parse_number(std::string_view frame, std::string_view v, T min, T max) {
  T n{};
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < min || n > max)
    bad_option(frame, "needs an integer in " + std::to_string(min) + ".." + std::to_string(max));
  return n;
}

template <typename T>
void set_once(std::optional<T>& slot, T value, std::string_view frame) {
  if (slot) bad_option(frame, "is given twice");
  slot = std::move(value);
}

// An account id as IB prints them ("DU1000001", "U123", "F456-A"): printable ASCII without
// spaces or commas.
bool valid_account(std::string_view a) {
  if (a.empty() || a.size() > kMaxAccountBytes) return false;
  for (const char c : a)
    if (c <= ' ' || c > '~' || c == ',') return false;
  return true;
}

// A comma-separated list option into `out`: every item `valid` (else the option is refused with
// `bad_item`), duplicates dropped, at most `max` items (`noun` names them in the refusal). Several
// frames of the option add up.
template <typename Valid>
void parse_list(std::string_view frame, std::string_view list, std::vector<std::string>& out,
                size_t max, std::string_view noun, Valid valid, const std::string& bad_item) {
  while (true) {
    const auto comma = list.find(',');
    const auto item = list.substr(0, comma);
    if (!valid(item)) bad_option(frame, bad_item);
    if (std::find(out.begin(), out.end(), item) == out.end()) {
      if (out.size() >= max)
        bad_option(frame, "lists more than " + std::to_string(max) + " " + std::string(noun));
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

void parse_accounts(std::string_view frame, std::string_view list, ReadyInfo& info) {
  parse_list(frame, list, info.accounts, kMaxAccountsPerWorker, "accounts", valid_account,
             "needs comma-separated account ids (1.." + std::to_string(kMaxAccountBytes) +
                 " printable bytes each, no spaces)");
}

// A name list as in "@waiting=positions,summary": service names, no empty entries, duplicates
// dropped, at most kMaxWaitingServices.
constexpr size_t kMaxWaitingServices = 256;

void parse_waiting(std::string_view frame, std::string_view list, ReadyInfo& info) {
  parse_list(
      frame, list, info.waiting, kMaxWaitingServices, "services",
      [](std::string_view name) { return !name.empty() && name.size() <= kMaxServiceNameBytes; },
      "needs comma-separated service names");
}

bool printable(std::string_view s) {
  for (const char c : s)
    if (c < ' ' || c > '~') return false;
  return true;
}

void parse_option(std::string_view f, ReadyInfo& info) {
  if (f.size() > kMaxOptionBytes)
    bad_option(f, "is longer than " + std::to_string(kMaxOptionBytes) + " bytes");
  if (f == kOptIntentq) {
    info.intentq = true;
  } else if (f == kOptCancel) {
    info.cancel = true;
  } else if (starts_with(f, kOptHeartbeat)) {
    info.heartbeat_ms = parse_number<uint32_t>(f, f.substr(kOptHeartbeat.size()), 1, UINT32_MAX);
  } else if (starts_with(f, kOptNonRetryable)) {
    const auto s = f.substr(kOptNonRetryable.size());
    if (s.empty()) throw MdpError("READY option '@nonretryable=' names no service");
    info.nonretryable.emplace_back(s);
  } else if (starts_with(f, kOptHistorical)) {
    const auto s = f.substr(kOptHistorical.size());
    if (s.empty() || s.size() > kMaxServiceNameBytes)
      bad_option(f, "needs a service name (the service is historical-class)");
    if (std::find(info.historical.begin(), info.historical.end(), s) == info.historical.end()) {
      if (info.historical.size() >= kMaxWaitingServices)
        bad_option(f, "is one of more than " + std::to_string(kMaxWaitingServices) +
                          " historical services");
      info.historical.emplace_back(s);
    }
  } else if (starts_with(f, kOptGateway)) {
    const auto id = f.substr(kOptGateway.size());
    if (id.empty() || id.size() > kMaxGatewayIdBytes)
      bad_option(f, "needs a gateway id of 1.." + std::to_string(kMaxGatewayIdBytes) + " bytes");
    set_once(info.gateway, std::string(id), f);
  } else if (starts_with(f, kOptSession)) {
    const auto v = f.substr(kOptSession.size());
    if (v != "up" && v != "down") bad_option(f, "must be 'up' or 'down'");
    set_once(info.session_up, v == "up", f);
  } else if (starts_with(f, kOptBudget)) {
    set_once(info.budget, parse_number<uint32_t>(f, f.substr(kOptBudget.size()), 1, kMaxBudget), f);
  } else if (starts_with(f, kOptCost)) {
    const auto v = f.substr(kOptCost.size());
    const auto colon = v.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon > kMaxServiceNameBytes)
      bad_option(f, "must be '@cost=<service>:<messages>'");
    const auto service = v.substr(0, colon);
    const auto n = parse_number<uint32_t>(f, v.substr(colon + 1), 0, kMaxCost);
    for (const auto& [s, c] : info.costs)
      if (s == service) bad_option(f, "is given twice for one service");
    info.costs.emplace_back(service, n);
  } else if (starts_with(f, kOptAccounts)) {
    parse_accounts(f, f.substr(kOptAccounts.size()), info);
  } else if (starts_with(f, kOptClientId)) {
    set_once(info.client_id,
             parse_number<int64_t>(f, f.substr(kOptClientId.size()), INT32_MIN, INT32_MAX), f);
  } else if (starts_with(f, kOptReconnects)) {
    set_once(info.reconnects,
             parse_number<uint64_t>(f, f.substr(kOptReconnects.size()), 0, UINT64_MAX), f);
  } else if (starts_with(f, kOptSessionAge)) {
    set_once(info.session_age_ms,
             parse_number<uint64_t>(f, f.substr(kOptSessionAge.size()), 0, UINT64_MAX), f);
  } else if (starts_with(f, kOptName)) {
    const auto name = f.substr(kOptName.size());
    if (name.empty() || name.size() > kMaxWorkerNameBytes || !printable(name))
      bad_option(f, "needs a name of 1.." + std::to_string(kMaxWorkerNameBytes) +
                        " printable ASCII bytes");
    set_once(info.name, std::string(name), f);
  } else if (starts_with(f, kOptWaiting)) {
    parse_waiting(f, f.substr(kOptWaiting.size()), info);
  } else if (starts_with(f, kOptSessionError)) {
    // Free text from the worker's connect error; the broker makes it printable and cuts it.
    set_once(info.session_error, std::string(f.substr(kOptSessionError.size())), f);
  } else if (starts_with(f, kOptSessionDown)) {
    set_once(info.session_down_ms,
             parse_number<uint64_t>(f, f.substr(kOptSessionDown.size()), 0, UINT64_MAX), f);
  } else {
    info.unknown_options.emplace_back(f.substr(0, kMaxServiceNameBytes));  // newer workers
  }
}
// A list option ("@accounts=A,B", "@waiting=..."), split into frames of at most kMaxOptionBytes
// (a reader adds the frames up).
void push_list(Frames& f, std::string_view option, const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty() && text.size() + 1 + item.size() > kMaxOptionBytes) {
      f.push_back(frame(text));
      text.clear();
    }
    text += text.empty() ? std::string(option) + item : "," + item;
  }
  if (!text.empty()) f.push_back(frame(text));
}

}  // namespace

ReadyInfo parse_ready(const Frames& frames, size_t first) {
  ReadyInfo info;
  for (size_t i = first; i < frames.size(); ++i) {
    const auto f = view(frames[i]);
    if (f.empty()) throw MdpError("READY carries an empty service name");
    if (starts_with(f, kOptionPrefix)) {
      parse_option(f, info);
      continue;
    }
    if (f.size() > kMaxServiceNameBytes) throw MdpError("READY service name longer than 255 bytes");
    info.services.emplace_back(f);
  }
  if (info.services.empty()) throw MdpError("READY names no service");
  return info;
}

Frames worker_ready(const ReadyInfo& info) {
  Frames f;
  f.push_back(frame(""));
  f.push_back(frame(kWorker));
  f.push_back(frame(std::string_view("\x01", 1)));
  for (const auto& s : info.services) f.push_back(frame(s));
  if (info.intentq) f.push_back(frame(kOptIntentq));
  if (info.cancel) f.push_back(frame(kOptCancel));
  if (info.heartbeat_ms)
    f.push_back(frame(std::string(kOptHeartbeat) + std::to_string(*info.heartbeat_ms)));
  for (const auto& s : info.nonretryable) f.push_back(frame(std::string(kOptNonRetryable) + s));
  for (const auto& s : info.historical) f.push_back(frame(std::string(kOptHistorical) + s));
  if (info.gateway) f.push_back(frame(std::string(kOptGateway) + *info.gateway));
  if (info.session_up)
    f.push_back(frame(std::string(kOptSession) + (*info.session_up ? "up" : "down")));
  if (info.budget) f.push_back(frame(std::string(kOptBudget) + std::to_string(*info.budget)));
  for (const auto& [s, n] : info.costs)
    f.push_back(frame(std::string(kOptCost) + s + ":" + std::to_string(n)));
  push_list(f, kOptAccounts, info.accounts);
  if (info.client_id)
    f.push_back(frame(std::string(kOptClientId) + std::to_string(*info.client_id)));
  if (info.reconnects)
    f.push_back(frame(std::string(kOptReconnects) + std::to_string(*info.reconnects)));
  if (info.session_age_ms)
    f.push_back(frame(std::string(kOptSessionAge) + std::to_string(*info.session_age_ms)));
  if (info.name) f.push_back(frame(std::string(kOptName) + *info.name));
  push_list(f, kOptWaiting, info.waiting);
  if (info.session_error) f.push_back(frame(std::string(kOptSessionError) + *info.session_error));
  if (info.session_down_ms)
    f.push_back(frame(std::string(kOptSessionDown) + std::to_string(*info.session_down_ms)));
  return f;
}

Frames worker_session_update(const ReadyInfo& info) {
  Frames f = worker_command(Command::kHeartbeat);
  if (info.session_up)
    f.push_back(frame(std::string(kOptSession) + (*info.session_up ? "up" : "down")));
  if (info.session_error) f.push_back(frame(std::string(kOptSessionError) + *info.session_error));
  if (info.session_down_ms)
    f.push_back(frame(std::string(kOptSessionDown) + std::to_string(*info.session_down_ms)));
  return f;
}

ReadyInfo parse_session_update(const Frames& frames, size_t first) {
  ReadyInfo info;
  for (size_t i = first; i < frames.size(); ++i) {
    const auto f = view(frames[i]);
    if (!starts_with(f, kOptionPrefix)) throw MdpError("HEARTBEAT frame is not an option");
    parse_option(f, info);
  }
  return info;
}

Frames worker_cancel(std::string_view job_id) {
  Frames f = worker_command(Command::kHeartbeat);
  f.push_back(frame(std::string(kOptCancelJob) + std::string(job_id)));
  return f;
}

Frames worker_command(Command command) {
  Frames f;
  f.push_back(frame(""));
  f.push_back(frame(kWorker));
  const char c = static_cast<char>(command);
  f.push_back(frame(std::string_view(&c, 1)));
  return f;
}

Frames worker_reply(std::string_view client, Frames body) {
  Frames route;
  route.push_back(frame(client));
  return worker_reply(std::move(route), std::move(body));
}

Frames worker_reply(Frames route, Frames body) {
  Frames f = worker_command(Command::kReply);
  for (auto& r : route) f.push_back(std::move(r));
  f.push_back(frame(""));
  for (auto& b : body) f.push_back(std::move(b));
  return f;
}

Frames client_request(std::string_view service, Frames body) {
  Frames f;
  f.push_back(frame(""));
  f.push_back(frame(kClient));
  f.push_back(frame(service));
  for (auto& b : body) f.push_back(std::move(b));
  return f;
}

}  // namespace intentq::mdp
