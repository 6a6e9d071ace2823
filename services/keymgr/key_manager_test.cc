#include "services/keymgr/key_manager.h"

#include "gmock/gmock.h"
#include "services/keymgr/keymgr_fixture.h"

namespace llmgw::keymgr {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using storage::testing::Backend;
using testing::KeyManagerFixture;

class KeyManagerTest : public KeyManagerFixture {};

TEST_P(KeyManagerTest, AGeneratedKeyAuthenticatesAndIsStoredOnlyAsItsHash) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master(), "ci"));
  EXPECT_THAT(gen.key(), ::testing::StartsWith("sk-"));
  EXPECT_EQ(gen.key().size(), 35u);  // 192 random bits
  EXPECT_EQ(gen.info().token(), Sha256Hex(gen.key()));
  EXPECT_EQ(gen.info().key_name(), "sk-..." + gen.key().substr(gen.key().size() - 4));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto p, km_->Authenticate(Sha256Hex(gen.key())));
  EXPECT_EQ(p.key_alias(), "ci");
  EXPECT_TRUE(p.all_models());
  // Nothing in the database contains the plain key.
  auto db = test_db_->Open();
  ASSERT_TRUE(db.ok());
  std::string dump;
  ASSERT_THAT((*db)->Transact([&](storage::Transaction& t) -> absl::Status {
    for (const char* table : {"keymgr_keys", "keymgr_users", "keymgr_teams"}) {
      auto r = t.Execute(std::string("SELECT * FROM ") + table);
      if (!r.ok()) return r.status();
      for (const auto& row : r->rows) for (size_t i = 0; i < row.cells.size(); ++i) dump += row.Text(i);
    }
    return absl::OkStatus();
  }), IsOk());
  EXPECT_THAT(dump, HasSubstr(gen.info().token()));
  EXPECT_THAT(dump, Not(HasSubstr(gen.key())));
}

TEST_P(KeyManagerTest, KeysUsersAndTeamsSurviveARestart) {
  std::string alice = NewUser("alice");
  v1::CreateTeamRequest team;
  team.mutable_team()->set_team_id("search");
  team.mutable_team()->add_models("gpt-4o-mini");
  ASSERT_THAT(km_->CreateTeam(Master(), team).status(), IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master(), "team-key", [](v1::Key& k) { k.set_team_id("search"); }));
  ASSERT_NO_FATAL_FAILURE(Restart());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto p, km_->Authenticate(Sha256Hex(gen.key())));
  EXPECT_THAT(p.models(), ElementsAre("gpt-4o-mini"));
  EXPECT_THAT(km_->Authenticate(Sha256Hex(alice)).status(), IsOk());
}

TEST_P(KeyManagerTest, BlockedAndExpiredKeysAreRefusedWithTheirOwnKinds) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master()));
  v1::KeyRef ref;
  ref.set_key(gen.key());
  ASSERT_THAT(km_->SetBlocked(Master(), ref, true).status(), IsOk());
  auto blocked = km_->Authenticate(gen.info().token());
  EXPECT_THAT(blocked, StatusIs(absl::StatusCode::kUnauthenticated, "is blocked"));
  EXPECT_EQ(GetErrorDetail(blocked.status()).kind(), common::v1::ERROR_KIND_BLOCKED_KEY);
  ASSERT_THAT(km_->SetBlocked(Master(), ref, false).status(), IsOk());
  EXPECT_THAT(km_->Authenticate(gen.info().token()).status(), IsOk());

  v1::GenerateKeyRequest short_lived;
  short_lived.set_duration("30s");
  LLMGW_ASSERT_OK_AND_ASSIGN(auto temp, km_->GenerateKey(Master(), short_lived));
  EXPECT_THAT(km_->Authenticate(temp.info().token()).status(), IsOk());
  clock_.Advance(std::chrono::seconds(31));
  auto expired = km_->Authenticate(temp.info().token());
  EXPECT_THAT(expired, StatusIs(absl::StatusCode::kUnauthenticated, "expired at"));
  EXPECT_EQ(GetErrorDetail(expired.status()).kind(), common::v1::ERROR_KIND_EXPIRED_KEY);
  EXPECT_THAT(km_->Authenticate(Sha256Hex("sk-never-issued-000000000")),
              StatusIs(absl::StatusCode::kUnauthenticated, "invalid API key"));
}

