#include "common/mdp_frames.hpp"

#include <cerrno>
#include <charconv>

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
}  // namespace

ReadyInfo parse_ready(const Frames& frames, size_t first) {
  ReadyInfo info;
  for (size_t i = first; i < frames.size(); ++i) {
    const auto f = view(frames[i]);
    if (f.empty()) throw MdpError("READY carries an empty service name");
    if (f.size() > 255) throw MdpError("READY service name longer than 255 bytes");
    if (!starts_with(f, kOptionPrefix)) {
      info.services.emplace_back(f);
      continue;
    }
    if (f == kOptIntentq) {
      info.intentq = true;
    } else if (starts_with(f, kOptHeartbeat)) {
      const auto v = f.substr(kOptHeartbeat.size());
      uint32_t ms = 0;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc() || p != v.data() + v.size() || ms == 0)
        throw MdpError("READY option '" + std::string(f) + "' needs a positive integer");
      info.heartbeat_ms = ms;
    } else if (starts_with(f, kOptNonRetryable)) {
      const auto s = f.substr(kOptNonRetryable.size());
      if (s.empty()) throw MdpError("READY option '@nonretryable=' names no service");
      info.nonretryable.emplace_back(s);
    } else {
      info.unknown_options.emplace_back(f);  // newer workers may announce more
    }
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
  if (info.heartbeat_ms)
    f.push_back(frame(std::string(kOptHeartbeat) + std::to_string(*info.heartbeat_ms)));
  for (const auto& s : info.nonretryable) f.push_back(frame(std::string(kOptNonRetryable) + s));
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
  Frames f = worker_command(Command::kReply);
  f.push_back(frame(client));
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
