#include "apps/llmgwctl/drill_report.h"

#include "gtest/gtest.h"

namespace llmgw::ctl {
namespace {

DrillSample S(double start, double latency, int status, std::string id) {
  return {.start_ms = start, .latency_ms = latency, .status = status, .deployment_id = id,
          .model_group = id == "backup" ? "gpt-backup" : "gpt"};
}

TEST(DrillReportTest, MeasuresShiftRecoveryErrorsAndLatency) {
  // Failure from 1000 to 3000 ms.
  std::vector<DrillSample> samples = {
      S(0, 10, 200, "primary"),    S(500, 12, 200, "primary"),
      S(1000, 300, 200, "backup"),  // retried onto the backup: slow, but answered
      S(1100, 20, 502, ""),         // one client-visible error
      S(1500, 40, 200, "backup"),   S(2500, 40, 200, "backup"),
      S(3000, 15, 200, "backup"),   S(3400, 11, 200, "primary"),  // back
  };
  DrillReport r = Summarize(samples, "primary", "gpt", 1000, 3000, 30'000, "2026-12-03T12:00:00Z");
  EXPECT_EQ(r.requests, 8);
  EXPECT_EQ(r.fallback, "gpt-backup/backup");
  EXPECT_EQ(r.errors_baseline, 0);
  EXPECT_EQ(r.errors_failure, 1);
  EXPECT_EQ(r.errors_recovery, 0);
  ASSERT_TRUE(r.time_to_shift_ms);
  EXPECT_DOUBLE_EQ(*r.time_to_shift_ms, 300);  // the first answer from elsewhere ended at 1300
  ASSERT_TRUE(r.time_to_recover_ms);
  EXPECT_DOUBLE_EQ(*r.time_to_recover_ms, 411);
  EXPECT_DOUBLE_EQ(*r.p50_baseline, 10);
  EXPECT_DOUBLE_EQ(*r.p95_baseline, 12);
  EXPECT_DOUBLE_EQ(*r.p50_failure, 40);
  EXPECT_DOUBLE_EQ(*r.p95_failure, 300);
  ASSERT_EQ(r.risks.size(), 1u);
  EXPECT_NE(r.risks[0].find("1 client-visible errors"), std::string::npos);

  std::string md = SignOffMarkdown(r);
  EXPECT_NE(md.find("| Failed deployment | gpt/primary |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Observed fallback | gpt-backup/backup |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Client-seen errors | 1 (baseline 0, failure 1, recovery 0) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Latency delta p95 | +288 ms (12 -> 300) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Time to shift | 300 ms |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Time to recover | 411 ms |"), std::string::npos) << md;
  EXPECT_NE(SignOffJson(r).find(R"("time_to_recover_ms":4.11E2)"), std::string::npos) << SignOffJson(r);
}

TEST(DrillReportTest, NamesTheRisksWhenNothingTookOverOrCameBack) {
  std::vector<DrillSample> samples = {S(0, 10, 200, "primary"), S(1000, 5, 503, ""), S(2000, 5, 503, "")};
  DrillReport r = Summarize(samples, "primary", "gpt", 500, 1500, 10'000, "d");
  EXPECT_TRUE(r.fallback.empty());
  EXPECT_FALSE(r.time_to_shift_ms);
  EXPECT_FALSE(r.time_to_recover_ms);
  EXPECT_EQ(r.errors_failure, 1);
  EXPECT_EQ(r.errors_recovery, 1);
  EXPECT_EQ(r.risks.size(), 3u);
  std::string md = SignOffMarkdown(r);
  EXPECT_NE(md.find("| Time to recover | not within 10 s |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Observed fallback | none |"), std::string::npos) << md;
}

}  // namespace
}  // namespace llmgw::ctl
