#include "services/router/health_checker.h"

#include <thread>

#include "gtest/gtest.h"
#include "llmgw/config/loader.h"
#include "services/router/testing/scripted_provider.h"

namespace llmgw::router {
namespace {

using std::chrono::milliseconds;

std::shared_ptr<const config::Config> Load(const std::string& yaml, const std::string& interval = "60") {
  auto loaded = config::LoadConfigString(
      "general_settings: {master_key: sk-test-master-key-1, health_check_interval: " + interval + "}\n" + yaml,
      "t.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? loaded->config : nullptr;
}

ProbeKind KindOf(const std::string& entry) {
  auto c = Load("model_list:\n  - " + entry + "\n");
  pricing::PriceTable prices(*c);
  const auto& d = c->model_list.front();
  return ProbeKindFor(d, prices.ForDeployment(d.id).reasons_by_default);
}

TEST(ProbeKindTest, CheapestProbeThatProvesTheDeploymentServes) {
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/gpt-4o}}"), ProbeKind::kChat);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/text-embedding-3-small}, "
                   "model_info: {mode: embedding}}"),
            ProbeKind::kEmbedding);
  // Reasoning models are never sent a prompt: the built-in table, the name, model_info.
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/o3}}"), ProbeKind::kModel);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: gemini/gemini-2.5-pro}}"), ProbeKind::kModel);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/gpt-5-mini}}"), ProbeKind::kModel);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: hosted_vllm/deepseek-reasoner, api_base: "
                   "'http://127.0.0.1:1/v1'}}"),
            ProbeKind::kModel);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: azure/my-deployment, api_base: "
                   "'https://x.openai.azure.com'}, model_info: {base_model: azure/o4-mini}}"),
            ProbeKind::kModel);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/my-model}, model_info: "
                   "{supports_reasoning: true}}"),
            ProbeKind::kModel);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/o3}, model_info: "
                   "{supports_reasoning: false}}"),
            ProbeKind::kChat);
  // An explicit health_check_max_tokens is the operator's choice of a chat probe.
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/o3}, model_info: "
                   "{health_check_max_tokens: 64}}"),
            ProbeKind::kChat);
  EXPECT_EQ(KindOf("{model_name: a, litellm_params: {model: openai/dall-e-3}, model_info: "
                   "{mode: image_generation}}"),
            ProbeKind::kModel);
}

TEST(ProbeKindTest, TargetUsesTheHealthCheckModelAndTimeout) {
  auto c = Load(
      "model_list:\n  - {model_name: a, litellm_params: {model: openai/gpt-4o, timeout: 30}, "
      "model_info: {health_check_model: gpt-4o-mini, health_check_timeout: 2.5}}\n"
      "  - {model_name: b, litellm_params: {model: openai/gpt-4o}}\n");
  config::Deployment t = ProbeTarget(c->model_list[0]);
  EXPECT_EQ(t.params.upstream_model, "gpt-4o-mini");
  EXPECT_EQ(t.timeout, milliseconds(2500));
  EXPECT_EQ(ProbeTarget(c->model_list[1]).timeout, kDefaultHealthCheckTimeout);
  EXPECT_EQ(ProbeTarget(c->model_list[1]).params.upstream_model, "gpt-4o");
}

class HealthCheckerTest : public ::testing::Test {
 protected:
  void Make(const std::string& interval = "60") {
    config_ = Load("model_list:\n"
                   "  - {model_name: g, litellm_params: {model: mock/ok}, model_info: {id: ok}}\n"
                   "  - {model_name: g, litellm_params: {model: mock/bad}, model_info: {id: bad}}\n",
                   interval);
    registry_ = std::make_unique<ModelRegistry>(config_, clock_);
    prices_ = std::make_unique<pricing::PriceTable>(*config_);
    checker_ = std::make_unique<HealthChecker>(HealthChecker::Env{
        .config = config_,
        .providers = ProviderSet{.by_name = {{"mock", &provider_}}, .unsupported = &provider_},
        .registry = *registry_,
        .prices = *prices_,
        .timers = timers_,
        .clock = clock_});
  }

  TimerThread timers_;
  FakeClock clock_;
  testing::ScriptedProvider provider_{timers_};
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<pricing::PriceTable> prices_;
  std::unique_ptr<HealthChecker> checker_;
};

TEST_F(HealthCheckerTest, RecordsEachDeploymentsVerdict) {
  Make();
  provider_.Set("bad", {.fail_always = true, .always = testing::Upstream(500)});
  EXPECT_FALSE(checker_->Last("ok").has_value());
  checker_->RunRound();
  auto ok = checker_->Last("ok");
  auto bad = checker_->Last("bad");
  ASSERT_TRUE(ok && bad);
  EXPECT_TRUE(ok->healthy);
  EXPECT_EQ(ok->probe, "chat");
  EXPECT_EQ(ok->probes_sent, 1);
  EXPECT_FALSE(bad->healthy);
  EXPECT_EQ(bad->error, "provider answered 500");
  // Reported only: the failed probe does not cool the deployment down.
  EXPECT_TRUE(registry_->Health(*registry_->FindDeployment("bad")).Available());
}

TEST_F(HealthCheckerTest, NoSecondProbeWhileOneIsOutAndShutdownCancelsIt) {
  Make();
  provider_.Set("bad", {.hang = true});
  checker_->RunRound();
  checker_->RunRound();
  checker_->RunRound();
  EXPECT_EQ(provider_.Calls("bad"), 1);
  EXPECT_EQ(provider_.Calls("ok"), 3);
  EXPECT_FALSE(checker_->Last("bad").has_value());
  checker_.reset();  // cancels the hanging probe; its callback finds nothing to record into
  EXPECT_EQ(provider_.MaxConcurrent("bad"), 1);
}

TEST_F(HealthCheckerTest, RealTrafficWithinTheIntervalSavesTheProbe) {
  Make();
  auto& health = registry_->Health(*registry_->FindDeployment("ok"));
  bool trial = false;
  ASSERT_TRUE(health.Begin(trial));
  health.End(trial, {.ok = true, .latency = milliseconds(5)});
  clock_.Advance(std::chrono::seconds(30));
  checker_->RunRound();
  EXPECT_EQ(provider_.Calls("ok"), 0);
  EXPECT_EQ(provider_.Calls("bad"), 1);
  auto r = checker_->Last("ok");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->healthy);
  EXPECT_EQ(r->probe, "traffic");
  EXPECT_EQ(r->checked_at, clock_.Now() - std::chrono::seconds(30));
  clock_.Advance(std::chrono::seconds(31));  // the interval (60 s) has passed since
  checker_->RunRound();
  EXPECT_EQ(provider_.Calls("ok"), 1);
  EXPECT_EQ(checker_->Last("ok")->probe, "chat");
}

TEST_F(HealthCheckerTest, StartRunsARoundEveryInterval) {
  Make("0.02");
  checker_->Start();
  for (int i = 0; i < 500 && provider_.Calls("ok") < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_GE(provider_.Calls("ok"), 3);
  checker_.reset();
  int after = provider_.Calls("ok");
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(provider_.Calls("ok"), after);  // no round after shutdown
}

}  // namespace
}  // namespace llmgw::router
