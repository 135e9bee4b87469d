// The byte bounds of the broker's outbound and subscription paths (issue 16): which subscriber
// connection is cut (SubscriberGuard), which client is cut for unread replies (ReplyLedger, with
// a scripted kernel), which connection is cut for an unfinished message (InboundWatch), and how
// often mmi.stats is answered (StatsRate).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "broker/inbound_watch.hpp"
#include "broker/reply_ledger.hpp"
#include "broker/stats_rate.hpp"
#include "broker/subscriber_guard.hpp"

namespace intentq::broker {
namespace {

using V = SubscriberGuard::Verdict;

TEST(SubscriberGuard, OversizeSubscriptionCutsItsConnectionAndForgetsItsTopics) {
  SubscriberGuard g({8, 4, 10});
  EXPECT_EQ(g.on_connected(5), V::kOk);
  EXPECT_EQ(g.on_subscription(5, true, "result."), V::kOk);
  EXPECT_TRUE(g.anyone_subscribed());
  EXPECT_EQ(g.on_subscription(5, true, "result.xyz"), V::kTooLong);
  EXPECT_EQ(g.topics(), 0u);
  EXPECT_FALSE(g.anyone_subscribed());
  EXPECT_EQ(g.refused(), 1u);
}

TEST(SubscriberGuard, TopicCountIsPerConnectionAndDuplicatesOrUnsubscribesDoNotCount) {
  SubscriberGuard g({64, 3, 10});
  g.on_connected(5);
  g.on_connected(6);
  for (const char* t : {"a", "b", "c", "c"}) EXPECT_EQ(g.on_subscription(5, true, t), V::kOk);
  EXPECT_EQ(g.on_subscription(5, false, "c"), V::kOk);
  EXPECT_EQ(g.on_subscription(5, true, "d"), V::kOk);  // 3 again
  EXPECT_EQ(g.on_subscription(6, true, "a"), V::kOk);  // another subscriber has its own count
  EXPECT_EQ(g.topics(), 4u);
  EXPECT_EQ(g.on_subscription(5, true, "e"), V::kTooManyTopics);
  EXPECT_EQ(g.topics(), 1u);
  // What libzmq had queued from the cut connection before it closed is ignored, not cut again.
  for (const char* t : {"f", "g", "h", "i"}) EXPECT_EQ(g.on_subscription(5, true, t), V::kOk);
  EXPECT_EQ(g.refused(), 1u);
  EXPECT_EQ(g.topics(), 1u);
  g.on_disconnected(6);
  EXPECT_FALSE(g.anyone_subscribed());
}

TEST(SubscriberGuard, ConnectionsPastTheLimitAreRefusedAndAReusedDescriptorStartsAfresh) {
  SubscriberGuard g({64, 2, 2});
  EXPECT_EQ(g.on_connected(5), V::kOk);
  EXPECT_EQ(g.on_connected(6), V::kOk);
  EXPECT_EQ(g.on_connected(7), V::kTooManySubscribers);
  // A subscription from a connection whose accept event was not read yet counts it too.
  EXPECT_EQ(g.on_subscription(8, true, "x"), V::kTooManySubscribers);
  g.on_subscription(5, true, "a");
  g.on_subscription(5, true, "b");
  EXPECT_EQ(g.on_connected(5), V::kOk);  // descriptor 5 closed and was reused
  EXPECT_EQ(g.on_subscription(5, true, "c"), V::kOk);
  EXPECT_EQ(g.topics(), 1u);
  // Unattributed (inproc) subscriptions only keep "anyone subscribed" true.
  g.on_disconnected(5);
  g.on_subscription(-1, true, "z");
  EXPECT_TRUE(g.anyone_subscribed());
  g.on_subscription(-1, false, "z");
  EXPECT_FALSE(g.anyone_subscribed());
}

TEST(SubscriberGuard, MatchingFollowsPrefixesAndStrayUnsubscriptionsLeaveNoRecord) {
  SubscriberGuard g({64, 4, 2});
  g.on_connected(5);
  g.on_connected(6);
  g.on_subscription(5, true, "result.summary.");
  g.on_subscription(6, true, "");  // everything
  auto matching = [&](std::string_view topic) {
    std::vector<int> fds;
    g.for_each_matching(topic, [&](int fd) { fds.push_back(fd); });
    std::sort(fds.begin(), fds.end());
    return fds;
  };
  EXPECT_EQ(matching("result.summary.ok"), (std::vector<int>{5, 6}));
  EXPECT_EQ(matching("result.echo.ok"), (std::vector<int>{6}));
  // libzmq reports the unsubscriptions of a connection that closed, sometimes after the close:
  // they must not hold a place among --max-subscribers.
  g.on_disconnected(6);
  EXPECT_EQ(g.on_subscription(6, false, ""), V::kOk);
  EXPECT_EQ(g.subscribers(), 1u);
  EXPECT_EQ(g.on_connected(7), V::kOk);
}

// A scripted kernel: bytes taken per descriptor.
struct Kernel {
  std::map<int, uint64_t> taken;
  ReplyLedger::Probe probe() {
    return [this](int fd) -> std::optional<uint64_t> {
      auto it = taken.find(fd);
      if (it == taken.end()) return std::nullopt;
      return it->second;
    };
  }
};

// One client "c" on connection 5, from which the kernel has taken 100 bytes (greeting and
// handshake) before any reply; 1,000 bytes held per client at most, 10,000 in all.
class ReplyLedgerOneClient : public ::testing::Test {
 protected:
  ReplyLedgerOneClient() {
    k.taken[5] = 100;
    l.on_message("c", 5);
  }
  Kernel k;
  ReplyLedger l{1000, 10000, k.probe()};
};

TEST_F(ReplyLedgerOneClient, AClientThatDoesNotReadIsCutAtItsBudget) {
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.before_send("c", 300).send);
  auto d = l.before_send("c", 300);  // 1,200 > 1,000 and the kernel took nothing
  EXPECT_FALSE(d.send);
  ASSERT_EQ(d.cut.size(), 1u);
  EXPECT_EQ(d.cut[0], 5);
  EXPECT_EQ(l.cut_count(), 1u);
  EXPECT_EQ(l.clients(), 0u);
}

TEST_F(ReplyLedgerOneClient, AClientThatReadsIsNeverCutWhateverItReceives) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(l.before_send("c", 300).send) << i;
    // The kernel takes what we sent, plus a few bytes of framing we did not count.
    k.taken[5] += 300 + 7;
  }
  EXPECT_EQ(l.cut_count(), 0u);
  EXPECT_LE(l.held_upper_bound(), 1000u);
}

