#include "services/keymgr/rate_limiter.h"

#include <thread>

#include "gtest/gtest.h"

namespace llmgw::keymgr {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// 1'700'000'000 is 20 s into a minute.
class RateLimiterTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  InMemoryCounterStore store_{clock_};
};

TEST_F(RateLimiterTest, RejectsSixthRequestInAMinuteWhenRpmIsFive) {
  std::vector<LimitCheck> checks = {{.counter = "key:a", .scope = "key sk-...aaaa", .rpm = 5}};
  for (int i = 0; i < 5; ++i) {
    Admission a = store_.TryAcquire(checks, 10, minutes(1));
    ASSERT_TRUE(a.admitted) << i;
    EXPECT_EQ(a.requests.limit, 5);
    EXPECT_EQ(a.requests.remaining, 4 - i);
    store_.Release(a.lease_id, 10);
  }
  Admission sixth = store_.TryAcquire(checks, 10, minutes(1));
  EXPECT_FALSE(sixth.admitted);
  EXPECT_EQ(sixth.refused_limit, "rpm_limit");
  EXPECT_EQ(sixth.refused_scope, "key sk-...aaaa");
  EXPECT_EQ(sixth.retry_after, seconds(40));
  clock_.Advance(seconds(40));  // the next minute
  EXPECT_TRUE(store_.TryAcquire(checks, 10, minutes(1)).admitted);
}

TEST_F(RateLimiterTest, AllChecksPassOrNoneIsCounted) {
  std::vector<LimitCheck> checks = {{.counter = "key:a", .rpm = 100}, {.counter = "team:t", .rpm = 1}};
  ASSERT_TRUE(store_.TryAcquire(checks, 0, minutes(1)).admitted);
  Admission refused = store_.TryAcquire(checks, 0, minutes(1));
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.refused_limit, "rpm_limit");
  // The key's counter did not move for the refused request.
  Admission key_only = store_.TryAcquire({{.counter = "key:a", .rpm = 100}}, 0, minutes(1));
  EXPECT_EQ(key_only.requests.remaining, 98);
}

TEST_F(RateLimiterTest, TokensAreEstimatedThenCorrected) {
  std::vector<LimitCheck> checks = {{.counter = "key:a", .tpm = 1000}};
  Admission a = store_.TryAcquire(checks, 900, minutes(1));
  ASSERT_TRUE(a.admitted);
  EXPECT_FALSE(store_.TryAcquire(checks, 200, minutes(1)).admitted);  // 900 + 200 > 1000
  store_.Release(a.lease_id, 100);                                     // it used only 100
  Admission b = store_.TryAcquire(checks, 200, minutes(1));
  EXPECT_TRUE(b.admitted);
  EXPECT_EQ(b.tokens.remaining, 700);
}

TEST_F(RateLimiterTest, ParallelSlotsAreHeldUntilReleased) {
  std::vector<LimitCheck> checks = {{.counter = "key:a", .parallel = 2}};
  Admission a = store_.TryAcquire(checks, 0, minutes(1));
  Admission b = store_.TryAcquire(checks, 0, minutes(1));
  ASSERT_TRUE(a.admitted && b.admitted);
  Admission c = store_.TryAcquire(checks, 0, minutes(1));
  EXPECT_FALSE(c.admitted);
  EXPECT_EQ(c.refused_limit, "max_parallel_requests");
  EXPECT_EQ(c.retry_after, seconds(1));
  store_.Release(a.lease_id, -1);
  store_.Release(a.lease_id, -1);  // twice: no effect
  EXPECT_TRUE(store_.TryAcquire(checks, 0, minutes(1)).admitted);
  EXPECT_FALSE(store_.TryAcquire(checks, 0, minutes(1)).admitted);
}

TEST_F(RateLimiterTest, ALeaseNobodyReleasesFreesItsSlotWhenItExpires) {
  std::vector<LimitCheck> checks = {{.counter = "key:a", .parallel = 1}};
  ASSERT_TRUE(store_.TryAcquire(checks, 0, seconds(30)).admitted);  // its gateway dies
  EXPECT_FALSE(store_.TryAcquire(checks, 0, seconds(30)).admitted);
  clock_.Advance(seconds(31));
  EXPECT_TRUE(store_.TryAcquire(checks, 0, seconds(30)).admitted);
  EXPECT_EQ(store_.active_leases(), 1u);
}

TEST_F(RateLimiterTest, ConcurrentCallersNeverPassTheLimit) {
  std::vector<LimitCheck> checks = {{.counter = "key:a", .rpm = 50}};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) admitted += store_.TryAcquire(checks, 1, minutes(1)).admitted ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 50);
}

}  // namespace
}  // namespace llmgw::keymgr
