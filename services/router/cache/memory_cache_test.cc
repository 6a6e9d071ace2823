#include "services/router/cache/memory_cache.h"

#include "gtest/gtest.h"

namespace llmgw::router {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(MemoryCacheTest, HitAfterPutMissOtherwise) {
  FakeClock clock;
  MemoryCache c(1 << 20, clock);
  EXPECT_FALSE(c.Get("k", std::nullopt));
  ASSERT_TRUE(c.Put("k", "value", seconds(10)));
  EXPECT_EQ(c.Get("k", std::nullopt), "value");
  EXPECT_FALSE(c.Get("other", std::nullopt));
  CacheStats s = c.Stats();
  EXPECT_EQ(s.entries, 1);
  EXPECT_EQ(s.hits, 1);
  EXPECT_EQ(s.misses, 2);
  EXPECT_EQ(s.bytes, 1 + 5 + MemoryCache::kEntryOverhead);
}

TEST(MemoryCacheTest, EntriesExpireAfterTheirTtl) {
  FakeClock clock;
  MemoryCache c(1 << 20, clock);
  c.Put("short", "a", seconds(5));
  c.Put("long", "b", seconds(60));
  clock.Advance(milliseconds(4999));
  EXPECT_EQ(c.Get("short", std::nullopt), "a");
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(c.Get("short", std::nullopt));
  EXPECT_EQ(c.Get("long", std::nullopt), "b");
  EXPECT_EQ(c.Stats().entries, 1);  // the expired one went when met
  EXPECT_FALSE(c.Put("zero", "x", milliseconds(0)));
}

TEST(MemoryCacheTest, MaxAgeRefusesOlderEntriesWithoutDroppingThem) {
  FakeClock clock;
  MemoryCache c(1 << 20, clock);
  c.Put("k", "v", seconds(600));
  clock.Advance(seconds(30));
  EXPECT_FALSE(c.Get("k", seconds(10)));
  EXPECT_EQ(c.Get("k", seconds(60)), "v");
  EXPECT_EQ(c.Get("k", std::nullopt), "v");
}

TEST(MemoryCacheTest, EvictsTheLeastRecentlyUsedToStayWithinBytes) {
  FakeClock clock;
  const int64_t entry = 2 + 100 + MemoryCache::kEntryOverhead;
  MemoryCache c(entry * 4, clock);
  std::string v(100, 'x');
  c.Put("k1", v, seconds(60));
  c.Put("k2", v, seconds(60));
  c.Put("k3", v, seconds(60));
  c.Put("k4", v, seconds(60));
  ASSERT_TRUE(c.Get("k1", std::nullopt));  // k2 is now the coldest
  c.Put("k5", v, seconds(60));
  EXPECT_FALSE(c.Get("k2", std::nullopt));
  EXPECT_TRUE(c.Get("k1", std::nullopt));
  EXPECT_TRUE(c.Get("k5", std::nullopt));
  CacheStats s = c.Stats();
  EXPECT_LE(s.bytes, s.max_bytes);
  EXPECT_EQ(s.entries, 4);
  EXPECT_EQ(s.evictions, 1);
}

TEST(MemoryCacheTest, RefusesAnEntryLargerThanAQuarterOfTheCache) {
  MemoryCache c(4000);
  EXPECT_FALSE(c.Put("big", std::string(1000, 'x'), seconds(60)));
  EXPECT_TRUE(c.Put("small", std::string(500, 'x'), seconds(60)));
}

TEST(MemoryCacheTest, ReplaceDeleteAndClear) {
  MemoryCache c(1 << 20);
  c.Put("k", "one", seconds(60));
  c.Put("k", "two", seconds(60));
  EXPECT_EQ(c.Get("k", std::nullopt), "two");
  EXPECT_EQ(c.Stats().entries, 1);
  c.Put("j", "x", seconds(60));
  EXPECT_EQ(c.Delete({"k", "missing"}), 1);
  EXPECT_FALSE(c.Get("k", std::nullopt));
  EXPECT_EQ(c.Clear(), 1);
  EXPECT_EQ(c.Stats().bytes, 0);
}

}  // namespace
}  // namespace llmgw::router
