// The azure/ adapter and the OpenAI-compatible providers (hosted_vllm/, ollama/, ...) through
// the whole suite against the fake provider: Azure's per-deployment URLs, api-version and
// api-key header, its empty first stream chunk, and api_base defaults.
#include "gmock/gmock.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kModels[] = R"(
  - model_name: azure-gpt
    litellm_params: {model: azure/my-gpt-deployment, api_base: "$FAKEROOT", api_key: os.environ/AZURE_API_KEY, api_version: "2024-10-21"}
    model_info: {id: azure-1}
  - model_name: azure-nokey
    litellm_params: {model: azure/my-gpt-deployment, api_base: "$FAKEROOT"}
  - model_name: vllm
    litellm_params: {model: hosted_vllm/meta-llama/Llama-3.1-8B-Instruct, api_base: "$FAKE"}
)";

class AzureTest : public SuiteTest {
 protected:
  void SetUp() override { StartSuite(kModels, "", "", "", "router_settings: {num_retries: 0}\n"); }
};

TEST_F(AzureTest, CallsTheDeploymentUrlWithTheApiKeyHeader) {
  auto r = Post("/v1/chat/completions", R"({"model":"azure-gpt","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("content":"Hello from the fake provider.")"));
  // The fake names the answer after the deployment in the URL path.
  EXPECT_THAT(r.body, HasSubstr(R"("model":"my-gpt-deployment")"));
  EXPECT_THAT(r.body, Not(HasSubstr("prompt_filter_results")));
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "azure-1");
}

TEST_F(AzureTest, StreamsSkipAzuresEmptyFirstChunk) {
  auto s = Post("/v1/chat/completions", R"({"model":"azure-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_THAT(s.body, HasSubstr(R"("content":" fake")"));
  EXPECT_THAT(s.body, Not(HasSubstr(R"("id":"")")));
  EXPECT_THAT(s.body, HasSubstr("data: [DONE]"));
}

TEST_F(AzureTest, AMissingKeyIsACredentialFailure) {
  auto r = Post("/v1/chat/completions", R"({"model":"azure-nokey","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_THAT(r.body, HasSubstr("refused the gateway's credentials"));
}

TEST_F(AzureTest, OpenAICompatibleServersGoThroughApiBase) {
  auto r = Post("/v1/chat/completions", R"({"model":"vllm","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("model":"meta-llama/Llama-3.1-8B-Instruct")"));
  auto models = Get("/v1/models");
  EXPECT_THAT(models.body, HasSubstr(R"("id":"vllm")"));
}

}  // namespace
}  // namespace llmgw::testing
