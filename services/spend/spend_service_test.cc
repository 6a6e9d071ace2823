// SpendService on a real SQL ledger (SQLite and PostgreSQL): reserve/settle/release,
// idempotency across restarts, the spool while the database is away, periods, reports.
#include "services/spend/spend_service.h"

#include <google/protobuf/util/time_util.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/storage/testing/test_database.h"
#include "llmgw/config/loader.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::spend {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using google::protobuf::util::TimeUtil;
using storage::testing::Backend;

// Fails like a database outage when `down` is set.
class SwitchableLedger final : public LedgerStore {
 public:
  explicit SwitchableLedger(std::unique_ptr<LedgerStore> real) : real_(std::move(real)) {}
  absl::Status Append(const std::vector<LedgerEntry>& e) override { return down ? Down() : real_->Append(e); }
  absl::StatusOr<std::vector<OpenCharge>> OpenCharges(int64_t now) override { return real_->OpenCharges(now); }
  absl::StatusOr<std::vector<std::string>> RecentRequestIds(int64_t s) override { return real_->RecentRequestIds(s); }
  absl::StatusOr<v1::QuerySpendLogsResponse> Query(const v1::QuerySpendLogsRequest& r) override { return real_->Query(r); }
  absl::StatusOr<v1::SpendReportResponse> Report(const v1::SpendReportRequest& r) override { return real_->Report(r); }
  absl::Status Ping() override { return down ? Down() : real_->Ping(); }
  std::atomic<bool> down{false};

 private:
  static absl::Status Down() { return absl::UnavailableError("connection refused"); }
  std::unique_ptr<LedgerStore> real_;
};

class SpendServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto db = storage::testing::TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    char tmpl[] = "/tmp/llmgw_spool_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto loaded = config::LoadConfigString(R"(
general_settings: {master_key: sk-master-test-000000001}
model_list:
  - model_name: chat
    litellm_params: {model: openai/house, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
    model_info: {id: house, max_output_tokens: 100}
)", "t.yaml", [](const std::string&) { return std::optional<std::string>(); });
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    prices_ = std::make_unique<pricing::PriceTable>(*loaded->config);
    ASSERT_NO_FATAL_FAILURE(Restart());
  }
  void TearDown() override {
    service_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Restart() {
    service_.reset();
    writer_.reset();
    ledger_.reset();
    auto db = db_->Open();
    ASSERT_TRUE(db.ok());
    auto store = SqlLedgerStore::Create(std::move(*db));
    ASSERT_TRUE(store.ok()) << store.status();
    ledger_ = std::make_unique<SwitchableLedger>(std::move(*store));
    auto writer = LedgerWriter::Create(*ledger_, {.spool_path = dir_ + "/spend.spool", .replay_interval = std::chrono::milliseconds(50)});
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = std::move(*writer);
    auto service = SpendService::Create({.max_end_user_budget = 5'000}, *prices_, *ledger_, *writer_, clock_);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
  }

  common::v1::Principal KeyWithBudget(MicroUsd max, const std::string& duration = "") {
    common::v1::Principal p;
    p.set_key_hash("k1");
    p.set_key_name("sk-...k111");
    p.set_team_id("t1");
    auto* b = p.add_budgets();
    b->set_scope(common::v1::SCOPE_KEY);
    b->set_id("k1");
    b->mutable_max_budget()->set_micros(max);
    b->set_budget_duration(duration);
    return p;
  }

  v1::SettleRequest SettleRequestFor(const common::v1::Principal& p, const std::string& id, MicroUsd cost,
                                     const std::string& end_user = "") {
    v1::SettleRequest r;
    r.set_request_id(id);
    *r.mutable_principal() = p;
    r.set_model_group("chat");
    r.set_end_user(end_user);
    r.mutable_usage()->set_prompt_tokens(10);
    r.mutable_usage()->set_completion_tokens(5);
    r.mutable_cost()->set_micros(cost);
    *r.mutable_end_time() = TimeUtil::NanosecondsToTimestamp(clock_.Now().time_since_epoch().count());
    return r;
  }

  absl::StatusOr<v1::SettleResponse> Settle(const common::v1::Principal& p, const std::string& id, MicroUsd cost,
                                            const std::string& end_user = "") {
    std::promise<absl::StatusOr<v1::SettleResponse>> done;
    service_->Settle(SettleRequestFor(p, id, cost, end_user), [&](auto resp) { done.set_value(std::move(resp)); });
    return done.get_future().get();
  }

  // `n` settles of 10 micro-dollars each in one batch (more than one commit's rows).
  absl::StatusOr<v1::SettleBatchResponse> SettleBatch(const common::v1::Principal& p, int n) {
    v1::SettleBatchRequest batch;
    for (int i = 0; i < n; ++i) *batch.add_settles() = SettleRequestFor(p, "batch-" + std::to_string(i), 10);
    std::promise<absl::StatusOr<v1::SettleBatchResponse>> done;
    service_->SettleBatch(batch, [&](auto resp) { done.set_value(std::move(resp)); });
    return done.get_future().get();
  }

  absl::Status Reserve(const common::v1::Principal& p, const std::string& id, int64_t max_tokens = 10,
                       const std::string& end_user = "") {
    v1::ReserveRequest r;
    r.set_request_id(id);
    *r.mutable_principal() = p;
    r.set_model_group("chat");
    r.set_prompt_tokens(20);
    r.set_max_output_tokens(max_tokens);
    r.set_end_user(end_user);
    return service_->Reserve(r).status();
  }

  MicroUsd KeySpend(const std::string& duration = "") {
    v1::GetSpendRequest g;
    g.set_scope(common::v1::SCOPE_KEY);
    g.set_id("k1");
    g.set_budget_duration(duration);
    return service_->GetSpend(g)->spend().micros();
  }

  // Until the writer has replayed its spool into the database (at most 5 s).
  void WaitForReplay() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (writer_->spooled() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  int64_t Rows() {
    v1::QuerySpendLogsRequest q;
    return ledger_->Query(q)->total();
  }

  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'796'220'000))};  // 2026-12-02
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::string dir_;
  std::unique_ptr<pricing::PriceTable> prices_;
  std::unique_ptr<SwitchableLedger> ledger_;
  std::unique_ptr<LedgerWriter> writer_;
  std::unique_ptr<SpendService> service_;
};

TEST_P(SpendServiceTest, TheWorstCaseIsPromptAndMaxOutputAtTheGroupsPrices) {
  v1::ReserveRequest r;
  r.set_model_group("chat");
  r.set_prompt_tokens(1000);
  r.set_max_output_tokens(50);
  EXPECT_EQ(service_->WorstCase(r), 1000 + 100);  // 1000 x $1e-6 + 50 x $2e-6
  r.set_max_output_tokens(0);                      // the model's maximum output: 100
  EXPECT_EQ(service_->WorstCase(r), 1000 + 200);
}

TEST_P(SpendServiceTest, ASettleSentTwiceLeavesSpendUnchangedEvenAfterARestart) {
  auto p = KeyWithBudget(1'000'000);
  ASSERT_THAT(Reserve(p, "req-1"), IsOk());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto first, Settle(p, "req-1", 700));
  EXPECT_TRUE(first.applied());
  LLMGW_ASSERT_OK_AND_ASSIGN(auto again, Settle(p, "req-1", 700));
  EXPECT_FALSE(again.applied());
  EXPECT_EQ(KeySpend(), 700);
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(KeySpend(), 700);  // rebuilt from the ledger's charges
  LLMGW_ASSERT_OK_AND_ASSIGN(auto replayed, Settle(p, "req-1", 700));
  EXPECT_FALSE(replayed.applied());
  EXPECT_EQ(KeySpend(), 700);
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(service_->reservations(), 0u);
}

TEST_P(SpendServiceTest, BudgetsHoldAcrossARestart) {
  auto p = KeyWithBudget(200);  // each request's worst case: 20 x 1 + 10 x 2 = 40
  ASSERT_THAT(Reserve(p, "a"), IsOk());
  ASSERT_THAT(Settle(p, "a", 170).status(), IsOk());  // 170 + 40 > 200
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_THAT(Reserve(p, "b"), StatusIs(absl::StatusCode::kResourceExhausted, "budget exceeded for key sk-...k111"));
}

TEST_P(SpendServiceTest, EndUsersHaveTheirOwnBudget) {
  common::v1::Principal p;
  p.set_key_hash("k2");
  ASSERT_THAT(Reserve(p, "e1", 10, "alice"), IsOk());
  ASSERT_THAT(Settle(p, "e1", 4'990, "alice").status(), IsOk());
  EXPECT_THAT(Reserve(p, "e2", 10, "alice"), StatusIs(absl::StatusCode::kResourceExhausted, "end user 'alice'"));
  EXPECT_THAT(Reserve(p, "e3", 10, "bob"), IsOk());
}

TEST_P(SpendServiceTest, BudgetDurationsResetOnCalendarBoundaries) {
  auto p = KeyWithBudget(100, "1d");
  ASSERT_THAT(Settle(p, "d1", 90).status(), IsOk());
  EXPECT_FALSE(Reserve(p, "d2").ok());
  v1::GetSpendRequest g;
  g.set_scope(common::v1::SCOPE_KEY);
  g.set_id("k1");
  g.set_budget_duration("1d");
  LLMGW_ASSERT_OK_AND_ASSIGN(auto before, service_->GetSpend(g));
  EXPECT_EQ(before.spend().micros(), 90);
  EXPECT_EQ(before.budget_reset_at().seconds() % 86400, 0);  // midnight UTC
  clock_.Advance(std::chrono::seconds(before.budget_reset_at().seconds()) -
                 std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()));
  EXPECT_EQ(KeySpend("1d"), 0);
  EXPECT_THAT(Reserve(p, "d3"), IsOk());
  ASSERT_NO_FATAL_FAILURE(Restart());  // the old period's charges are not rebuilt
  EXPECT_EQ(KeySpend("1d"), 0);
}

TEST_P(SpendServiceTest, WhileTheDatabaseIsDownRowsAreSpooledThenReplayed) {
  auto p = KeyWithBudget(1'000'000);
  ledger_->down = true;
  for (int i = 0; i < 5; ++i) ASSERT_THAT(Settle(p, "s" + std::to_string(i), 10).status(), IsOk());
  EXPECT_EQ(writer_->spooled(), 5u);
  EXPECT_EQ(Rows(), 0);
  ledger_->down = false;
  WaitForReplay();
  EXPECT_EQ(writer_->spooled(), 0u);
  EXPECT_EQ(Rows(), 5);
  EXPECT_EQ(KeySpend(), 50);
}

TEST_P(SpendServiceTest, ABatchIsSettledWholeAcrossCommitsAndOnceOnly) {
  auto p = KeyWithBudget(1'000'000);
  LLMGW_ASSERT_OK_AND_ASSIGN(auto first, SettleBatch(p, 30));
  ASSERT_EQ(first.applied_size(), 30);
  for (bool a : first.applied()) EXPECT_TRUE(a);
  EXPECT_EQ(Rows(), 30);
  EXPECT_EQ(KeySpend(), 300);
  LLMGW_ASSERT_OK_AND_ASSIGN(auto again, SettleBatch(p, 30));  // a retried batch
  ASSERT_EQ(again.applied_size(), 30);
  for (bool a : again.applied()) EXPECT_FALSE(a);
  EXPECT_EQ(Rows(), 30);
  EXPECT_EQ(KeySpend(), 300);
}

TEST_P(SpendServiceTest, ABatchWhileTheDatabaseIsDownIsSpooledWholeThenReplayed) {
  auto p = KeyWithBudget(1'000'000);
  ledger_->down = true;
  ASSERT_THAT(SettleBatch(p, 30).status(), IsOk());
  EXPECT_EQ(writer_->spooled(), 30u);
  ledger_->down = false;
  WaitForReplay();
  EXPECT_EQ(writer_->spooled(), 0u);
  EXPECT_EQ(Rows(), 30);
  EXPECT_EQ(KeySpend(), 300);
}

TEST_P(SpendServiceTest, ASpoolLeftByADeadProcessIsReplayedAtStart) {
  auto p = KeyWithBudget(1'000'000);
  ledger_->down = true;
  ASSERT_THAT(Settle(p, "crash-1", 10).status(), IsOk());
  ASSERT_THAT(Settle(p, "crash-2", 10).status(), IsOk());
  ledger_->down = false;
  writer_->Flush();
  ASSERT_NO_FATAL_FAILURE(Restart());  // replays before rebuilding
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(KeySpend(), 20);
}

TEST_P(SpendServiceTest, LogsAndReportsMatchSumsByHand) {
  common::v1::Principal a, b;
  a.set_key_hash("ka");
  a.set_team_id("search");
  b.set_key_hash("kb");
  b.set_team_id("ads");
  ASSERT_THAT(Settle(a, "1", 100).status(), IsOk());
  ASSERT_THAT(Settle(a, "2", 250).status(), IsOk());
  ASSERT_THAT(Settle(b, "3", 1000).status(), IsOk());
  writer_->Flush();
  v1::SpendReportRequest by_team;
  by_team.set_group_by(v1::REPORT_GROUP_TEAM);
  LLMGW_ASSERT_OK_AND_ASSIGN(auto report, ledger_->Report(by_team));
  ASSERT_EQ(report.rows_size(), 2);
  EXPECT_EQ(report.rows(0).group(), "ads");
  EXPECT_EQ(report.rows(0).spend().micros(), 1000);
  EXPECT_EQ(report.rows(1).group(), "search");
  EXPECT_EQ(report.rows(1).spend().micros(), 350);
  EXPECT_EQ(report.rows(1).requests(), 2);
  EXPECT_EQ(report.total_spend().micros(), 1350);
  v1::SpendReportRequest by_day;
  by_day.set_group_by(v1::REPORT_GROUP_DAY);
  LLMGW_ASSERT_OK_AND_ASSIGN(auto days, ledger_->Report(by_day));
  ASSERT_EQ(days.rows_size(), 1);
  EXPECT_EQ(days.rows(0).group(), "2026-12-02");
  v1::QuerySpendLogsRequest q;
  q.set_api_key("ka");
  q.set_page_size(1);
  LLMGW_ASSERT_OK_AND_ASSIGN(auto logs, ledger_->Query(q));
  EXPECT_EQ(logs.total(), 2);
  ASSERT_EQ(logs.logs_size(), 1);
  EXPECT_EQ(logs.logs(0).total_tokens(), 15);
}

INSTANTIATE_TEST_SUITE_P(Backends, SpendServiceTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace llmgw::spend
