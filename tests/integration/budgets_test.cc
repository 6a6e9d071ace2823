// Budgets and the ledger end to end through the gateway, on SQLite and on PostgreSQL:
// concurrent requests never pass a budget, every success has one ledger row, no
// reservation is left behind, and the reports add up.
#include <grpcpp/create_channel.h>

#include <boost/json.hpp>
#include <future>
#include <iostream>
#include <thread>

#include "gmock/gmock.h"
#include "libs/storage/testing/test_database.h"
#include "llmgw/http/server.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using storage::testing::Backend;

// Every call costs exactly $0.009: the fake provider counts 8 prompt + 5 completion tokens
// for this request ("hi" -> "a b c d e"), priced $0.0005 and $0.001 per token. The
// reservation's worst case is 9 prompt tokens (one per byte, plus overhead) + max_tokens 5
// = $0.0095, so a $0.05 budget fits 5 requests and admits at most 5 at once.
constexpr char kModels[] = R"(
  - model_name: priced
    litellm_params: {model: openai/priced, api_base: "$FAKE", api_key: os.environ/KEY,
                     input_cost_per_token: 0.0005, output_cost_per_token: 0.001,
                     extra_headers: {x-fake-text: "a b c d e", x-fake-latency-ms: "20"}}
  - model_name: slow
    litellm_params: {model: openai/slow, api_base: "$FAKE", api_key: os.environ/KEY,
                     input_cost_per_token: 0.0005, output_cost_per_token: 0.001,
                     extra_headers: {x-fake-chunk-delay-ms: "100", x-fake-text: "one two three four five six seven eight nine ten"}}
)";
constexpr char kChat[] = R"({"model":"priced","messages":[{"role":"user","content":"hi"}],"max_tokens":5})";

class BudgetsTest : public BackendSuiteTest {
 protected:
  void SetUp() override { StartOn(kModels); }

  // `n` requests at once, each with its own connection; returns the statuses.
  std::vector<int> Burst(const std::vector<std::string>& keys, int n) {
    std::vector<std::promise<int>> done(n);
    for (int i = 0; i < n; ++i) {
      http::ClientRequest req{.url = Url("/v1/chat/completions"), .body = kChat};
      req.headers = {{"Authorization", "Bearer " + keys[i % keys.size()]}, {"Content-Type", "application/json"}};
      auto* p = &done[i];
      auto status = std::make_shared<int>(0);
      client_->Start(std::move(req), {.on_head = [status](int s, const http::HeaderList&) { *status = s; },
                                      .on_data = [](std::string_view) {},
                                      .on_done = [p, status](absl::Status) { p->set_value(*status); }});
    }
    std::vector<int> statuses;
    for (auto& d : done) statuses.push_back(d.get_future().get());
    return statuses;
  }

  double SpendOf(const std::string& path) {
    auto r = Get(path);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = ParseJson(r.body);
    const auto& info = v.as_object().contains("info") ? v.as_object().at("info") : v.as_object().at("team_info");
    return info.as_object().at("spend").to_number<double>();
  }

  int64_t Reserved(common::v1::Scope scope, const std::string& id) {
    auto stub = spend::v1::SpendService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(suite_->grpc_port()), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    spend::v1::GetSpendRequest req;
    req.set_scope(scope);
    req.set_id(id);
    spend::v1::GetSpendResponse resp;
    EXPECT_TRUE(stub->GetSpend(&ctx, req, &resp).ok());
    return resp.reserved().micros();
  }

  int64_t LedgerRows(const std::string& query) {
    auto r = Get("/spend/logs?" + query + "&page_size=500");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::stoll(std::string(http::FindHeader(r.headers, "x-total-count")));
  }

  // Settles reach spend after the responses: wait until the ledger has them all.
  void WaitForRows(const std::string& query, int64_t n) {
    EXPECT_TRUE(WaitFor([&] { return LedgerRows(query) == n; }, std::chrono::seconds(5))) << LedgerRows(query);
  }
};

