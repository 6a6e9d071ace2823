// Tenant isolation (OWASP API1 broken object-level and API5 function-level authorization).
#include "gmock/gmock.h"
#include "services/keymgr/keymgr_fixture.h"

namespace llmgw::keymgr {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using ::testing::ElementsAre;
using storage::testing::Backend;
using testing::KeyManagerFixture;

class RbacTest : public KeyManagerFixture {
 protected:
  void SetUp() override {
    KeyManagerFixture::SetUp();
    alice_ = NewUser("alice");
    bob_ = NewUser("bob");
    viewer_ = NewUser("vera", common::v1::ROLE_PROXY_ADMIN_VIEWER);
    for (const char* id : {"search", "ads"}) {
      v1::CreateTeamRequest t;
      t.mutable_team()->set_team_id(id);
      t.mutable_team()->mutable_max_budget()->set_micros(100'000'000);
      ASSERT_THAT(km_->CreateTeam(Master(), t).status(), IsOk());
    }
    v1::AddTeamMembersRequest add;
    add.set_team_id("search");
    auto* m = add.add_members();
    m->set_user_id("alice");
    m->set_role(v1::TEAM_ROLE_ADMIN);
    add.add_members()->set_user_id("bob");
    ASSERT_THAT(km_->AddTeamMembers(Master(), add).status(), IsOk());
  }
  std::string alice_, bob_, viewer_;
};

TEST_P(RbacTest, AnInternalUserCannotReadOrChangeAnotherUsersKey) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto bobs, Generate(As(bob_), "bob-personal"));
  EXPECT_EQ(bobs.info().user_id(), "bob");
  // Alice is admin of "search", but this key is bob's personal key.
  v1::KeyRef ref;
  ref.set_key(bobs.info().token());
  EXPECT_THAT(km_->GetKey(As(alice_), ref), StatusIs(absl::StatusCode::kNotFound));
  v1::UpdateKeyRequest u;
  u.set_key(bobs.key());
  u.mutable_changes()->set_key_alias("mine");
  u.mutable_update_mask()->add_paths("key_alias");
  EXPECT_THAT(km_->UpdateKey(As(alice_), u), StatusIs(absl::StatusCode::kNotFound));
  v1::DeleteKeysRequest d;
  d.add_keys(bobs.key());
  EXPECT_THAT(km_->DeleteKeys(As(alice_), d), StatusIs(absl::StatusCode::kNotFound));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto mine, km_->ListKeys(As(alice_), {}));
  for (const auto& token : mine.keys()) EXPECT_NE(token, bobs.info().token());
  // Bob reads his own.
  EXPECT_THAT(km_->GetKey(As(bob_), ref).status(), IsOk());
}

TEST_P(RbacTest, AnInternalUserCreatesKeysOnlyForThemselves) {
  EXPECT_THAT(Generate(As(bob_), "", [](v1::Key& k) { k.set_user_id("alice"); }),
              StatusIs(absl::StatusCode::kPermissionDenied, "only create keys for yourself"));
  EXPECT_THAT(Generate(As(bob_), "", [](v1::Key& k) { k.set_team_id("ads"); }),
              StatusIs(absl::StatusCode::kPermissionDenied, "not a member of team 'ads'"));
  EXPECT_THAT(Generate(As(bob_), "", [](v1::Key& k) { k.set_team_id("search"); }).status(), IsOk());
}

