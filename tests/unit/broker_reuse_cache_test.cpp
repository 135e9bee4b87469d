// The broker's answer-reuse cache (issue 11): freshness, own TTL, byte bound, counters.
#include "broker/reuse_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace intentq::broker {
namespace {

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

TEST(ReuseCache, AnswersWhenYoungEnoughAndCountsHitsAndMisses) {
  ReuseCache c(1 << 20, Ms(60000));
  EXPECT_FALSE(c.find("k", Ms(1000), t0));
  c.put("k", "body-1", "job-1", t0);
  auto hit = c.find("k", Ms(1000), t0 + Ms(400));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "body-1");
  EXPECT_EQ(hit->source_id, "job-1");
  EXPECT_EQ(hit->age, Ms(400));
  EXPECT_TRUE(c.find("k", Ms(1000), t0 + Ms(1000)));   // age == max_age is fresh enough
  EXPECT_FALSE(c.find("k", Ms(1000), t0 + Ms(1001)));  // older than the caller accepts
  EXPECT_TRUE(c.find("k", Ms(5000), t0 + Ms(1001)));   // another caller accepts more
  EXPECT_FALSE(c.find("other", Ms(5000), t0));
  EXPECT_EQ(c.hits(), 3u);
  EXPECT_EQ(c.misses(), 3u);
  EXPECT_EQ(c.stores(), 1u);
}

TEST(ReuseCache, LatestAnswerReplacesTheOlder) {
  ReuseCache c(1 << 20, Ms(60000));
  c.put("k", "old", "job-1", t0);
  c.put("k", "new", "job-2", t0 + Ms(500));
  EXPECT_EQ(c.size(), 1u);
  auto hit = c.find("k", Ms(100), t0 + Ms(550));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "new");
  EXPECT_EQ(hit->source_id, "job-2");
  EXPECT_EQ(hit->age, Ms(50));
}

TEST(ReuseCache, EntriesExpireByTheirOwnAge) {
  ReuseCache c(1 << 20, Ms(2000));
  c.put("a", "x", "j", t0);
  c.put("b", "y", "j", t0 + Ms(1000));
  EXPECT_FALSE(c.find("a", Ms(1000000), t0 + Ms(2000)));  // the TTL bounds every caller
  c.expire(t0 + Ms(2000));
  EXPECT_EQ(c.size(), 1u);
  c.expire(t0 + Ms(3000));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(ReuseCache, BoundedInBytesOldestFirst) {
  const std::string body(1000, 'b');
  const size_t per = 1 * 2 + body.size() + 1 + ReuseCache::kEntryOverhead;
  ReuseCache c(per * 3, Ms(60000));
  c.put("a", body, "j", t0);
  c.put("b", body, "j", t0 + Ms(1));
  c.put("c", body, "j", t0 + Ms(2));
  EXPECT_EQ(c.size(), 3u);
  c.put("d", body, "j", t0 + Ms(3));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_LE(c.bytes(), c.max_bytes());
  EXPECT_FALSE(c.find("a", Ms(60000), t0 + Ms(4)));
  EXPECT_TRUE(c.find("d", Ms(60000), t0 + Ms(4)));
  EXPECT_EQ(c.evictions(), 1u);
  // An answer larger than the whole budget is not stored (and does not flush the others).
  c.put("huge", std::string(per * 4, 'h'), "j", t0 + Ms(5));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_FALSE(c.find("huge", Ms(60000), t0 + Ms(5)));
}

TEST(ReuseCache, ManyReplacementsKeepTheFifoBounded) {
  ReuseCache c(1 << 20, Ms(60000));
  for (int i = 0; i < 100000; ++i) c.put("k" + std::to_string(i % 3), "v", "j", t0 + Ms(i / 100));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_LT(c.bytes(), 3 * (200 + ReuseCache::kEntryOverhead));
}

TEST(ReuseCache, ZeroTtlDisablesIt) {
  ReuseCache c(1 << 20, Ms(0));
  c.put("k", "v", "j", t0);
  EXPECT_FALSE(c.find("k", Ms(1000), t0));
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace intentq::broker
