// MDP frame helpers: READY parsing (the intentq extension), command builders, and whole-message
// send/receive over a real (inproc) ROUTER/DEALER pair.
#include "common/mdp_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace intentq::mdp {
namespace {

Frames frames(const std::vector<std::string>& parts) {
  Frames f;
  for (auto& p : parts) f.push_back(frame(p));
  return f;
}

std::vector<std::string> strings(const Frames& f) {
  std::vector<std::string> s;
  for (auto& m : f) s.emplace_back(view(m));
  return s;
}

TEST(MdpReady, PlainRfc7Ready) {
  const auto info = parse_ready(frames({"", "MDPW01", "\x01", "echo"}), 3);
  EXPECT_EQ(info.services, std::vector<std::string>{"echo"});
  EXPECT_FALSE(info.intentq);
  EXPECT_FALSE(info.heartbeat_ms);
}

TEST(MdpReady, ExtensionFrames) {
  const auto info = parse_ready(frames({"summary", "positions", "@intentq=1", "@heartbeat=500",
                                        "@nonretryable=place_order", "place_order", "@future=x"}),
                                0);
  EXPECT_EQ(info.services, (std::vector<std::string>{"summary", "positions", "place_order"}));
  EXPECT_TRUE(info.intentq);
  EXPECT_EQ(info.heartbeat_ms, 500u);
  EXPECT_EQ(info.nonretryable, std::vector<std::string>{"place_order"});
  EXPECT_EQ(info.unknown_options, std::vector<std::string>{"@future=x"});
}

TEST(MdpReady, RejectsMalformed) {
  EXPECT_THROW(parse_ready(frames({}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({""}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({std::string(256, 's')}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"@intentq=1"}), 0), MdpError);  // options but no service
  EXPECT_THROW(parse_ready(frames({"a", "@heartbeat=abc"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@heartbeat=0"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@heartbeat=5x"}), 0), MdpError);
  EXPECT_THROW(parse_ready(frames({"a", "@nonretryable="}), 0), MdpError);
}

TEST(MdpBuild, ReadyRoundTrips) {
  ReadyInfo in;
  in.services = {"a", "b"};
  in.intentq = true;
  in.heartbeat_ms = 750;
  in.nonretryable = {"b"};
  const auto f = worker_ready(in);
  const auto s = strings(f);
  ASSERT_GE(s.size(), 4u);
  EXPECT_EQ(s[0], "");
  EXPECT_EQ(s[1], "MDPW01");
  EXPECT_EQ(s[2], "\x01");
  const auto out = parse_ready(f, 3);
  EXPECT_EQ(out.services, in.services);
  EXPECT_TRUE(out.intentq);
  EXPECT_EQ(out.heartbeat_ms, 750u);
  EXPECT_EQ(out.nonretryable, in.nonretryable);
}

TEST(MdpBuild, CommandShapes) {
  EXPECT_EQ(strings(worker_command(Command::kHeartbeat)),
            (std::vector<std::string>{"", "MDPW01", "\x04"}));
  EXPECT_EQ(strings(worker_reply("CLIENT", frames({"b1", "b2"}))),
            (std::vector<std::string>{"", "MDPW01", "\x03", "CLIENT", "", "b1", "b2"}));
  EXPECT_EQ(strings(client_request("echo", frames({"x"}))),
            (std::vector<std::string>{"", "MDPC01", "echo", "x"}));
}

TEST(MdpSocket, SendReceiveWholeMessagesAndUnroutablePeers) {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.bind("inproc://mdp-test");
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::routing_id, "D1");
  dealer.connect("inproc://mdp-test");

  Frames out = client_request("echo", frames({"body", ""}));
  ASSERT_EQ(send_frames(dealer, out, false), SendResult::kOk);
  Frames in;
  ASSERT_TRUE(recv_frames(router, in, false));
  EXPECT_EQ(strings(in), (std::vector<std::string>{"D1", "", "MDPC01", "echo", "body", ""}));
  EXPECT_FALSE(recv_frames(router, in));  // nothing more waiting: false, not an exception

  Frames back = frames({"D1", "", "MDPC01", "echo", "reply"});
  ASSERT_EQ(send_frames(router, back), SendResult::kOk);
  ASSERT_TRUE(recv_frames(dealer, in, false));
  EXPECT_EQ(strings(in).back(), "reply");

  Frames nowhere = frames({"NOPE", "", "x"});
  EXPECT_EQ(send_frames(router, nowhere), SendResult::kUnroutable);  // no throw
}

}  // namespace
}  // namespace intentq::mdp
