// Routing through the whole suite against the fake provider: a failover drill (the primary
// starts answering 429s, the fallback takes over, the primary comes back after its
// half-open trial), the dispatch headers, a stream that fails over before its first chunk,
// and the router's operator RPCs over gRPC.
#include <grpcpp/create_channel.h>

#include <cstdio>
#include <thread>

#include "gmock/gmock.h"
#include "llmgw/router/v1/router.grpc.pb.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr char kModels[] = R"(
  - model_name: chat
    litellm_params: {model: openai/primary-model, api_base: "$FAKE"}
    model_info: {id: primary}
  - model_name: chat-backup
    litellm_params: {model: openai/backup-model, api_base: "$FAKE"}
    model_info: {id: backup}
)";

constexpr char kRouting[] = R"(router_settings:
  num_retries: 0
  allowed_fails: 2
  cooldown_time: 0.5
  fallbacks: [{chat: [chat-backup]}]
)";

constexpr char kChat[] = R"({"model":"chat","messages":[{"role":"user","content":"drill"}]})";

class RoutingTest : public SuiteTest {
 protected:
  void SetUp() override {
    StartSuite(kModels, "", "", "", kRouting);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(suite_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
    router_ = router::v1::Router::NewStub(channel_);
  }
  void Behave(const std::string& json) {
    http::ClientRequest req{.url = FakeUrl("/_fake/behaviour"), .body = json};
    ASSERT_EQ(Call(std::move(req)).status, 200);
  }
  std::unique_ptr<grpc::ClientContext> Operator(const std::string& key = kMasterKey) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ctx->AddMetadata("authorization", "Bearer " + key);
    return ctx;
  }
  router::v1::Deployment Deployment(const std::string& id) {
    router::v1::ListDeploymentsRequest req;
    router::v1::ListDeploymentsResponse resp;
    auto s = router_->ListDeployments(Operator().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const auto& d : resp.deployments()) {
      if (d.id() == id) return d;
    }
    ADD_FAILURE() << "no deployment " << id;
    return {};
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<router::v1::Router::Stub> router_;
};

TEST_F(RoutingTest, DrillPrimaryRateLimitedFallbackTakesOverPrimaryRecovers) {
  // Steady state: the primary answers.
  auto before = Post("/v1/chat/completions", kChat);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(http::FindHeader(before.headers, "x-litellm-model-id"), "primary");

  Behave(R"({"models": {"primary-model": {"status": 429}}})");
  auto failed_at = Clock::now();
  std::optional<Clock::duration> shifted, recovered;
  std::optional<Clock::time_point> healed_at;
  int requests = 0, errors = 0, on_backup = 0;
  bool saw_cooldown = false;
  while (Clock::now() - failed_at < std::chrono::seconds(20) && !recovered) {
    auto r = Post("/v1/chat/completions", kChat);
    ++requests;
    if (r.status != 200) {
      ++errors;
      ADD_FAILURE() << "client saw " << r.status << ": " << r.body;
    }
    std::string id(http::FindHeader(r.headers, "x-litellm-model-id"));
    if (id == "backup") {
      ++on_backup;
      if (!shifted) shifted = Clock::now() - failed_at;
      EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-attempted-fallbacks"), "1");
    }
    if (shifted && !saw_cooldown) {
      auto p = Deployment("primary");
      if (p.state() == router::v1::DEPLOYMENT_STATE_COOLDOWN) {
        saw_cooldown = true;
        EXPECT_TRUE(p.has_cooldown_until());
        EXPECT_EQ(p.last_error(), "429");
        // The outage is over from the provider's side; the router must find out by itself.
        Behave(R"({"models": {"primary-model": {}}})");
        healed_at = Clock::now();
      }
    }
    if (healed_at && id == "primary") recovered = Clock::now() - *healed_at;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(shifted) << "the fallback never took over";
  ASSERT_TRUE(saw_cooldown) << "the primary never showed as cooling down";
  ASSERT_TRUE(recovered) << "the primary never came back";
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(Deployment("primary").state(), router::v1::DEPLOYMENT_STATE_HEALTHY);
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("drill: %d requests, %d client errors, %d served by the fallback; time to shift "
              "%.1f ms; time to recover %.1f ms (cooldown_time 500 ms, then the half-open trial)\n",
              requests, errors, on_backup, ms(*shifted), ms(*recovered));
}

TEST_F(RoutingTest, DispatchHeadersDescribeTheAttempt) {
  auto r = Post("/v1/chat/completions", kChat);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "primary");
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-group"), "chat");
  EXPECT_THAT(std::string(http::FindHeader(r.headers, "x-litellm-model-api-base")),
              HasSubstr("http://127.0.0.1:"));
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-attempted-retries"), "0");
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-attempted-fallbacks"), "0");
  double total = std::stod(std::string(http::FindHeader(r.headers, "x-litellm-response-duration-ms")));
  double overhead = std::stod(std::string(http::FindHeader(r.headers, "x-litellm-overhead-duration-ms")));
  EXPECT_GT(total, 0);
  EXPECT_GE(overhead, 0);
  EXPECT_LE(overhead, total);
}

TEST_F(RoutingTest, StreamFailsOverBeforeItsFirstChunk) {
  Behave(R"({"models": {"primary-model": {"status": 503}}})");
  auto r = Post("/v1/chat/completions",
                R"({"model":"chat","stream":true,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "backup");
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-attempted-fallbacks"), "1");
  EXPECT_THAT(r.body, HasSubstr("[DONE]"));
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("error")));
}

TEST_F(RoutingTest, OperatorRpcsNeedTheMasterKeyAndDriveTheRouter) {
  router::v1::ListDeploymentsRequest list;
  router::v1::ListDeploymentsResponse listed;
  EXPECT_EQ(router_->ListDeployments(Operator("sk-not-the-master-key").get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  router::v1::ForceFailRequest force;
  force.set_deployment_id("primary");
  force.mutable_duration()->set_seconds(30);
  router::v1::DeploymentResponse resp;
  ASSERT_TRUE(router_->ForceFail(Operator().get(), force, &resp).ok());
  EXPECT_TRUE(resp.deployment().has_forced_fail_until());
  // Forced failures fall back without a provider call; three of them cool the primary.
  int64_t before = fake_->stats().chat_requests;
  for (int i = 0; i < 3; ++i) {
    auto r = Post("/v1/chat/completions", kChat);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "backup");
  }
  EXPECT_EQ(fake_->stats().chat_requests - before, 3);  // the backup's only
  EXPECT_EQ(Deployment("primary").state(), router::v1::DEPLOYMENT_STATE_COOLDOWN);

  force.mutable_duration()->set_seconds(0);
  ASSERT_TRUE(router_->ForceFail(Operator().get(), force, &resp).ok());
  router::v1::ClearCooldownRequest clear;
  clear.set_deployment_id("primary");
  ASSERT_TRUE(router_->ClearCooldown(Operator().get(), clear, &resp).ok());
  EXPECT_EQ(resp.deployment().state(), router::v1::DEPLOYMENT_STATE_HEALTHY);
  EXPECT_EQ(http::FindHeader(Post("/v1/chat/completions", kChat).headers, "x-litellm-model-id"), "primary");

  router::v1::SetCooldownRequest set;
  set.set_deployment_id("nope");
  set.mutable_duration()->set_seconds(1);
  EXPECT_EQ(router_->SetCooldown(Operator().get(), set, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace llmgw::testing