TEST_P(BudgetsTest, TenTimesNConcurrentRequestsOnAKeyThatFitsNNeverPassItsBudget) {
  std::string key = NewKey(R"({"max_budget":0.05})");
  auto statuses = Burst({key}, 50);
  int ok = std::count(statuses.begin(), statuses.end(), 200);
  int refused = std::count(statuses.begin(), statuses.end(), 429);
  EXPECT_EQ(ok + refused, 50);
  std::cout << "key budget $0.05, 50 concurrent requests of $0.009: " << ok << " admitted, " << refused << " refused\n";
  EXPECT_LE(ok, 5);
  EXPECT_GE(ok, 1);
  std::string hash = std::string(ParseJson(Get("/key/info?key=" + key).body).as_object().at("key").as_string());
  WaitForRows("api_key=" + hash, ok);
  EXPECT_LE(SpendOf("/key/info?key=" + key), 0.05 + 1e-9);
  auto info = ParseJson(Get("/key/info?key=" + key).body);
  EXPECT_NEAR(info.as_object().at("info").as_object().at("spend").to_number<double>(), ok * 0.009, 1e-9);
  // No reservation is left behind.
  EXPECT_EQ(Reserved(common::v1::SCOPE_KEY, hash), 0);
}

TEST_P(BudgetsTest, ATeamBudgetSharedByTwoKeysHoldsToo) {
  ASSERT_EQ(Post("/team/new", R"({"team_id":"search","max_budget":0.036})").status, 200);  // fits 4
  std::string a = NewKey(R"({"team_id":"search"})");
  std::string b = NewKey(R"({"team_id":"search"})");
  auto statuses = Burst({a, b}, 40);
  int ok = std::count(statuses.begin(), statuses.end(), 200);
  std::cout << "team budget $0.036 over two keys, 40 concurrent requests: " << ok << " admitted\n";
  EXPECT_LE(ok, 4);
  EXPECT_GE(ok, 1);
  WaitForRows("team_id=search", ok);
  EXPECT_LE(SpendOf("/team/info?team_id=search"), 0.036 + 1e-9);
  EXPECT_EQ(Reserved(common::v1::SCOPE_TEAM, "search"), 0);
  auto refused = Post("/v1/chat/completions", kChat, a);
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.body, HasSubstr("\"type\":\"budget_exceeded\""));
  EXPECT_THAT(refused.body, HasSubstr("team 'search'"));
}

TEST_P(BudgetsTest, EveryResponseCarriesItsCostAndTheReportsAddUp) {
  std::string a = NewKey(R"({"key_alias":"a"})");
  std::string b = NewKey(R"({"key_alias":"b"})");
  for (int i = 0; i < 3; ++i) {
    auto r = Post("/v1/chat/completions", kChat, a);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-response-cost"), "0.009000");
  }
  ASSERT_EQ(Post("/v1/chat/completions", kChat, b).status, 200);
  WaitForRows("", 4);
  auto report = ParseJson(Get("/global/spend/report?group_by=api_key").body).as_object();
  EXPECT_NEAR(report.at("total_spend").to_number<double>(), 0.036, 1e-9);
  ASSERT_EQ(report.at("rows").as_array().size(), 2u);
  std::map<int64_t, double> by_requests;
  for (const auto& row : report.at("rows").as_array()) {
    by_requests[row.as_object().at("requests").as_int64()] = row.as_object().at("spend").to_number<double>();
  }
  EXPECT_NEAR(by_requests.at(3), 0.027, 1e-9);
  EXPECT_NEAR(by_requests.at(1), 0.009, 1e-9);
  auto by_model = ParseJson(Get("/global/spend/report?group_by=model").body).as_object();
  EXPECT_EQ(std::string(by_model.at("rows").as_array()[0].as_object().at("group").as_string()), "priced");
  auto logs = ParseJson(Get("/spend/logs?api_key=" + a).body).as_array();
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_EQ(logs[0].as_object().at("prompt_tokens").as_int64() + logs[0].as_object().at("completion_tokens").as_int64(),
            logs[0].as_object().at("total_tokens").as_int64());
  EXPECT_EQ(Get("/spend/logs?start_date=yesterday").status, 400);
}

