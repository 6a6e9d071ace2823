#include "llmgw/common/timer_thread.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"
#include "llmgw/testing/wait.h"

namespace llmgw {
namespace {

using std::chrono::milliseconds;

TEST(TimerThreadTest, RunsCallbacksInDeadlineOrder) {
  TimerThread timers;
  std::mutex mu;
  std::vector<int> order;
  timers.Schedule(milliseconds(30), [&] { std::lock_guard l(mu); order.push_back(3); });
  timers.Schedule(milliseconds(10), [&] { std::lock_guard l(mu); order.push_back(1); });
  timers.Schedule(milliseconds(20), [&] { std::lock_guard l(mu); order.push_back(2); });
  ASSERT_TRUE(testing::WaitFor([&] { std::lock_guard l(mu); return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(TimerThreadTest, CancelledTimerNeverRuns) {
  TimerThread timers;
  std::atomic<bool> ran{false};
  std::atomic<bool> later{false};
  auto id = timers.Schedule(milliseconds(20), [&] { ran = true; });
  EXPECT_TRUE(timers.Cancel(id));
  EXPECT_FALSE(timers.Cancel(id));
  timers.Schedule(milliseconds(40), [&] { later = true; });
  ASSERT_TRUE(testing::WaitFor([&] { return later.load(); }));
  EXPECT_FALSE(ran);
}

TEST(TimerThreadTest, RefusesPastItsBound) {
  TimerThread timers(/*max_pending=*/2);
  EXPECT_NE(timers.Schedule(std::chrono::hours(1), [] {}), 0u);
  EXPECT_NE(timers.Schedule(std::chrono::hours(1), [] {}), 0u);
  EXPECT_EQ(timers.Schedule(std::chrono::hours(1), [] {}), 0u);
}

}  // namespace
}  // namespace llmgw
