// The health aggregator in the whole suite: services plus the router's deployments as
// components, and WatchSystemHealth streaming each change of the verdict.
#include <grpcpp/create_channel.h>

#include <thread>

#include "llmgw/health/v1/health_aggregator.grpc.pb.h"
#include "llmgw/router/v1/router.grpc.pb.h"
#include "tests/integration/suite_fixture.h"

namespace llmgw::testing {
namespace {

namespace hv1 = health::v1;

constexpr char kModels[] = R"(
  - model_name: chat
    litellm_params: {model: openai/fake-model, api_base: "$FAKE", api_key: k}
    model_info: {id: only}
  - model_name: pair
    litellm_params: {model: openai/fake-model, api_base: "$FAKE", api_key: k}
    model_info: {id: pair-a}
  - model_name: pair
    litellm_params: {model: openai/fake-model, api_base: "$FAKE", api_key: k}
    model_info: {id: pair-b}
)";

class AggregatorTest : public SuiteTest {
 protected:
  void SetUp() override {
    StartSuite(kModels);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(suite_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
    aggregator_ = hv1::HealthAggregator::NewStub(channel_);
    router_ = router::v1::Router::NewStub(channel_);
  }
  hv1::SystemHealth System() {
    grpc::ClientContext ctx;
    hv1::SystemHealth h;
    auto s = aggregator_->GetSystemHealth(&ctx, hv1::GetSystemHealthRequest(), &h);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return h;
  }
  void Cool(const std::string& id) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kMasterKey);
    router::v1::SetCooldownRequest req;
    req.set_deployment_id(id);
    req.mutable_duration()->set_seconds(60);
    req.set_reason("aggregator test");
    router::v1::DeploymentResponse resp;
    ASSERT_TRUE(router_->SetCooldown(&ctx, req, &resp).ok());
  }
  void Clear(const std::string& id) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kMasterKey);
    router::v1::ClearCooldownRequest req;
    req.set_deployment_id(id);
    router::v1::DeploymentResponse resp;
    ASSERT_TRUE(router_->ClearCooldown(&ctx, req, &resp).ok());
  }
  static const hv1::Component* Find(const hv1::SystemHealth& h, const std::string& name) {
    for (const auto& c : h.components()) {
      if (c.name() == name) return &c;
    }
    return nullptr;
  }
  static bool HasReason(const hv1::SystemHealth& h, const std::string& text) {
    for (const auto& r : h.reasons()) {
      if (r.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hv1::HealthAggregator::Stub> aggregator_;
  std::unique_ptr<router::v1::Router::Stub> router_;
};

TEST_F(AggregatorTest, DeploymentsAreComponentsAndACooledDeploymentDegradesTheSystem) {
  auto h = System();
  EXPECT_EQ(h.status(), hv1::SYSTEM_STATUS_SERVING);
  ASSERT_NE(Find(h, "deployment/chat/only"), nullptr);
  ASSERT_NE(Find(h, "deployment/pair/pair-a"), nullptr);
  EXPECT_NE(Find(h, "service/llmgw.router.v1.Router"), nullptr);
  // The stores, reported by the services that own them.
  ASSERT_NE(Find(h, "dependency/keymgr-store"), nullptr) << h.DebugString();
  EXPECT_EQ(Find(h, "dependency/keymgr-store")->status(), hv1::SYSTEM_STATUS_SERVING);
  ASSERT_NE(Find(h, "dependency/spend-store"), nullptr);
  EXPECT_EQ(Find(h, "dependency/spend-store")->status(), hv1::SYSTEM_STATUS_SERVING);

  Cool("pair-a");
  h = System();
  EXPECT_EQ(h.status(), hv1::SYSTEM_STATUS_DEGRADED);
  EXPECT_EQ(Find(h, "deployment/pair/pair-a")->status(), hv1::SYSTEM_STATUS_NOT_SERVING);
  EXPECT_NE(Find(h, "deployment/pair/pair-a")->reason().find("aggregator test"), std::string::npos);
  EXPECT_FALSE(HasReason(h, "model group pair: none"));  // pair-b still serves

  Cool("only");
  h = System();
  EXPECT_TRUE(HasReason(h, "model group chat: none of its 1 deployments is serving")) << h.DebugString();
  // Degraded, not down: the gateway still serves the other groups.
  EXPECT_EQ(h.status(), hv1::SYSTEM_STATUS_DEGRADED);
  auto r = Get("/health/readiness", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"status\":\"degraded\""), std::string::npos) << r.body;
}

TEST_F(AggregatorTest, WatchStreamsEachChangeOfTheVerdict) {
  grpc::ClientContext ctx;
  auto stream = aggregator_->WatchSystemHealth(&ctx, hv1::WatchSystemHealthRequest());
  hv1::SystemHealth h;
  ASSERT_TRUE(stream->Read(&h));
  EXPECT_EQ(h.status(), hv1::SYSTEM_STATUS_SERVING);
  auto t0 = std::chrono::steady_clock::now();
  Cool("only");
  ASSERT_TRUE(stream->Read(&h));
  EXPECT_EQ(h.status(), hv1::SYSTEM_STATUS_DEGRADED);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  Clear("only");
  ASSERT_TRUE(stream->Read(&h));
  EXPECT_EQ(h.status(), hv1::SYSTEM_STATUS_SERVING);
  ctx.TryCancel();
  while (stream->Read(&h)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace llmgw::testing