TEST_P(BudgetsTest, AClientThatLeavesAStreamIsBilledForWhatWasRelayed) {
  // No max_tokens and no max_output_tokens for "slow": the worst case assumes 4,096 output
  // tokens ($4.10), so the budget must hold that.
  std::string key = NewKey(R"({"max_budget":10})");
  std::promise<void> first_chunk, done;
  std::atomic<bool> got{false};
  http::ClientRequest req{.url = Url("/v1/chat/completions"),
                          .body = R"({"model":"slow","stream":true,"messages":[{"role":"user","content":"hi"}]})"};
  req.headers = {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"},
                 {"x-request-id", "leaver-1"}};
  auto call = client_->Start(std::move(req), {.on_head = [](int, const http::HeaderList&) {},
                                              .on_data = [&](std::string_view d) {
                                                if (d.find("one") != std::string_view::npos && !got.exchange(true)) {
                                                  first_chunk.set_value();
                                                }
                                              },
                                              .on_done = [&](absl::Status) {
                                                if (!got.exchange(true)) first_chunk.set_value();  // never hang
                                                done.set_value();
                                              }});
  first_chunk.get_future().wait();
  call->Cancel();  // the client leaves after the first words
  done.get_future().wait();
  WaitForRows("request_id=leaver-1", 1);
  auto logs = ParseJson(Get("/spend/logs?request_id=leaver-1").body).as_array();
  ASSERT_EQ(logs.size(), 1u);
  const auto& row = logs[0].as_object();
  EXPECT_EQ(std::string(row.at("status").as_string()), "cancelled");
  EXPECT_GT(row.at("completion_tokens").as_int64(), 0);
  EXPECT_LT(row.at("completion_tokens").as_int64(), 10);
  EXPECT_GT(row.at("spend").to_number<double>(), 0);
  std::string hash = std::string(ParseJson(Get("/key/info?key=" + key).body).as_object().at("key").as_string());
  EXPECT_EQ(Reserved(common::v1::SCOPE_KEY, hash), 0);
}

TEST_P(BudgetsTest, ASoftBudgetAlertsOncePerPeriodByLogMetricAndWebhook) {
  std::mutex mu;
  std::vector<std::string> hooks;
  auto receiver = http::Server::Start({}, [&](std::shared_ptr<http::Exchange> ex) {
    {
      std::lock_guard lock(mu);
      hooks.push_back(ex->request().body);
    }
    ex->Respond({.body = "{}"});
  });
  ASSERT_TRUE(receiver.ok());
  RestartSuite(kModels, general_, "  soft_budget_webhook_url: http://127.0.0.1:" + std::to_string((*receiver)->port()) + "/hook\n");
  std::string key = NewKey(R"({"soft_budget":0.015})");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Post("/v1/chat/completions", kChat, key).status, 200);  // $0.009 each
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return !hooks.empty();
  }));
  WaitForRows("", 4);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(hooks.size(), 1u);  // once in the period, though three settles were over it
    EXPECT_THAT(hooks[0], HasSubstr("\"type\":\"soft_budget_reached\""));
    EXPECT_THAT(hooks[0], HasSubstr("\"soft_budget_usd\":0.015"));
  }
  EXPECT_THAT(Get("/metrics", "").body, HasSubstr("llmgw_soft_budget_alerts_total{scope=\"key\"} 1"));
  (*receiver)->Stop();
}

INSTANTIATE_TEST_SUITE_P(Backends, BudgetsTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace llmgw::testing
