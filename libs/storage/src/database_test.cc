#include "llmgw/storage/database.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/storage/testing/test_database.h"
#include "llmgw/storage/migrations.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::storage {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using storage::testing::Backend;
using storage::testing::TestDatabase;

const std::vector<Migration> kMigrations = {
    {1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, note TEXT)"},
    {2, "items.owner", "ALTER TABLE items ADD COLUMN owner TEXT; CREATE INDEX items_owner ON items (owner)"},
};

class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto t = TestDatabase::Create(GetParam());
    ASSERT_TRUE(t.ok()) << t.status();
    test_db_ = std::move(*t);
    LLMGW_ASSERT_OK_AND_ASSIGN(db_, test_db_->Open());
    ASSERT_THAT(Migrate(*db_, "test", kMigrations), IsOk());
  }

  absl::StatusOr<Result> Run(std::string_view sql, const std::vector<Value>& params = {}) {
    absl::StatusOr<Result> out;
    absl::Status s = db_->Transact([&](Transaction& t) {
      out = t.Execute(sql, params);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, BindsNullIntegerAndTextAndReadsThemBack) {
  ASSERT_THAT(Run("INSERT INTO items (id, n, note, owner) VALUES ($1, $2, $3, $4)",
                  {std::string("a"), int64_t{-42}, nullptr, std::string("o'brien \"x\"")}).status(),
              IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("SELECT id, n, note, owner FROM items WHERE id = $1", {std::string("a")}));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].Text(0), "a");
  EXPECT_EQ(r.rows[0].Int(1), -42);
  EXPECT_TRUE(r.rows[0].IsNull(2));
  EXPECT_EQ(r.rows[0].Text(3), "o'brien \"x\"");
}

TEST_P(DatabaseTest, ParametersBindByNumberOutOfOrderRepeatedAndTwiceOverACachedStatement) {
  ASSERT_THAT(Run("INSERT INTO items (id, n) VALUES ($1, 1), ($2, 2), ($3, 3)",
                  {std::string("a"), std::string("b"), std::string("c")}).status(), IsOk());
  // $3 before $2 before $1, $1 twice: each value lands where its number says.
  const char* sql = "SELECT id FROM items WHERE id = $3 OR (n = $2 AND id = $1) OR id = $1 ORDER BY id";
  for (int run = 0; run < 2; ++run) {  // the second run is the cached statement's
    LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run(sql, {std::string("a"), int64_t{1}, std::string("c")}));
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].Text(0), "a");
    EXPECT_EQ(r.rows[1].Text(0), "c");
  }
}