TEST_P(RbacTest, AnInternalUserCannotCreateATeamOrListUsers) {
  v1::CreateTeamRequest t;
  t.mutable_team()->set_team_id("mine");
  auto s = km_->CreateTeam(As(bob_), t);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied, "only a proxy_admin may create teams"));
  EXPECT_EQ(GetErrorDetail(s.status()).kind(), common::v1::ERROR_KIND_FORBIDDEN);
  EXPECT_THAT(km_->ListUsers(As(bob_), {}), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::CreateUserRequest u;
  u.mutable_user()->set_user_id("mallory");
  EXPECT_THAT(km_->CreateUser(As(bob_), u), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_P(RbacTest, NobodyButAProxyAdminRaisesTheirOwnBudgetOrLimits) {
  v1::UpdateUserRequest raise;
  raise.mutable_user()->set_user_id("bob");
  raise.mutable_user()->mutable_max_budget()->set_micros(1'000'000'000);
  raise.mutable_update_mask()->add_paths("max_budget");
  EXPECT_THAT(km_->UpdateUser(As(bob_), raise), StatusIs(absl::StatusCode::kPermissionDenied, "own role, models, limits or budget"));
  raise.mutable_update_mask()->Clear();
  raise.mutable_user()->set_user_role(common::v1::ROLE_PROXY_ADMIN);
  raise.mutable_update_mask()->add_paths("user_role");
  EXPECT_THAT(km_->UpdateUser(As(bob_), raise), StatusIs(absl::StatusCode::kPermissionDenied));

  LLMGW_ASSERT_OK_AND_ASSIGN(auto key, Generate(As(bob_), "", [](v1::Key& k) {
    k.set_rpm_limit(10);
    k.mutable_max_budget()->set_micros(5'000'000);
  }));
  v1::UpdateKeyRequest u;
  u.set_key(key.key());
  u.mutable_changes()->set_rpm_limit(100);
  u.mutable_update_mask()->add_paths("rpm_limit");
  EXPECT_THAT(km_->UpdateKey(As(bob_), u), StatusIs(absl::StatusCode::kPermissionDenied, "raise or remove rpm_limit"));
  u.mutable_changes()->set_rpm_limit(5);  // tightening is fine
  EXPECT_THAT(km_->UpdateKey(As(bob_), u).status(), IsOk());
  u.mutable_changes()->clear_rpm_limit();  // removing is loosening
  EXPECT_THAT(km_->UpdateKey(As(bob_), u), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::UpdateKeyRequest budget;
  budget.set_key(key.key());
  budget.mutable_changes()->mutable_max_budget()->set_micros(50'000'000);
  budget.mutable_update_mask()->add_paths("max_budget");
  EXPECT_THAT(km_->UpdateKey(As(bob_), budget), StatusIs(absl::StatusCode::kPermissionDenied, "max_budget"));
  EXPECT_THAT(km_->UpdateKey(Master(), budget).status(), IsOk());
}

TEST_P(RbacTest, ATeamAdminManagesTheirTeamButCannotTouchAnotherOrRaiseTheirOwnBudget) {
  v1::AddTeamMembersRequest add;
  add.set_team_id("search");
  add.add_members()->set_user_id("vera");
  EXPECT_THAT(km_->AddTeamMembers(As(alice_), add).status(), IsOk());
  add.set_team_id("ads");
  EXPECT_THAT(km_->AddTeamMembers(As(alice_), add), StatusIs(absl::StatusCode::kNotFound));
  v1::UpdateTeamRequest rename;
  rename.mutable_team()->set_team_id("ads");
  rename.mutable_team()->set_team_alias("mine now");
  rename.mutable_update_mask()->add_paths("team_alias");
  EXPECT_THAT(km_->UpdateTeam(As(alice_), rename), StatusIs(absl::StatusCode::kNotFound));
  rename.mutable_team()->set_team_id("search");
  EXPECT_THAT(km_->UpdateTeam(As(alice_), rename).status(), IsOk());
  v1::UpdateTeamRequest raise;
  raise.mutable_team()->set_team_id("search");
  raise.mutable_team()->mutable_max_budget()->set_micros(1'000'000'000);
  raise.mutable_update_mask()->add_paths("max_budget");
  EXPECT_THAT(km_->UpdateTeam(As(alice_), raise), StatusIs(absl::StatusCode::kPermissionDenied));
  // A plain member is not a team admin.
  EXPECT_THAT(km_->UpdateTeam(As(bob_), rename), StatusIs(absl::StatusCode::kPermissionDenied));
  // The team admin sees and manages the team's keys, including bob's team key.
  LLMGW_ASSERT_OK_AND_ASSIGN(auto bobs, Generate(As(bob_), "", [](v1::Key& k) { k.set_team_id("search"); }));
  v1::KeyRef ref;
  ref.set_key(bobs.info().token());
  EXPECT_THAT(km_->SetBlocked(As(alice_), ref, true).status(), IsOk());
  v1::DeleteTeamsRequest del;
  del.add_team_ids("search");
  EXPECT_THAT(km_->DeleteTeams(As(alice_), del), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_P(RbacTest, ViewersReadEverythingAndWriteNothing) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto bobs, Generate(As(bob_)));
  v1::KeyRef ref;
  ref.set_key(bobs.info().token());
  EXPECT_THAT(km_->GetKey(As(viewer_), ref).status(), IsOk());
  EXPECT_THAT(km_->ListUsers(As(viewer_), {}).status(), IsOk());
  EXPECT_THAT(Generate(As(viewer_)), StatusIs(absl::StatusCode::kPermissionDenied, "may only read"));
  EXPECT_THAT(km_->SetBlocked(As(viewer_), ref, true), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::GetTeamRequest t;
  t.set_team_id("ads");
  EXPECT_THAT(km_->GetTeam(As(viewer_), t).status(), IsOk());
}

TEST_P(RbacTest, UsersSeeTheirOwnInfoAndTeams) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto info, km_->GetUser(As(bob_), {}));
  EXPECT_EQ(info.user_id(), "bob");
  EXPECT_THAT(info.user_info().teams(), ElementsAre("search"));
  v1::GetUserRequest other;
  other.set_user_id("alice");
  EXPECT_THAT(km_->GetUser(As(bob_), other), StatusIs(absl::StatusCode::kNotFound));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto teams, km_->ListTeams(As(bob_), {}));
  ASSERT_EQ(teams.teams_size(), 1);
  EXPECT_EQ(teams.teams(0).team_id(), "search");
}

INSTANTIATE_TEST_SUITE_P(Backends, RbacTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendTestName);

}  // namespace
}  // namespace llmgw::keymgr
