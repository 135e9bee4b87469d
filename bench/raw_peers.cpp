#include "bench/raw_peers.hpp"

#include <cstdio>
#include <deque>

#include <zmq.hpp>

#include "common/mdp_frames.hpp"

namespace intentq::bench {
namespace {

using mdp::frame;
using mdp::Frames;
using mdp::view;

// The broker drains at most this many messages per socket per poll round; the relay does too, so
// the two pay the same number of poll calls under load.
constexpr int kBatch = 256;

void configure(zmq::socket_t& s) {
  // As the broker's sockets: deep queues, so a burst is queued rather than dropped.
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, 100000);
  s.set(zmq::sockopt::rcvhwm, 100000);
}

std::string bind_loopback(zmq::socket_t& s, const std::string& transport = "tcp") {
  s.bind(transport == "ipc" ? "ipc://*" : "tcp://127.0.0.1:*");
  return s.get(zmq::sockopt::last_endpoint);
}

}  // namespace

int run_raw_relay(const std::string& service, const std::string& transport) {
  zmq::context_t ctx(1);
  zmq::socket_t front(ctx, zmq::socket_type::router), back(ctx, zmq::socket_type::router);
  configure(front);
  configure(back);
  const auto fe = bind_loopback(front, transport), be = bind_loopback(back, transport);
  std::printf("raw-relay ready frontend=%s backend=%s\n", fe.c_str(), be.c_str());
  std::fflush(stdout);

  std::deque<zmq::message_t> idle;  // routing ids of idle workers, least recently used first
  std::deque<Frames> waiting;       // client requests no worker was free for
  const auto dispatch = [&](Frames& req, zmq::message_t worker) {
    // client: [client, "", MDPC01, service, body] -> worker: [worker, "", MDPW01, REQUEST,
    // client, "", service, body], as the intentq broker sends to an "@intentq=1" worker.
    Frames out;
    out.reserve(8);
    out.push_back(std::move(worker));
    out.push_back(frame(""));
    out.push_back(frame(mdp::kWorker));
    out.push_back(frame("\x02"));
    out.push_back(std::move(req[0]));
    out.push_back(frame(""));
    out.push_back(std::move(req[3]));
    out.push_back(std::move(req[4]));
    mdp::send_frames(back, out, false);
  };

  Frames in;
  zmq::pollitem_t items[] = {{front.handle(), 0, ZMQ_POLLIN, 0}, {back.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    if (zmq::poll(items, 2, std::chrono::milliseconds(-1)) < 0) return 1;
    for (int i = 0; i < kBatch && mdp::recv_frames(back, in); ++i) {
      if (in.size() < 4) continue;
      const auto cmd = view(in[3]);
      if (cmd == "\x03" && in.size() == 7) {
        // [worker, "", MDPW01, REPLY, client, "", body] -> [client, "", MDPC01, service, body]
        Frames out;
        out.reserve(5);
        out.push_back(std::move(in[4]));
        out.push_back(frame(""));
        out.push_back(frame(mdp::kClient));
        out.push_back(frame(service));
        out.push_back(std::move(in[6]));
        mdp::send_frames(front, out, false);
      } else if (cmd != "\x01") {
        continue;  // heartbeats and the rest: a raw relay does not track liveness
      }
      if (!waiting.empty()) {
        dispatch(waiting.front(), std::move(in[0]));
        waiting.pop_front();
      } else {
        idle.push_back(std::move(in[0]));
      }
    }
    for (int i = 0; i < kBatch && mdp::recv_frames(front, in); ++i) {
      if (in.size() != 5) continue;
      if (idle.empty()) {
        waiting.push_back(std::move(in));
        in = Frames();
      } else {
        dispatch(in, std::move(idle.front()));
        idle.pop_front();
      }
    }
  }
}

int run_raw_echo() {
  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::router);
  configure(s);
  const auto ep = bind_loopback(s);
  std::printf("raw-echo ready endpoint=%s\n", ep.c_str());
  std::fflush(stdout);
  Frames in;
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  for (;;) {
    if (zmq::poll(&item, 1, std::chrono::milliseconds(-1)) < 0) return 1;
    while (mdp::recv_frames(s, in)) mdp::send_frames(s, in, false);
  }
}

}  // namespace intentq::bench
