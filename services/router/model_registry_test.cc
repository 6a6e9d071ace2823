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

TEST(ModelRegistryTest, GroupsDeploymentsByModelNameInListOrder) {
  ModelRegistry r(Load(R"(
model_list:
  - {model_name: b, litellm_params: {model: mock/1}, model_info: {id: b1}}
  - {model_name: a, litellm_params: {model: mock/2}, model_info: {id: a1}}
  - {model_name: b, litellm_params: {model: mock/3}, model_info: {id: b2}}
)"), Clock::Real());
  ASSERT_EQ(r.groups().size(), 2u);
  EXPECT_EQ(r.groups()[0]->name, "b");
  EXPECT_EQ(r.groups()[0]->deployments.size(), 2u);
  EXPECT_EQ(r.Find("nope"), nullptr);
}

TEST(ModelRegistryTest, AliasesAndDeploymentIdsResolve) {
  ModelRegistry r(Load(R"(
model_list:
  - {model_name: gpt-4o, litellm_params: {model: mock/1}, model_info: {id: x1}}
router_settings:
  model_group_alias: {gpt-4: gpt-4o}
)"), Clock::Real());
  ASSERT_NE(r.Find("gpt-4"), nullptr);
  EXPECT_EQ(r.Find("gpt-4")->name, "gpt-4o");
  ASSERT_NE(r.FindDeployment("x1"), nullptr);
  EXPECT_EQ(r.FindDeployment("x1")->model_name, "gpt-4o");
  EXPECT_EQ(r.FindDeployment("nope"), nullptr);
  EXPECT_TRUE(r.Health(*r.FindDeployment("x1")).Available());
}

}  // namespace
}  // namespace llmgw::router
