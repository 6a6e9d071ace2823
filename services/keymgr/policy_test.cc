#include "services/keymgr/policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::keymgr {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

ModelCatalog Catalog() {
  return {.groups = {"gpt-4o", "gpt-4o-mini", "claude", "beta-1"},
          .access_groups = {{"beta", {"beta-1", "claude"}}}};
}

v1::Key KeyWith(std::vector<std::string> models) {
  v1::Key k;
  k.set_token("t");
  for (auto& m : models) k.add_models(m);
  return k;
}

TEST(PolicyTest, AKeyWithoutModelsMayUseEveryModel) {
  v1::Key k = KeyWith({});
  auto p = ResolvePrincipal({.key = &k}, Catalog());
  EXPECT_TRUE(p.all_models());
  EXPECT_FALSE(p.has_rate_limits());
}

TEST(PolicyTest, AccessGroupsExpandAndTheTeamListIntersects) {
  v1::Key k = KeyWith({"beta", "gpt-4o"});
  v1::Team t;
  t.set_team_id("search");
  t.add_models("claude");
  t.add_models("gpt-4o");
  t.add_models("gpt-4o-mini");
  auto p = ResolvePrincipal({.key = &k, .team = &t}, Catalog());
  EXPECT_FALSE(p.all_models());
  EXPECT_THAT(p.models(), ElementsAre("claude", "gpt-4o"));
}

TEST(PolicyTest, AllTeamModelsMeansTheTeamsList) {
  v1::Key k = KeyWith({"all-team-models"});
  v1::Team t;
  t.add_models("gpt-4o-mini");
  auto p = ResolvePrincipal({.key = &k, .team = &t}, Catalog());
  EXPECT_THAT(p.models(), ElementsAre("gpt-4o-mini"));
}

TEST(PolicyTest, ExternalUsersWithNoDefaultModelsGetOnlyWhatTheirKeyListsAndNothingElse) {
  v1::Key open = KeyWith({});
  v1::User u;
  u.set_user_id("ext");
  u.add_models("no-default-models");
  auto p = ResolvePrincipal({.key = &open, .user = &u}, Catalog());
  EXPECT_FALSE(p.all_models());
  EXPECT_THAT(p.models(), IsEmpty());
  v1::User listed;
  listed.add_models("gpt-4o-mini");
  v1::Key wide = KeyWith({"gpt-4o", "gpt-4o-mini"});
  EXPECT_THAT(ResolvePrincipal({.key = &wide, .user = &listed}, Catalog()).models(), ElementsAre("gpt-4o-mini"));
}

TEST(PolicyTest, LimitsAnywhereMarkThePrincipalAndBudgetsFollowTheKeysOwner) {
  v1::Key k = KeyWith({});
  k.mutable_max_budget()->set_micros(5'000'000);
  v1::User u;
  u.set_user_id("u1");
  u.set_rpm_limit(10);
  u.mutable_max_budget()->set_micros(1'000'000);
  auto p = ResolvePrincipal({.key = &k, .user = &u}, Catalog());
  EXPECT_TRUE(p.has_rate_limits());
  ASSERT_EQ(p.budgets_size(), 2);
  EXPECT_EQ(p.budgets(0).scope(), common::v1::SCOPE_KEY);
  EXPECT_EQ(p.budgets(1).scope(), common::v1::SCOPE_USER);
  v1::Team t;
  t.set_team_id("search");
  t.mutable_max_budget()->set_micros(9);
  auto team_key = ResolvePrincipal({.key = &k, .user = &u, .team = &t}, Catalog());
  ASSERT_EQ(team_key.budgets_size(), 2);
  EXPECT_EQ(team_key.budgets(1).scope(), common::v1::SCOPE_TEAM);  // not the owner's
}

TEST(PolicyTest, KeyAliasesOverrideTeamAliases) {
  v1::Key k = KeyWith({});
  (*k.mutable_aliases())["gpt-4"] = "gpt-4o";
  v1::Team t;
  (*t.mutable_model_aliases())["gpt-4"] = "gpt-4o-mini";
  (*t.mutable_model_aliases())["cheap"] = "gpt-4o-mini";
  auto p = ResolvePrincipal({.key = &k, .team = &t}, Catalog());
  EXPECT_EQ(p.model_aliases().at("gpt-4"), "gpt-4o");
  EXPECT_EQ(p.model_aliases().at("cheap"), "gpt-4o-mini");
}

TEST(PolicyTest, CatalogRejectsUnknownModelNamesByIndex) {
  EXPECT_THAT(Catalog().Validate({"gpt-4o", "beta", "all-team-models"}, "models"), IsOk());
  EXPECT_THAT(Catalog().Validate({"gpt-4o", "gpt-5"}, "models"),
              StatusIs(absl::StatusCode::kInvalidArgument, "models[1]: 'gpt-5'"));
}

TEST(PolicyTest, DurationsParseLikeLiteLLMs) {
  EXPECT_EQ(*ParseDurationSeconds("30s", "d"), 30);
  EXPECT_EQ(*ParseDurationSeconds("30m", "d"), 1800);
  EXPECT_EQ(*ParseDurationSeconds("30h", "d"), 108000);
  EXPECT_EQ(*ParseDurationSeconds("30d", "d"), 2592000);
  EXPECT_EQ(*ParseDurationSeconds("1mo", "d"), 2592000);
  for (const char* bad : {"", "30", "d", "-1d", "0d", "3x", "1.5h"}) {
    EXPECT_THAT(ParseDurationSeconds(bad, "duration"), StatusIs(absl::StatusCode::kInvalidArgument, "duration: '"))
        << bad;
  }
}

TEST(PolicyTest, NegativeLimitsAreRejected) {
  v1::Key k;
  k.set_rpm_limit(-1);
  EXPECT_THAT(ValidateLimits(k), StatusIs(absl::StatusCode::kInvalidArgument, "rpm_limit: must be >= 0"));
  k.clear_rpm_limit();
  k.set_budget_duration("monthly");
  EXPECT_THAT(ValidateLimits(k), StatusIs(absl::StatusCode::kInvalidArgument, "budget_duration"));
}

}  // namespace
}  // namespace llmgw::keymgr
