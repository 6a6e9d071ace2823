#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "llmgw/slo/evaluate.h"
#include "llmgw/slo/proto.h"
#include "llmgw/slo/recorder.h"

namespace llmgw::slo {
namespace {

using namespace std::chrono_literals;
using Outcome = Sample::Outcome;

Sample Ok(int64_t overhead_us, int64_t cost_micros = 0) {
  return {.outcome = Outcome::kSucceeded, .overhead_micros = overhead_us, .cost_micros = cost_micros};
}
Sample Failed() { return {.outcome = Outcome::kFailed}; }
Sample Excluded() { return {.outcome = Outcome::kExcluded}; }

config::Sla ExampleSla() {
  config::Sla sla;
  sla.max_p95_overhead_ms = 5;
  sla.min_availability_pct = 99.9;
  sla.max_cost_per_call_usd = 0.05;
  return sla;
}

TEST(SloBucketsTest, EveryOverheadLandsInTheBucketThatBoundsIt) {
  for (int64_t us : {0L, 1L, 10L, 11L, 100L, 999L, 5'000L, 123'456L, 5'000'000L}) {
    int b = BucketOf(us);
    EXPECT_LE(static_cast<double>(us), BucketUpperMicros(b) + 1e-6) << us;
    if (b > 0) {
      EXPECT_GT(static_cast<double>(us), BucketUpperMicros(b - 1)) << us;
    }
  }
  EXPECT_EQ(BucketOf(int64_t{1} << 40), kOverheadBuckets - 1);  // the open last bucket
}

TEST(SloCountsTest, P95IsWithinOneBucketOfTheTrueValue) {
  Counts c;
  for (int i = 1; i <= 1000; ++i) c.Add(Ok(i * 10), 5'000);  // 10 µs .. 10 ms, uniform
  double p95 = c.OverheadQuantileMs(0.95);                     // true value: 9.5 ms
  EXPECT_NEAR(p95, 9.5, 9.5 * 0.15);
  EXPECT_EQ(c.timed, 1000);
  EXPECT_EQ(c.slow, 500);  // exact: above 5 ms
  EXPECT_EQ(Counts{}.OverheadQuantileMs(0.95), 0);
}

TEST(SloCountsTest, ClientErrorsAreNotCountedAndFailuresAreNotTimed) {
  Counts c;
  c.Add(Excluded(), 5'000);
  c.Add(Failed(), 5'000);
  c.Add(Ok(100, 2'000), 5'000);
  EXPECT_EQ(c.requests, 2);
  EXPECT_EQ(c.failed, 1);
  EXPECT_EQ(c.timed, 1);
  EXPECT_EQ(c.costed, 1);
  EXPECT_EQ(c.cost_micros, 2'000);
}

TEST(SloRecorderTest, OldRequestsLeaveTheWindow) {
  auto t0 = Recorder::Clock::time_point{} + 1h;
  Recorder rec(10min, 5.0, t0);
  rec.Record(t0, Failed());
  rec.Record(t0 + 5min, Ok(100));
  auto s = rec.Take(t0 + 6min);
  EXPECT_EQ(s.window.requests, 2);
  EXPECT_EQ(s.window.failed, 1);
  EXPECT_DOUBLE_EQ(s.window.covered_seconds, 360);  // up 6 minutes of a 10-minute window
  EXPECT_EQ(s.window_seconds, 600);
  // The recent window is a minute (the floor): only what happened in it.
  EXPECT_EQ(s.recent_seconds, 60);
  EXPECT_EQ(s.recent.requests, 0);
  s = rec.Take(t0 + 5min + 30s);
  EXPECT_EQ(s.recent.requests, 1);
  // Ten minutes after the failure it has left; the success stays until t0 + 15 min.
  s = rec.Take(t0 + 10min + 1s);
  EXPECT_EQ(s.window.requests, 1);
  EXPECT_EQ(s.window.failed, 0);
  EXPECT_DOUBLE_EQ(s.window.covered_seconds, 600);
  EXPECT_EQ(rec.Take(t0 + 16min).window.requests, 0);
  // A slot is reused once its time comes round again, not added to.
  rec.Record(t0 + 20min, Ok(100));
  EXPECT_EQ(rec.Take(t0 + 20min).window.requests, 1);
}

TEST(SloRecorderTest, ThirtyDayWindowBurnsOverTheLastHour) {
  EXPECT_EQ(Recorder::RecentSpan(std::chrono::hours(24 * 30)), 1h);
  EXPECT_EQ(Recorder::RecentSpan(30s), 30s);  // never longer than the window
}

TEST(SloEvaluateTest, AvailabilityBudgetAndBurn) {
  Counts w, r;
  for (int i = 0; i < 10'000; ++i) w.Add(Ok(100), 5'000);
  for (int i = 0; i < 5; ++i) w.Add(Failed(), 5'000);  // 5 of 10,005 failed: half the budget
  for (int i = 0; i < 98; ++i) r.Add(Ok(100), 5'000);
  for (int i = 0; i < 2; ++i) r.Add(Failed(), 5'000);  // 2% recently: 20x the 0.1% allowed
  auto got = Evaluate(ExampleSla(), w, r);
  ASSERT_EQ(got.size(), 3u);
  const Indicator& a = got[0];
  EXPECT_EQ(a.name, "availability");
  EXPECT_EQ(a.unit, "percent");
  EXPECT_NEAR(a.current, 100.0 * 10'000 / 10'005, 1e-9);
  EXPECT_EQ(a.target, 99.9);
  EXPECT_NEAR(a.error_budget_remaining, 1 - (5.0 / 10'005) / 0.001, 1e-6);
  EXPECT_NEAR(a.burn_rate, 20, 1e-6);
  EXPECT_EQ(a.samples, 10'005);
  EXPECT_TRUE(a.met);
}

TEST(SloEvaluateTest, OverheadIsMetWhileAtMostFivePercentAreSlow) {
  Counts w;
  for (int i = 0; i < 96; ++i) w.Add(Ok(1'000), 5'000);
  for (int i = 0; i < 4; ++i) w.Add(Ok(20'000), 5'000);
  auto got = Evaluate(ExampleSla(), w, w);
  Indicator o = got[1];
  EXPECT_EQ(o.name, "p95_overhead");
  EXPECT_NEAR(o.current, 1.0, 0.15);
  EXPECT_NEAR(o.error_budget_remaining, 1 - 0.04 / 0.05, 1e-9);
  EXPECT_NEAR(o.burn_rate, 0.8, 1e-9);
  EXPECT_TRUE(o.met);
  for (int i = 0; i < 2; ++i) w.Add(Ok(20'000), 5'000);  // 6 of 102 slow
  o = Evaluate(ExampleSla(), w, w)[1];
  EXPECT_FALSE(o.met);
  EXPECT_LT(o.error_budget_remaining, 0);
  EXPECT_GT(o.current, 5);
}

TEST(SloEvaluateTest, CostPerCallAgainstItsTarget) {
  Counts w, r;
  w.Add(Ok(100, 10'000), 0);  // $0.01
  w.Add(Ok(100, 30'000), 0);  // $0.03: mean $0.02
  r.Add(Ok(100, 100'000), 0);  // $0.10 recently: twice the target
  const Indicator c = Evaluate(ExampleSla(), w, r)[2];
  EXPECT_EQ(c.name, "cost_per_call");
  EXPECT_NEAR(c.current, 0.02, 1e-12);
  EXPECT_NEAR(c.error_budget_remaining, 0.6, 1e-12);
  EXPECT_NEAR(c.burn_rate, 2, 1e-12);
  EXPECT_TRUE(c.met);
}

TEST(SloEvaluateTest, NoTrafficMeetsEverythingAndUnsetTargetsAreLeftOut) {
  auto got = Evaluate(ExampleSla(), Counts{}, Counts{});
  for (const auto& i : got) {
    EXPECT_TRUE(i.met) << i.name;
    EXPECT_EQ(i.error_budget_remaining, 1) << i.name;
    EXPECT_EQ(i.burn_rate, 0) << i.name;
  }
  config::Sla only;
  only.min_availability_pct = 100;
  Counts w;
  w.Add(Failed(), 0);
  got = Evaluate(only, w, w);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].met);  // a 100% target: one failure overspends it
  EXPECT_LT(got[0].error_budget_remaining, 0);
}

TEST(SloProtoTest, CountsSurviveTheWireAndMergeAcrossGateways) {
  Counts a;
  a.covered_seconds = 30;
  a.Add(Ok(50, 7), 5'000);
  a.Add(Failed(), 5'000);
  gateway::v1::SloCounts wire;
  ToProto(a, wire);
  EXPECT_EQ(wire.overhead_buckets_size(), BucketOf(50) + 1);  // trailing zeros left out
  Counts b = FromProto(wire);
  b.covered_seconds = 40;
  b.Merge(a);
  EXPECT_EQ(b.requests, 4);
  EXPECT_EQ(b.failed, 2);
  EXPECT_EQ(b.overhead[BucketOf(50)], 2);
  EXPECT_EQ(b.cost_micros, 14);
  EXPECT_EQ(b.covered_seconds, 40);
}

}  // namespace
}  // namespace llmgw::slo
