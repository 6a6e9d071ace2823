#include "services/router/model_registry.h"

#include "gtest/gtest.h"
#include "llmgw/config/loader.h"

namespace llmgw::router {
namespace {

std::shared_ptr<const config::Config> Load(const std::string& yaml) {
  auto loaded = config::LoadConfigString(
      "general_settings: {master_key: sk-test-master-key-1}\n" + yaml, "test.yaml",
      [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded->config;
}

std::map<std::string, int> Sample(const ModelRegistry& r, const std::string& group, int n) {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) {
    counts[r.Pick(*r.Find(group), (i + 0.5) / n)->id]++;
  }
  return counts;
}

TEST(ModelRegistryTest, GroupsDeploymentsByModelNameInListOrder) {
  ModelRegistry r(Load(R"(
model_list:
  - {model_name: b, litellm_params: {model: mock/1}, model_info: {id: b1}}
  - {model_name: a, litellm_params: {model: mock/2}, model_info: {id: a1}}
  - {model_name: b, litellm_params: {model: mock/3}, model_info: {id: b2}}
)"));
  ASSERT_EQ(r.groups().size(), 2u);
  EXPECT_EQ(r.groups()[0]->name, "b");
  EXPECT_EQ(r.groups()[0]->deployments.size(), 2u);
  EXPECT_EQ(r.Find("nope"), nullptr);
}

TEST(ModelRegistryTest, WeightsDecideTheShare) {
  ModelRegistry r(Load(R"(
model_list:
  - {model_name: g, litellm_params: {model: mock/1, weight: 3}, model_info: {id: heavy}}
  - {model_name: g, litellm_params: {model: mock/2, weight: 1}, model_info: {id: light}}
)"));
  auto counts = Sample(r, "g", 1000);
  EXPECT_EQ(counts["heavy"], 750);
  EXPECT_EQ(counts["light"], 250);
}

TEST(ModelRegistryTest, RpmWeightsWhenNoWeightIsSetAndUniformOtherwise) {
  ModelRegistry rpm(Load(R"(
model_list:
  - {model_name: g, litellm_params: {model: mock/1, rpm: 100}, model_info: {id: small}}
  - {model_name: g, litellm_params: {model: mock/2, rpm: 900}, model_info: {id: big}}
)"));
  EXPECT_EQ(Sample(rpm, "g", 1000)["big"], 900);
  ModelRegistry uniform(Load(R"(
model_list:
  - {model_name: g, litellm_params: {model: mock/1}, model_info: {id: x}}
  - {model_name: g, litellm_params: {model: mock/2}, model_info: {id: y}}
)"));
  EXPECT_EQ(Sample(uniform, "g", 1000)["x"], 500);
}

}  // namespace
}  // namespace llmgw::router
