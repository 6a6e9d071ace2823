// Test fixture: the real KeyManager on a real SQL store (SQLite or PostgreSQL), with a
// fake clock, the in-memory counters and a switch that makes the store fail as a
// database outage would.
#pragma once

#include <atomic>

#include "gtest/gtest.h"
#include "libs/storage/testing/test_database.h"
#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"
#include "llmgw/testing/status_matchers.h"
#include "services/keymgr/key_manager.h"

namespace llmgw::keymgr::testing {

inline constexpr char kMasterKey[] = "sk-master-key-for-tests-0001";

// Passes through to the real store unless `down` is set.
class SwitchableStore final : public KeyStore {
 public:
  explicit SwitchableStore(std::unique_ptr<KeyStore> real) : real_(std::move(real)) {}
  absl::StatusOr<Snapshot> LoadAll() override { return down ? Down() : real_->LoadAll(); }
  absl::Status Apply(const Mutation& m) override { return down ? Down() : real_->Apply(m); }
  absl::Status Ping() override { return down ? Down() : real_->Ping(); }
  std::atomic<bool> down{false};

 private:
  static absl::Status Down() { return absl::UnavailableError("connection refused"); }
  std::unique_ptr<KeyStore> real_;
};

class KeyManagerFixture : public ::testing::TestWithParam<storage::testing::Backend> {
 protected:
  void SetUp() override {
    auto db = storage::testing::TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status();
    test_db_ = std::move(*db);
    ASSERT_NO_FATAL_FAILURE(Restart());
  }

  // A fresh KeyManager over the same database, as after a process restart.
  void Restart() {
    km_.reset();
    auto db = test_db_->Open();
    ASSERT_TRUE(db.ok()) << db.status();
    auto store = SqlKeyStore::Create(std::move(*db));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<SwitchableStore>(std::move(*store));
    counters_ = std::make_unique<InMemoryCounterStore>(clock_);
    KeyManagerOptions options{.master_key = kMasterKey,
                              .catalog = {.groups = {"gpt-4o", "gpt-4o-mini", "claude"},
                                          .access_groups = {{"beta", {"claude"}}}}};
    auto km = KeyManager::Create(options, *store_, *counters_, clock_);
    ASSERT_TRUE(km.ok()) << km.status();
    km_ = std::move(*km);
  }

  Caller Master() { return *km_->ResolveCaller(kMasterKey); }
  Caller As(const std::string& plain) {
    auto c = km_->ResolveCaller(plain);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : Caller{};
  }

  // Creates a user (as the master key) and returns their plain key.
  std::string NewUser(const std::string& id, common::v1::Role role = common::v1::ROLE_INTERNAL_USER) {
    v1::CreateUserRequest r;
    r.mutable_user()->set_user_id(id);
    r.mutable_user()->set_user_role(role);
    auto out = km_->CreateUser(Master(), r);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->key() : "";
  }

  absl::StatusOr<v1::GenerateKeyResponse> Generate(const Caller& c, const std::string& json_like_alias = "",
                                                   std::function<void(v1::Key&)> edit = nullptr) {
    v1::GenerateKeyRequest r;
    r.mutable_key()->set_key_alias(json_like_alias);
    if (edit) edit(*r.mutable_key());
    return km_->GenerateKey(c, r);
  }

  FakeClock clock_;
  std::unique_ptr<storage::testing::TestDatabase> test_db_;
  std::unique_ptr<SwitchableStore> store_;
  std::unique_ptr<InMemoryCounterStore> counters_;
  std::unique_ptr<KeyManager> km_;
};

inline std::string BackendTestName(const ::testing::TestParamInfo<storage::testing::Backend>& info) {
  return storage::testing::BackendName(info.param);
}

}  // namespace llmgw::keymgr::testing
