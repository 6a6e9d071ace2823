#include "llmgw/common/cancel_latch.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(CancelLatchTest, CancelsOnceWhicheverComesFirst) {
  int calls = 0;
  CancelLatch armed_first;
  armed_first.Arm([&] { ++calls; });
  EXPECT_EQ(calls, 0);
  armed_first.Fire();
  armed_first.Fire();
  EXPECT_EQ(calls, 1);

  CancelLatch fired_first;
  fired_first.Fire();
  fired_first.Arm([&] { ++calls; });
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace llmgw
