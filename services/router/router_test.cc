#include "services/router/router.h"

#include <future>

#include "gtest/gtest.h"
#include "llmgw/common/error.h"
#include "llmgw/config/loader.h"
#include "llmgw/providers/mock_provider.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/openai_provider.h"

namespace llmgw::router {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = config::LoadConfigString(R"(
general_settings: {master_key: sk-test-master-key-1}
llmgw: {max_upstream_requests: 2}
model_list:
  - model_name: mock-gpt
    litellm_params: {model: mock/m1, mock_response: "one two three", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
    model_info: {id: d1}
  - model_name: slow
    litellm_params: {model: mock/m2, mock_latency_ms: 10000}
  - model_name: gemini
    litellm_params: {model: bedrock/claude-x}
)",
                                           "t.yaml", [](const std::string&) { return std::nullopt; });
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    config_ = loaded->config;
    mock_ = std::make_unique<providers::MockProvider>(timers_);
    router_ = std::make_unique<Router>(
        config_, ProviderSet{.by_name = {{"mock", mock_.get()}}, .unsupported = &unsupported_},
        timers_);
  }
  v1::RouteChatRequest Request(const std::string& model) {
    v1::RouteChatRequest r;
    *r.mutable_request() = *providers::ParseChatRequest(
        R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})");
    return r;
  }
  absl::StatusOr<v1::RouteChatResponse> Route(const std::string& model) {
    std::promise<absl::StatusOr<v1::RouteChatResponse>> p;
    router_->RouteChat(Request(model), {}, [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  TimerThread timers_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<providers::MockProvider> mock_;
  providers::UnsupportedProvider unsupported_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, RoutesToTheGroupAndReportsUsageAndCost) {
  auto r = Route("mock-gpt");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->completion().choices(0).message().text(), "one two three");
  EXPECT_EQ(r->dispatch().deployment_id(), "d1");
  EXPECT_EQ(r->dispatch().provider(), "mock");
  EXPECT_EQ(r->dispatch().attempts(), 1);
  const auto& u = r->dispatch().usage();
  EXPECT_EQ(u.completion_tokens(), 3);
  // $1/M input, $2/M output, rounded up to whole micro-dollars per part.
  EXPECT_EQ(r->dispatch().cost().micros(), u.prompt_tokens() * 1 + 3 * 2);
  EXPECT_EQ(router_->in_flight(), 0);
}

TEST_F(RouterTest, UnknownModelIsNotFoundNamingTheModel) {
  auto r = Route("gpt-5");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetErrorDetail(r.status()).kind(), common::v1::ERROR_KIND_MODEL_NOT_FOUND);
  EXPECT_NE(std::string(r.status().message()).find("'gpt-5'"), std::string::npos);
}

TEST_F(RouterTest, KnownButUnimplementedProviderIsNotImplemented) {
  auto r = Route("gemini");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(GetErrorDetail(r.status()).kind(), common::v1::ERROR_KIND_NOT_IMPLEMENTED);
}

TEST_F(RouterTest, RefusesPastMaxUpstreamRequests) {
  std::vector<std::shared_ptr<providers::CallHandle>> held;
  for (int i = 0; i < 2; ++i) held.push_back(router_->RouteChat(Request("slow"), {}, [](auto) {}));
  auto r = Route("slow");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(GetErrorDetail(r.status()).kind(), common::v1::ERROR_KIND_OVERLOADED);
  for (auto& h : held) h->Cancel();
  EXPECT_EQ(router_->in_flight(), 0);
}

TEST_F(RouterTest, StreamsChunksThenDispatchInfoWithUsage) {
  std::vector<common::v1::ChatCompletionChunk> chunks;
  std::promise<std::pair<absl::Status, v1::DispatchInfo>> done;
  router_->StreamChat(Request("mock-gpt"), {},
                      {.on_chunk = [&](auto c) { chunks.push_back(std::move(c)); },
                       .on_done = [&](absl::Status s, v1::DispatchInfo i) {
                         done.set_value({s, i});
                       }});
  auto [status, info] = done.get_future().get();
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(chunks.size(), 6u);
  EXPECT_EQ(info.deployment_id(), "d1");
  EXPECT_EQ(info.usage().completion_tokens(), 3);
  EXPECT_GT(info.cost().micros(), 0);
  EXPECT_TRUE(info.has_time_to_first_chunk());
}

TEST_F(RouterTest, ListsModelGroups) {
  auto groups = router_->ListModelGroups();
  ASSERT_EQ(groups.model_groups_size(), 3);
  EXPECT_EQ(groups.model_groups(0).name(), "mock-gpt");
}

}  // namespace
}  // namespace llmgw::router