TEST_P(DatabaseTest, ReportsAffectedRowsAndUniqueConflictsAsAlreadyExists) {
  ASSERT_THAT(Run("INSERT INTO items (id, n) VALUES ($1, 1), ($2, 2)", {std::string("a"), std::string("b")}).status(), IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("UPDATE items SET n = n + 1"));
  EXPECT_EQ(r.affected, 2);
  EXPECT_THAT(Run("INSERT INTO items (id) VALUES ($1)", {std::string("a")}).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_P(DatabaseTest, RollsBackEverythingWhenTheBodyFails) {
  absl::Status s = db_->Transact([](Transaction& t) -> absl::Status {
    if (auto r = t.Execute("INSERT INTO items (id) VALUES ('x')"); !r.ok()) return r.status();
    return absl::AbortedError("changed my mind");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("SELECT COUNT(*) FROM items"));
  EXPECT_EQ(r.rows[0].Int(0), 0);
}

TEST_P(DatabaseTest, AStatementErrorFailsTheTransactionEvenIfTheBodyIgnoresIt) {
  absl::Status s = db_->Transact([](Transaction& t) -> absl::Status {
    (void)t.Execute("INSERT INTO items (id) VALUES ('y')");
    (void)t.Execute("INSERT INTO nosuchtable VALUES (1)");
    return absl::OkStatus();
  });
  if (db_->dialect() == Dialect::kPostgres) {
    EXPECT_FALSE(s.ok());
    LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("SELECT COUNT(*) FROM items"));
    EXPECT_EQ(r.rows[0].Int(0), 0);
  } else {
    // SQLite keeps the transaction usable after a failed statement; the body decides.
    EXPECT_THAT(s, IsOk());
  }
}

TEST_P(DatabaseTest, MigrationsAreRecordedAndIdempotent) {
  LLMGW_ASSERT_OK_AND_ASSIGN(int v, SchemaVersion(*db_, "test"));
  EXPECT_EQ(v, 2);
  ASSERT_THAT(Migrate(*db_, "test", kMigrations), IsOk());  // a restart: nothing to do
  LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("SELECT COUNT(*) FROM schema_migrations WHERE component = 'test'"));
  EXPECT_EQ(r.rows[0].Int(0), 2);
  auto extended = kMigrations;
  extended.push_back({3, "items.flag", "ALTER TABLE items ADD COLUMN flag BIGINT"});
  ASSERT_THAT(Migrate(*db_, "test", extended), IsOk());
  EXPECT_THAT(Run("SELECT flag FROM items").status(), IsOk());
}

TEST_P(DatabaseTest, RefusesASchemaNewerThanTheBinary) {
  auto older = kMigrations;
  older.pop_back();
  EXPECT_THAT(Migrate(*db_, "test", older),
              StatusIs(absl::StatusCode::kFailedPrecondition, "schema is at version 2"));
}

TEST_P(DatabaseTest, AFailedMigrationLeavesTheSchemaAsItWas) {
  auto broken = kMigrations;
  broken.push_back({3, "good", "ALTER TABLE items ADD COLUMN good BIGINT"});
  broken.push_back({4, "bad", "ALTER TABLE nosuchtable ADD COLUMN x BIGINT"});
  EXPECT_THAT(Migrate(*db_, "test", broken), StatusIs(absl::StatusCode::kInternal, "migration 4 (bad)"));
  LLMGW_ASSERT_OK_AND_ASSIGN(int v, SchemaVersion(*db_, "test"));
  EXPECT_EQ(v, 2);
  EXPECT_FALSE(Run("SELECT good FROM items").ok());
}

TEST_P(DatabaseTest, ConcurrentMigratorsApplyEachStepOnce) {
  auto extended = kMigrations;
  extended.push_back({3, "counter", "CREATE TABLE counter (n BIGINT); INSERT INTO counter VALUES (1)"});
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto db = test_db_->Open();
      results[i] = db.ok() ? Migrate(**db, "test", extended) : db.status();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_THAT(s, IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("SELECT COUNT(*) FROM counter"));
  EXPECT_EQ(r.rows[0].Int(0), 1);
}

TEST_P(DatabaseTest, ManyThreadsShareOnePool) {
  auto db = test_db_->Open({.pool_size = 2});
  ASSERT_TRUE(db.ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 20; ++j) {
        ASSERT_THAT((*db)->Transact([&](Transaction& t) {
          return t.Execute("INSERT INTO items (id, n) VALUES ($1, $2)",
                           {absl::StrCat(i, "-", j), int64_t{j}}).status();
        }), IsOk());
      }
    });
  }
  for (auto& t : threads) t.join();
  LLMGW_ASSERT_OK_AND_ASSIGN(auto r, Run("SELECT COUNT(*), SUM(n) FROM items"));
  EXPECT_EQ(r.rows[0].Int(0), 160);
  EXPECT_EQ(r.rows[0].Int(1), 8 * 190);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

TEST(DatabaseUrlTest, RedactsPasswordsAndRejectsUnknownSchemes) {
  EXPECT_EQ(RedactUrl("postgresql://llm:s3cret@db:5432/llmgw"), "postgresql://llm:***@db:5432/llmgw");
  EXPECT_EQ(RedactUrl("postgresql://llm@db/llmgw"), "postgresql://llm@db/llmgw");
  EXPECT_THAT(OpenDatabase("mysql://u:pw@h/db").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "mysql://u:***@h/db"));
}

TEST(DatabaseUrlTest, AnUnreachablePostgresIsUnavailableNotAStartupFailure) {
  auto db = OpenDatabase("postgresql://postgres@127.0.0.1:1/x", {.connect_timeout = std::chrono::seconds(1)});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_THAT((*db)->Ping(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace llmgw::storage
