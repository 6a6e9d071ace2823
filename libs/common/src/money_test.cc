#include "llmgw/common/money.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(MoneyTest, PricePerTokenIsExactInPicoDollars) {
  EXPECT_EQ(PricePerTokenFromUsd(2.5e-6), 2'500'000);
  EXPECT_EQ(PricePerTokenFromUsd(1.5e-7), 150'000);
  EXPECT_EQ(PricePerTokenFromUsd(0), 0);
  EXPECT_FALSE(PricePerTokenFromUsd(-1e-6).has_value());
  EXPECT_FALSE(PricePerTokenFromUsd(2.0).has_value());
}

TEST(MoneyTest, CostRoundsUpToTheNextMicroDollar) {
  // 1000 tokens at $2.5/M = $0.0025 = 2500 micros exactly.
  EXPECT_EQ(CostMicros(1000, 2'500'000), 2500);
  // 1 token at $0.15/M = 0.15 micros -> 1 micro.
  EXPECT_EQ(CostMicros(1, 150'000), 1);
  EXPECT_EQ(CostMicros(0, 150'000), 0);
}

TEST(MoneyTest, MicroUsdFromUsd) {
  EXPECT_EQ(MicroUsdFromUsd(12.5), 12'500'000);
  EXPECT_FALSE(MicroUsdFromUsd(-1).has_value());
}

}  // namespace
}  // namespace llmgw