TEST_F(ReplyLedgerOneClient, ADipOrAMissingFigureKeepsTheClientAccounted) {
  EXPECT_TRUE(l.before_send("c", 900).send);
  k.taken[5] = 100 + 900 + 50;  // all read, plus framing: the base moves up to cover it
  EXPECT_TRUE(l.before_send("c", 900).send);  // 900 held now
  k.taken.erase(5);                           // no figure: not cut on a guess
  EXPECT_TRUE(l.before_send("c", 200).send);  // 1,100 held
  EXPECT_EQ(l.clients(), 1u);
  // A figure below the base is a dip, not another connection: the last figure stands and the
  // client, still accounted, is cut at its budget.
  k.taken[5] = 90;
  auto d = l.before_send("c", 10);
  EXPECT_FALSE(d.send);
  EXPECT_EQ(d.cut, std::vector<int>{5});
}

TEST(ReplyLedger, TheTotalCutsTheLargestHolder) {
  Kernel k;
  k.taken[5] = 0;
  k.taken[6] = 0;
  k.taken[7] = 0;
  ReplyLedger l(1000, 1500, k.probe());
  l.on_message("big", 5);
  l.on_message("small", 6);
  l.on_message("next", 7);
  EXPECT_TRUE(l.before_send("big", 900).send);
  EXPECT_TRUE(l.before_send("small", 400).send);
  auto d = l.before_send("next", 300);  // 1,600 > 1,500: "big" goes
  EXPECT_TRUE(d.send);
  ASSERT_EQ(d.cut.size(), 1u);
  EXPECT_EQ(d.cut[0], 5);
  EXPECT_EQ(l.held_upper_bound(), 700u);
}

TEST(ReplyLedger, ConnectionsWithoutTcpFiguresAreNotAccountedAndDisconnectsAreForgotten) {
  Kernel k;
  ReplyLedger l(1000, 1500, k.probe());
  l.on_message("ipc", 9);  // the probe knows no such TCP connection
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(l.before_send("ipc", 900).send);
  EXPECT_EQ(l.clients(), 0u);
  k.taken[5] = 0;
  l.on_message("c", 5);
  EXPECT_TRUE(l.before_send("c", 900).send);
  l.on_disconnected(5);
  EXPECT_EQ(l.clients(), 0u);
  EXPECT_EQ(l.held_upper_bound(), 0u);
  // The descriptor reused by another client: a fresh record.
  k.taken[5] = 5000;
  l.on_message("d", 5);
  EXPECT_TRUE(l.before_send("d", 900).send);
  EXPECT_EQ(l.held_upper_bound(), 900u);
}

