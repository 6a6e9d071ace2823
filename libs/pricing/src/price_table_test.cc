#include "llmgw/pricing/price_table.h"

#include "gtest/gtest.h"
#include "llmgw/config/loader.h"

namespace llmgw::pricing {
namespace {

std::shared_ptr<const config::Config> Load(const std::string& models, const std::string& extra = "") {
  auto loaded = config::LoadConfigString("general_settings: {master_key: sk-master-test-000000001}\n" + extra + "model_list:\n" + models,
                                         "t.yaml", [](const std::string&) { return std::optional<std::string>("x"); });
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded->config;
}

TEST(PriceTableTest, BuiltinPricesMatchDatedModelNames) {
  auto p = BuiltinPrice("gpt-4o-2024-08-06");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->input, 2'500'000);  // $2.50 per million tokens, in pico-dollars per token
  EXPECT_EQ(p->output, 10'000'000);
  EXPECT_EQ(p->cached_input, 1'250'000);
  EXPECT_TRUE(BuiltinPrice("claude-sonnet-4-5-20250929").has_value());
  EXPECT_FALSE(BuiltinPrice("my-own-model").has_value());
}

TEST(PriceTableTest, CachedTokensCostTheCachedPriceAndCostsRoundUp) {
  Price p{.input = 2'500'000, .output = 10'000'000, .cached_input = 1'250'000, .known = true};
  common::v1::Usage u;
  u.set_prompt_tokens(1000);
  u.set_cached_tokens(400);
  u.set_completion_tokens(100);
  // 600 x 2.5e-6 + 400 x 1.25e-6 + 100 x 1e-5 = 0.0015 + 0.0005 + 0.001 = $0.003
  EXPECT_EQ(CostOf(p, u), 3000);
  common::v1::Usage one;
  one.set_completion_tokens(1);
  EXPECT_EQ(CostOf(Price{.output = 1, .known = true}, one), 1);  // never under-billed
}

TEST(PriceTableTest, ConfigOverridesWinAndGroupsTakeTheWorstCase) {
  auto c = Load(R"(
  - model_name: chat
    litellm_params: {model: openai/gpt-4o-mini}
    model_info: {id: cheap}
  - model_name: chat
    litellm_params: {model: openai/house-model, input_cost_per_token: 0.000004, output_cost_per_token: 0.000008}
    model_info: {id: custom, max_output_tokens: 2048}
  - model_name: free
    litellm_params: {model: openai/unknown-model}
    model_info: {id: unpriced}
)");
  PriceTable t(*c);
  EXPECT_EQ(t.ForDeployment("cheap").input, 150'000);
  EXPECT_EQ(t.ForDeployment("custom").input, 4'000'000);
  EXPECT_EQ(t.ForDeployment("custom").cached_input, 4'000'000);
  const Price& worst = t.WorstForGroup("chat");
  EXPECT_EQ(worst.input, 4'000'000);
  EXPECT_EQ(worst.output, 8'000'000);
  EXPECT_EQ(worst.max_output_tokens, 16384);
  EXPECT_FALSE(t.ForDeployment("unpriced").known);
  EXPECT_EQ(t.Unpriced(), std::vector<std::string>{"unpriced"});
}

TEST(PriceTableTest, AGroupsWorstCaseCoversItsFallbacks) {
  auto c = Load(R"(
  - model_name: cheap
    litellm_params: {model: openai/a, input_cost_per_token: 0.000001, output_cost_per_token: 0.000001}
  - model_name: dear
    litellm_params: {model: openai/b, input_cost_per_token: 0.00001, output_cost_per_token: 0.00003}
  - model_name: other
    litellm_params: {model: openai/c, input_cost_per_token: 0.000002, output_cost_per_token: 0.000002}
)", "router_settings: {fallbacks: [{cheap: [dear]}], default_fallbacks: [other]}\n");
  PriceTable t(*c);
  EXPECT_EQ(t.WorstForGroup("cheap").output, 30'000'000);  // its fallback's price
  EXPECT_EQ(t.WorstForGroup("dear").output, 30'000'000);   // its own (default: other, cheaper)
  EXPECT_EQ(t.WorstForGroup("other").output, 2'000'000);   // default_fallbacks names itself only
}

}  // namespace
}  // namespace llmgw::pricing
