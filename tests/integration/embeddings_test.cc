// /v1/embeddings through the whole suite: OpenAI- and Azure-backed groups against the fake
// provider, the mock, float and base64 answers, spend, the cache, and the refusals (a group
// whose provider cannot embed, token-id input, unknown parameters).
#include "gmock/gmock.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kModels[] = R"(
  - model_name: emb
    litellm_params: {model: openai/text-embedding-3-small, api_base: "$FAKE", input_cost_per_token: 0.000001}
    model_info: {id: emb-openai, mode: embedding}
  - model_name: emb-azure
    litellm_params: {model: azure/my-embedder, api_base: "$FAKEROOT", api_key: os.environ/AZURE_API_KEY}
  - model_name: emb-mock
    litellm_params: {model: mock/embedder}
  - model_name: claude
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE", api_key: os.environ/ANTHROPIC_API_KEY}
)";

class EmbeddingsTest : public SuiteTest {
 protected:
  void SetUp() override {
    StartSuite(kModels, "", "", "", "router_settings: {num_retries: 0}\nlitellm_settings: {cache: true}\n");
  }
};

TEST_F(EmbeddingsTest, AnswersInOpenAIShapeWithSpend) {
  auto r = Post("/v1/embeddings", R"({"model":"emb","input":["hello world","second text"],"dimensions":4})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = ParseJson(r.body).as_object();
  EXPECT_EQ(v.at("object"), "list");
  EXPECT_EQ(v.at("model"), "text-embedding-3-small");
  const auto& data = v.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[1].as_object().at("index"), 1);
  EXPECT_EQ(data[0].as_object().at("embedding").as_array().size(), 4u);
  EXPECT_NE(data[0].as_object().at("embedding"), data[1].as_object().at("embedding"));
  int64_t prompt = v.at("usage").as_object().at("prompt_tokens").to_number<int64_t>();
  EXPECT_GT(prompt, 0);
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "emb-openai");
  char cost[32];
  std::snprintf(cost, sizeof(cost), "%.6f", prompt * 0.000001);
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-response-cost"), cost);
  // The ledger row is there, priced at the input price.
  std::string id(http::FindHeader(r.headers, "x-request-id"));
  EXPECT_TRUE(WaitFor([&] {
    auto logs = ParseJson(Get("/spend/logs?request_id=" + id).body);
    return logs.is_array() && !logs.as_array().empty();
  }, std::chrono::seconds(5)));
}

TEST_F(EmbeddingsTest, Base64IsLittleEndianFloat32) {
  auto f = Post("/v1/embeddings", R"({"model":"emb-mock","input":"same text","dimensions":3})");
  auto b = Post("/v1/embeddings", R"({"model":"emb-mock","input":"same text","dimensions":3,"encoding_format":"base64"})");
  ASSERT_EQ(f.status, 200) << f.body;
  ASSERT_EQ(b.status, 200) << b.body;
  auto floats = ParseJson(f.body).as_object().at("data").as_array()[0].as_object().at("embedding").as_array();
  auto text = ParseJson(b.body).as_object().at("data").as_array()[0].as_object().at("embedding");
  ASSERT_TRUE(text.is_string()) << b.body;
  EXPECT_EQ(text.as_string().size(), 16u);  // 12 bytes of base64
  ASSERT_EQ(floats.size(), 3u);
}

TEST_F(EmbeddingsTest, AzureDeploymentsAndAzureStylePaths) {
  auto r = Post("/v1/embeddings", R"({"model":"emb-azure","input":"hi"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("model":"my-embedder")"));
  // Azure SDKs name the group in the path.
  auto p = Post("/openai/deployments/emb/embeddings?api-version=2024-10-21", R"({"input":"hi"})");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(http::FindHeader(p.headers, "x-litellm-model-group"), "emb");
}

TEST_F(EmbeddingsTest, SecondIdenticalRequestIsACacheHit) {
  std::string key = NewKey();
  const char* body = R"({"model":"emb","input":"cache this"})";
  auto miss = Post("/v1/embeddings", body, key);
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_EQ(http::FindHeader(miss.headers, "x-litellm-cache-key"), "");
  // Another encoding of the same vectors is the same entry.
  auto hit = Post("/v1/embeddings", R"({"model":"emb","input":"cache this","encoding_format":"base64"})", key);
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_THAT(std::string(http::FindHeader(hit.headers, "x-litellm-cache-key")), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(http::FindHeader(hit.headers, "x-litellm-response-cost"), "0.000000");
  // Another tenant does not see it.
  auto other = Post("/v1/embeddings", body, NewKey());
  EXPECT_EQ(http::FindHeader(other.headers, "x-litellm-cache-key"), "");
}

TEST_F(EmbeddingsTest, RefusalsAreClear400s) {
  auto claude = Post("/v1/embeddings", R"({"model":"claude","input":"x"})");
  EXPECT_EQ(claude.status, 400) << claude.body;
  EXPECT_THAT(claude.body, HasSubstr("has no embeddings API"));
  auto tokens = Post("/v1/embeddings", R"({"model":"emb","input":[[1,2]]})");
  EXPECT_EQ(tokens.status, 400);
  EXPECT_THAT(tokens.body, HasSubstr("token-id input"));
  auto unknown = Post("/v1/embeddings", R"({"model":"emb","input":"x","input_type":"query"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr(R"("param":"input_type")"));
  EXPECT_EQ(Post("/v1/embeddings", R"({"model":"nope","input":"x"})").status, 404);
  EXPECT_EQ(Get("/v1/embeddings").status, 405);
}

}  // namespace
}  // namespace llmgw::testing
