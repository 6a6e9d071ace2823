#include "llmgw/common/worker_pool.h"

#include <atomic>
#include <latch>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(WorkerPoolTest, RunsEverythingSubmittedBeforeItStops) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, 1000);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.Submit([&] { ran++; }));
  }
  EXPECT_EQ(ran.load(), 500);
}

TEST(WorkerPoolTest, RefusesWorkWhenTheQueueIsFull) {
  std::latch release(1);
  std::latch started(1);
  WorkerPool pool(1, 2);
  ASSERT_TRUE(pool.Submit([&] { started.count_down(); release.wait(); }));
  started.wait();
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_FALSE(pool.Submit([] {}));
  EXPECT_EQ(pool.queued(), 2u);
  release.count_down();
}

}  // namespace
}  // namespace llmgw