TEST_P(KeyManagerTest, UpdateChangesOnlyTheMaskedFieldsAndNullClears) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master(), "before", [](v1::Key& k) {
    k.set_rpm_limit(5);
    k.add_models("gpt-4o");
  }));
  v1::UpdateKeyRequest u;
  u.set_key(gen.info().token());
  u.mutable_changes()->set_key_alias("after");
  u.mutable_update_mask()->add_paths("key_alias");
  u.mutable_update_mask()->add_paths("rpm_limit");  // unset in changes: cleared
  LLMGW_ASSERT_OK_AND_ASSIGN(auto k, km_->UpdateKey(Master(), u));
  EXPECT_EQ(k.key_alias(), "after");
  EXPECT_FALSE(k.has_rpm_limit());
  EXPECT_THAT(k.models(), ElementsAre("gpt-4o"));
  u.mutable_update_mask()->add_paths("token");
  EXPECT_THAT(km_->UpdateKey(Master(), u), StatusIs(absl::StatusCode::kInvalidArgument, "token: cannot be changed"));
  v1::UpdateKeyRequest bad_model;
  bad_model.set_key(gen.key());
  bad_model.mutable_changes()->add_models("gpt-5");
  bad_model.mutable_update_mask()->add_paths("models");
  EXPECT_THAT(km_->UpdateKey(Master(), bad_model), StatusIs(absl::StatusCode::kInvalidArgument, "'gpt-5'"));
}

TEST_P(KeyManagerTest, WatchersHearWhichPrincipalsChanged) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master()));
  std::vector<v1::PrincipalChange> heard;
  int id = km_->Subscribe([&](const v1::PrincipalChange& c) { heard.push_back(c); });
  v1::KeyRef ref;
  ref.set_key(gen.key());
  ASSERT_THAT(km_->SetBlocked(Master(), ref, true).status(), IsOk());
  km_->Unsubscribe(id);
  ASSERT_THAT(km_->SetBlocked(Master(), ref, false).status(), IsOk());
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_THAT(heard[0].key_hashes(), ElementsAre(gen.info().token()));
}

TEST_P(KeyManagerTest, ATeamChangeReachesEveryKeyOfTheTeam) {
  v1::CreateTeamRequest team;
  team.mutable_team()->set_team_id("search");
  ASSERT_THAT(km_->CreateTeam(Master(), team).status(), IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto a, Generate(Master(), "a", [](v1::Key& k) { k.set_team_id("search"); }));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto b, Generate(Master(), "b", [](v1::Key& k) { k.set_team_id("search"); }));
  std::vector<std::string> heard;
  km_->Subscribe([&](const v1::PrincipalChange& c) { heard.assign(c.key_hashes().begin(), c.key_hashes().end()); });
  v1::UpdateTeamRequest u;
  u.mutable_team()->set_team_id("search");
  u.mutable_team()->add_models("claude");
  u.mutable_update_mask()->add_paths("models");
  ASSERT_THAT(km_->UpdateTeam(Master(), u).status(), IsOk());
  EXPECT_THAT(heard, ::testing::UnorderedElementsAre(a.info().token(), b.info().token()));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto p, km_->Authenticate(a.info().token()));
  EXPECT_THAT(p.models(), ElementsAre("claude"));
}

TEST_P(KeyManagerTest, RegenerateReplacesTheKeyAndTheOldOneStopsWorking) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master(), "rotating", [](v1::Key& k) { k.set_rpm_limit(7); }));
  v1::RegenerateKeyRequest r;
  r.set_key(gen.key());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto fresh, km_->RegenerateKey(Master(), r));
  EXPECT_NE(fresh.key(), gen.key());
  EXPECT_EQ(fresh.info().rpm_limit(), 7);
  EXPECT_EQ(fresh.info().key_alias(), "rotating");
  EXPECT_THAT(km_->Authenticate(gen.info().token()), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(km_->Authenticate(fresh.info().token()).status(), IsOk());
}

