#include "services/spend/budget_period.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace llmgw::spend {
namespace {

std::chrono::system_clock::time_point At(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::ToChronoTime(absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone()));
}
int64_t Unix(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone()));
}

TEST(BudgetPeriodTest, DaysResetAtMidnightUtc) {
  auto p = *PeriodAt("1d", At(2026, 12, 2, 23, 59, 59));
  EXPECT_EQ(p.start, Unix(2026, 12, 2));
  EXPECT_EQ(p.end, Unix(2026, 12, 3));
  EXPECT_EQ(PeriodAt("1d", At(2026, 12, 3))->start, Unix(2026, 12, 3));
}

TEST(BudgetPeriodTest, WeeksResetOnMonday) {
  // 2026-12-02 is a Wednesday; the week began Monday 2026-11-30.
  auto p = *PeriodAt("7d", At(2026, 12, 2, 12));
  EXPECT_EQ(p.start, Unix(2026, 11, 30));
  EXPECT_EQ(p.end, Unix(2026, 12, 7));
  EXPECT_EQ(PeriodAt("1w", At(2026, 12, 6, 23, 59, 59))->end, Unix(2026, 12, 7));
  EXPECT_EQ(PeriodAt("1w", At(2026, 12, 7))->start, Unix(2026, 12, 7));
}

TEST(BudgetPeriodTest, MonthsResetOnTheFirstWhateverTheirLength) {
  auto feb = *PeriodAt("30d", At(2028, 2, 29, 10));  // a leap day
  EXPECT_EQ(feb.start, Unix(2028, 2, 1));
  EXPECT_EQ(feb.end, Unix(2028, 3, 1));
  auto dec = *PeriodAt("1mo", At(2026, 12, 31, 23, 59, 59));
  EXPECT_EQ(dec.start, Unix(2026, 12, 1));
  EXPECT_EQ(dec.end, Unix(2027, 1, 1));
  EXPECT_EQ(PeriodAt("1mo", At(2027, 1, 1))->start, Unix(2027, 1, 1));
  auto quarter = *PeriodAt("3mo", At(2026, 5, 15));
  EXPECT_EQ(quarter.start, Unix(2026, 4, 1));
  EXPECT_EQ(quarter.end, Unix(2026, 7, 1));
}

TEST(BudgetPeriodTest, SecondsMinutesAndHoursRollInFixedWindows) {
  auto p = *PeriodAt("30m", At(2026, 12, 2, 10, 45));
  EXPECT_EQ(p.start, Unix(2026, 12, 2, 10, 30));
  EXPECT_EQ(p.end, Unix(2026, 12, 2, 11, 0));
  EXPECT_EQ(PeriodAt("1h", At(2026, 12, 2, 10, 59, 59))->end, Unix(2026, 12, 2, 11));
  EXPECT_EQ(PeriodAt("30s", At(2026, 12, 2, 10, 0, 31))->start, Unix(2026, 12, 2, 10) + 30);
}

TEST(BudgetPeriodTest, NoDurationIsLifetimeAndBadOnesAreErrors) {
  EXPECT_TRUE(PeriodAt("", At(2026, 1, 1))->lifetime());
  EXPECT_FALSE(PeriodAt("monthly", At(2026, 1, 1)).ok());
  EXPECT_FALSE(PeriodAt("0d", At(2026, 1, 1)).ok());
  EXPECT_FALSE(PeriodAt("5y", At(2026, 1, 1)).ok());
}

}  // namespace
}  // namespace llmgw::spend
