// The gRPC face of `--target all`: one port serving every service's health, the public
// inference API with REST's authentication, and a drain that health watchers see at once.
#include <grpcpp/create_channel.h>

#include <regex>
#include <thread>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "llmgw/gateway/v1/gateway.grpc.pb.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/status.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kModels[] = R"(
  - model_name: mock-gpt
    litellm_params: {model: mock/m, mock_response: "one two three"}
  - model_name: slow-mock
    litellm_params: {model: mock/slow, mock_response: "late but whole", mock_latency_ms: 400}
)";

class GrpcTest : public SuiteTest {
 protected:
  void SetUp() override {
    StartSuite(kModels);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(suite_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
  }
  std::unique_ptr<grpc::ClientContext> Context(const std::string& key = kMasterKey) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!key.empty()) ctx->AddMetadata("authorization", "Bearer " + key);
    return ctx;
  }
  common::v1::ChatCompletionRequest Hello() {
    common::v1::ChatCompletionRequest r;
    r.set_model("mock-gpt");
    auto* m = r.add_messages();
    m->set_role(common::v1::CHAT_ROLE_USER);
    m->set_text("hi");
    return r;
  }
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GrpcTest, HealthIsServingForTheServerAndEveryService) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const char* name : {"", "llmgw.gateway.v1.Inference", "llmgw.keymgr.v1.KeyManager",
                           "llmgw.router.v1.Router", "llmgw.spend.v1.SpendService",
                           "llmgw.health.v1.HealthAggregator"}) {
    HealthCheckRequest req;
    req.set_service(name);
    HealthCheckResponse resp;
    auto ctx = Context("");
    ASSERT_TRUE(health->Check(ctx.get(), req, &resp).ok()) << name;
    EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING) << name;
  }
}

TEST_F(GrpcTest, InferenceApiAuthenticatesLikeRest) {
  auto stub = gateway::v1::Inference::NewStub(channel_);
  common::v1::ChatCompletionResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(stub->ChatCompletion(ctx.get(), Hello(), &resp).ok());
  EXPECT_EQ(resp.choices(0).message().text(), "one two three");
  EXPECT_EQ(resp.usage().completion_tokens(), 3);

  auto bad = Context("sk-nope");
  auto status = stub->ChatCompletion(bad.get(), Hello(), &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetErrorDetail(rpc::FromGrpcStatus(status)).kind(), common::v1::ERROR_KIND_AUTHENTICATION);

  auto unknown = Hello();
  unknown.set_model("gpt-9");
  auto uctx = Context();
  EXPECT_EQ(stub->ChatCompletion(uctx.get(), unknown, &resp).error_code(), grpc::StatusCode::NOT_FOUND);

  gateway::v1::ListModelsResponse models;
  auto mctx = Context();
  ASSERT_TRUE(stub->ListModels(mctx.get(), {}, &models).ok());
  ASSERT_EQ(models.models_size(), 2);
  EXPECT_EQ(models.models(0).id(), "mock-gpt");
  EXPECT_EQ(models.models(1).id(), "slow-mock");
}

TEST_F(GrpcTest, StreamingInferenceSendsChunksAndUsageWhenAsked) {
  auto stub = gateway::v1::Inference::NewStub(channel_);
  auto req = Hello();
  req.mutable_stream_options()->set_include_usage(true);
  auto ctx = Context();
  auto reader = stub->StreamChatCompletion(ctx.get(), req);
  common::v1::ChatCompletionChunk chunk;
  std::string text;
  int64_t completion_tokens = 0;
  while (reader->Read(&chunk)) {
    for (const auto& c : chunk.choices()) text += c.delta().text();
    if (chunk.has_usage()) completion_tokens = chunk.usage().completion_tokens();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(text, "one two three");
  EXPECT_EQ(completion_tokens, 3);
}

TEST_F(GrpcTest, WatchSeesNotServingAsSoonAsTheDrainStarts) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  auto ctx = Context("");
  HealthCheckRequest req;
  req.set_service("llmgw.router.v1.Router");
  auto reader = health->Watch(ctx.get(), req);
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  auto start = std::chrono::steady_clock::now();
  std::thread drain([&] { suite_->Drain(std::chrono::seconds(5)); });
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  drain.join();
}

TEST_F(GrpcTest, DrainLetsInFlightRequestsFinishAndRefusesNewOnes) {
  std::promise<HttpResult> slow;
  std::thread caller([&] {
    slow.set_value(Post("/v1/chat/completions",
                        R"({"model":"slow-mock","messages":[{"role":"user","content":"x"}]})"));
  });
  // In flight once the router holds it (under --target all the gateway calls the router
  // in process: its deployment's gauge, not a gRPC one, shows it).
  const std::regex in_flight(R"(llmgw_deployment_in_flight\{[^}]*model_group="slow-mock"\} 1\n)");
  ASSERT_TRUE(WaitFor([&] { return std::regex_search(Get("/metrics", "").body, in_flight); }));
  bool clean = false;
  std::thread drain([&] { clean = suite_->Drain(std::chrono::seconds(5)); });
  auto answer = slow.get_future().get();
  EXPECT_EQ(answer.status, 200);
  EXPECT_THAT(answer.body, ::testing::HasSubstr("late but whole"));
  caller.join();
  drain.join();
  EXPECT_TRUE(clean);
  auto stub = gateway::v1::Inference::NewStub(channel_);
  common::v1::ChatCompletionResponse resp;
  auto ctx = Context();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  EXPECT_FALSE(stub->ChatCompletion(ctx.get(), Hello(), &resp).ok());
}

}  // namespace
}  // namespace llmgw::testing
