#include "services/spend/budget_book.h"

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/common/error.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::spend {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
const auto kTtl = std::chrono::seconds(60);

BudgetLine Key(MicroUsd max, MicroUsd soft = -1) { return {"key:k", "key sk-...kkkk", Period{}, max, soft}; }

TEST(BudgetBookTest, ReservationsNeverLetConcurrentRequestsPassTheBudget) {
  BudgetBook book;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (book.Reserve("r" + std::to_string(t * 100 + i), {Key(1'000'000)}, 30'000, kNow, kTtl).ok()) admitted++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 33);  // floor(1,000,000 / 30,000)
  EXPECT_EQ(book.Get("key:k", Period{}).reserved, 33 * 30'000);
}

TEST(BudgetBookTest, SettleReplacesTheReservationAndIsIdempotent) {
  BudgetBook book;
  ASSERT_THAT(book.Reserve("r1", {Key(100)}, 80, kNow, kTtl), IsOk());
  auto refused = book.Reserve("r2", {Key(100)}, 30, kNow, kTtl);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted, "budget exceeded for key sk-...kkkk"));
  EXPECT_EQ(GetErrorDetail(refused).kind(), common::v1::ERROR_KIND_BUDGET_EXCEEDED);
  EXPECT_TRUE(book.Settle("r1", {Key(100)}, 50, kNow, nullptr));
  EXPECT_FALSE(book.Settle("r1", {Key(100)}, 50, kNow, nullptr));  // the same settle again
  EXPECT_EQ(book.Get("key:k", Period{}).spend, 50);
  EXPECT_EQ(book.Get("key:k", Period{}).reserved, 0);
  EXPECT_THAT(book.Reserve("r2", {Key(100)}, 30, kNow, kTtl), IsOk());
  EXPECT_EQ(book.reservations(), 1u);
}

TEST(BudgetBookTest, ReleasedAndExpiredReservationsGiveTheRoomBack) {
  BudgetBook book;
  ASSERT_THAT(book.Reserve("a", {Key(100)}, 100, kNow, kTtl), IsOk());
  book.Release("a");
  ASSERT_THAT(book.Reserve("b", {Key(100)}, 100, kNow, kTtl), IsOk());  // b's request vanishes
  EXPECT_FALSE(book.Reserve("c", {Key(100)}, 1, kNow, kTtl).ok());
  EXPECT_THAT(book.Reserve("c", {Key(100)}, 1, kNow + kTtl, kTtl), IsOk());
  EXPECT_EQ(book.reservations(), 1u);
}

TEST(BudgetBookTest, AllLinesOrNoneAndANewPeriodStartsFromZero) {
  BudgetBook book;
  Period day1{0, 86400}, day2{86400, 2 * 86400};
  BudgetLine key{"key:k", "key", day1, 1000}, team{"team:t", "team 't'", day1, 100};
  ASSERT_THAT(book.Reserve("r1", {key, team}, 60, kNow, kTtl), IsOk());
  auto s = book.Reserve("r2", {key, team}, 60, kNow, kTtl);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted, "team 't'"));
  EXPECT_EQ(book.Get("key:k", day1).reserved, 60);  // r2 held nothing
  book.Settle("r1", {key, team}, 60, kNow, nullptr);
  team.period = day2;
  key.period = day2;
  EXPECT_THAT(book.Reserve("r3", {key, team}, 100, kNow, kTtl), IsOk());
}

TEST(BudgetBookTest, SoftBudgetsAlertOncePerPeriod) {
  BudgetBook book;
  std::vector<SoftBudgetAlert> alerts;
  for (int i = 0; i < 5; ++i) book.Settle("s" + std::to_string(i), {Key(-1, 25)}, 10, kNow, &alerts);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].spend, 30);
}

TEST(BudgetBookTest, RebuiltCountersAndSettledIdsSurviveARestart) {
  BudgetBook book;
  book.Load("key:k", 0, 90);
  book.MarkSettled("old", kNow);
  EXPECT_FALSE(book.Settle("old", {Key(100)}, 90, kNow, nullptr));
  EXPECT_FALSE(book.Reserve("new", {Key(100)}, 20, kNow, kTtl).ok());
  EXPECT_THAT(book.Reserve("new", {Key(100)}, 10, kNow, kTtl), IsOk());
}

}  // namespace
}  // namespace llmgw::spend