TEST(InboundWatch, AnUnfinishedMessageOverTheLimitIsCutOnceNothingArrivesWhole) {
  Kernel k;         // here: bytes libzmq has read from each connection
  k.taken[5] = 64;  // the greeting
  k.taken[6] = 64;
  InboundWatch w(1000, k.probe());
  w.on_connected(5);
  w.on_connected(6);
  // 5 sends frames with MORE that never end; 6 sends whole messages of the same size.
  for (int round = 0; round < 3; ++round) {
    k.taken[5] += 600;
    k.taken[6] += 600;
    w.on_delivered(6, 600);
    const auto cut = w.check();
    if (round == 0) {
      EXPECT_TRUE(cut.empty());  // 600 held: under the limit
    } else if (round == 1) {
      EXPECT_EQ(cut, std::vector<int>{5});
    } else if (round == 2) {
      EXPECT_TRUE(cut.empty());
    }
  }
  EXPECT_EQ(w.cut_count(), 1u);
  EXPECT_EQ(w.connections(), 1u);
}

TEST(InboundWatch, ABigMessageStillArrivingIsNotCutWhileWholeOnesKeepComing) {
  Kernel k;
  k.taken[5] = 0;
  InboundWatch w(1000, k.probe());
  w.on_connected(5);
  // 1,500 bytes held (over the limit), but a whole message arrived since the last check.
  k.taken[5] += 1600;
  w.on_delivered(5, 100);
  EXPECT_TRUE(w.check().empty());
  // The count started afresh there: bytes the count leaves out (CURVE boxes, heartbeats) or a
  // message still arriving then do not pile up; 900 more without a message is fine...
  k.taken[5] += 900;
  EXPECT_TRUE(w.check().empty());
  // ...and 200 more is not.
  k.taken[5] += 200;
  EXPECT_EQ(w.check(), std::vector<int>{5});
}

TEST(InboundWatch, MessagesReadBeforeTheCountGiveNoCreditToALaterUnfinishedOne) {
  Kernel k;
  k.taken[5] = 5000;  // whole messages libzmq read before the broker saw the connection
  InboundWatch w(1000, k.probe());
  w.on_connected(5);
  w.on_delivered(5, 5000);  // ...delivered after: more delivered than read since
  EXPECT_TRUE(w.check().empty());
  // An unfinished message then: cut once it alone passes the limit, not 5,000 bytes later.
  k.taken[5] += 1100;
  EXPECT_EQ(w.check(), std::vector<int>{5});
}

// The kernel's figure comes from two calls and can dip below an earlier one while data moves,
// or be missing for a moment: the connection stays watched and is cut once over the limit (a
// CI run once saw a dropped record let one unfinished message reach 1.6 GB).
TEST(InboundWatch, ADipOrAMissingFigureKeepsTheConnectionWatched) {
  Kernel k;
  k.taken[5] = 1000;
  InboundWatch w(1000, k.probe());
  w.on_connected(5);
  k.taken[5] = 900;  // below the base
  EXPECT_TRUE(w.check().empty());
  k.taken.erase(5);  // no figure this time
  EXPECT_TRUE(w.check().empty());
  EXPECT_EQ(w.connections(), 1u);
  k.taken[5] = 1000 + 1100;  // an unfinished message over the limit since the accept
  EXPECT_EQ(w.check(), std::vector<int>{5});
}

TEST(InboundWatch, NonTcpAndClosedConnectionsAreNotWatched) {
  Kernel k;
  InboundWatch w(1000, k.probe());
  w.on_connected(9);  // no TCP figures
  EXPECT_EQ(w.connections(), 0u);
  k.taken[5] = 0;
  w.on_connected(5);
  w.on_disconnected(5);
  k.taken[5] = 1u << 20;
  EXPECT_TRUE(w.check().empty());
  // A reused descriptor starts from the kernel's figure at its accept.
  w.on_connected(5);
  k.taken[5] += 500;
  EXPECT_TRUE(w.check().empty());
}

TEST(StatsRate, PerClientAndForAll) {
  StatsRate r(2);
  const auto t0 = Clock::time_point() + std::chrono::hours(1);
  EXPECT_TRUE(r.allow("a", t0));
  EXPECT_TRUE(r.allow("a", t0));
  EXPECT_FALSE(r.allow("a", t0));  // a burst of one second's worth
  EXPECT_TRUE(r.allow("b", t0));   // another client has its own
  EXPECT_TRUE(r.allow("a", t0 + Ms(500)));
  EXPECT_FALSE(r.allow("a", t0 + Ms(500)));
  // All clients together: ten times the rate, 20 a second; the shared bucket was full again
  // after 0.5 s and "a" took one.
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += r.allow("c" + std::to_string(i), t0 + Ms(500));
  EXPECT_EQ(allowed, 19);
  r.collect(t0 + Ms(5000));
  EXPECT_EQ(r.clients(), 0u);
  StatsRate off(0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.allow("a", t0));
}

}  // namespace
}  // namespace intentq::broker