TEST_P(KeyManagerTest, DeleteByKeyOrAliasAndListWithPages) {
  for (int i = 0; i < 12; ++i) ASSERT_THAT(Generate(Master(), "k" + std::to_string(i)).status(), IsOk());
  v1::ListKeysRequest list;
  list.set_size(5);
  list.set_page(3);
  LLMGW_ASSERT_OK_AND_ASSIGN(auto page, km_->ListKeys(Master(), list));
  EXPECT_EQ(page.total_count(), 12);
  EXPECT_EQ(page.total_pages(), 3);
  EXPECT_EQ(page.keys_size(), 2);
  v1::DeleteKeysRequest del;
  del.add_key_aliases("k3");
  LLMGW_ASSERT_OK_AND_ASSIGN(auto deleted, km_->DeleteKeys(Master(), del));
  EXPECT_EQ(deleted.deleted_keys_size(), 1);
  del.Clear();
  del.add_keys("sk-not-a-key-we-know-000");
  EXPECT_THAT(km_->DeleteKeys(Master(), del), StatusIs(absl::StatusCode::kNotFound));
  LLMGW_ASSERT_OK_AND_ASSIGN(page, km_->ListKeys(Master(), {}));
  EXPECT_EQ(page.total_count(), 11);
}

TEST_P(KeyManagerTest, AdmitEnforcesKeyAndTeamLimits) {
  v1::CreateTeamRequest team;
  team.mutable_team()->set_team_id("t");
  team.mutable_team()->set_rpm_limit(3);
  ASSERT_THAT(km_->CreateTeam(Master(), team).status(), IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto a, Generate(Master(), "a", [](v1::Key& k) { k.set_team_id("t"); k.set_rpm_limit(5); }));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto b, Generate(Master(), "b", [](v1::Key& k) { k.set_team_id("t"); }));
  v1::AdmitRequest req;
  req.set_model("gpt-4o");
  req.set_key_hash(a.info().token());
  ASSERT_THAT(km_->Admit(req).status(), IsOk());
  ASSERT_THAT(km_->Admit(req).status(), IsOk());
  req.set_key_hash(b.info().token());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto third, km_->Admit(req));
  EXPECT_EQ(third.requests().remaining(), 0);
  auto fourth = km_->Admit(req);  // the team's 4th in the minute
  EXPECT_THAT(fourth, StatusIs(absl::StatusCode::kResourceExhausted, "team 't'"));
  EXPECT_EQ(GetErrorDetail(fourth.status()).kind(), common::v1::ERROR_KIND_RATE_LIMITED);
  EXPECT_TRUE(GetErrorDetail(fourth.status()).has_retry_after());
}

TEST_P(KeyManagerTest, WhileTheStoreIsDownKeysWorkAndWritesAreUnavailable) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master()));
  store_->down = true;
  EXPECT_THAT(km_->Authenticate(gen.info().token()).status(), IsOk());
  auto write = Generate(Master());
  EXPECT_THAT(write, StatusIs(absl::StatusCode::kUnavailable, "database is unavailable"));
  EXPECT_EQ(GetErrorDetail(write.status()).kind(), common::v1::ERROR_KIND_STORE_UNAVAILABLE);
  v1::KeyRef ref;
  ref.set_key(gen.key());
  EXPECT_THAT(km_->SetBlocked(Master(), ref, true), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(km_->Authenticate(gen.info().token()).status(), IsOk());  // the failed block changed nothing
  store_->down = false;
  EXPECT_THAT(Generate(Master()).status(), IsOk());
}

TEST_P(KeyManagerTest, AnAdminNamingAnUnknownUserCreatesItAsAnInternalUser) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto gen, Generate(Master(), "", [](v1::Key& k) { k.set_user_id("carol"); }));
  v1::GetUserRequest get;
  get.set_user_id("carol");
  LLMGW_ASSERT_OK_AND_ASSIGN(auto info, km_->GetUser(Master(), get));
  EXPECT_EQ(info.user_info().user_role(), common::v1::ROLE_INTERNAL_USER);
  ASSERT_EQ(info.keys_size(), 1);
  EXPECT_EQ(info.keys(0).token(), gen.info().token());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto p, km_->Authenticate(gen.info().token()));
  EXPECT_EQ(p.role(), common::v1::ROLE_INTERNAL_USER);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyManagerTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendTestName);

}  // namespace
}  // namespace llmgw::keymgr
