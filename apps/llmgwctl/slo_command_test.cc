#include "apps/llmgwctl/slo_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace llmgw::ctl {
namespace {

using ::testing::HasSubstr;

TEST(SloCommandTest, RendersEachObjectiveWithItsUnitAndBudget) {
  health::v1::GetSloResponse r;
  r.set_window_seconds(30 * 86400);
  r.set_covered_seconds(7200);
  r.set_burn_window_seconds(3600);
  r.set_gateways(2);
  r.add_unreachable("10.0.0.7:50051");
  auto* a = r.add_indicators();
  a->set_name("availability");
  a->set_unit("percent");
  a->set_current(99.95);
  a->set_target(99.9);
  a->set_error_budget_remaining(0.5);
  a->set_burn_rate(1.25);
  a->set_samples(10'005);
  a->set_met(true);
  auto* o = r.add_indicators();
  o->set_name("p95_overhead");
  o->set_unit("ms");
  o->set_current(6.5);
  o->set_target(5);
  o->set_error_budget_remaining(-0.2);
  o->set_samples(900);
  std::string text = RenderSlo(r);
  EXPECT_THAT(text, HasSubstr("window 30d0h (measured for 2h0m), burn rate over the last 1h0m, 2 gateways"));
  EXPECT_THAT(text, HasSubstr("availability  99.950%   >= 99.900%   50.0%        1.25       10005    yes\n"));
  EXPECT_THAT(text, HasSubstr("p95_overhead  6.500 ms  <= 5.000 ms  -20.0%       0.00       900      NO\n"));
  EXPECT_THAT(text, HasSubstr("unreachable gateway (its requests are missing): 10.0.0.7:50051"));
}

TEST(SloCommandTest, SaysSoWhenNoTargetIsSet) {
  health::v1::GetSloResponse r;
  r.set_gateways(1);
  EXPECT_THAT(RenderSlo(r), HasSubstr("no objectives"));
}

}  // namespace
}  // namespace llmgw::ctl
