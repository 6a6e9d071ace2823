// Statistical tests of the routing strategies, through the Router with a scripted provider.
#include <cmath>
#include <future>

#include "gtest/gtest.h"
#include "llmgw/config/loader.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/openai_provider.h"
#include "services/router/router.h"
#include "services/router/testing/scripted_provider.h"

namespace llmgw::router {
namespace {

using std::chrono::milliseconds;

class StrategyTest : public ::testing::Test {
 protected:
  void Start(const std::string& yaml) {
    auto loaded = config::LoadConfigString(
        "general_settings: {master_key: sk-test-master-key-1}\n" + yaml, "t.yaml",
        [](const std::string&) { return std::nullopt; });
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    router_ = std::make_unique<Router>(
        loaded->config,
        ProviderSet{.by_name = {{"openai", &provider_}}, .unsupported = &unsupported_}, timers_);
  }
  static v1::RouteChatRequest Request() {
    v1::RouteChatRequest r;
    *r.mutable_request() = *providers::ParseChatRequest(
        R"({"model":"g","messages":[{"role":"user","content":"hi"}]})");
    return r;
  }
  absl::StatusOr<v1::RouteChatResponse> Route() {
    std::promise<absl::StatusOr<v1::RouteChatResponse>> p;
    router_->RouteChat(Request(), {}, [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  std::map<std::string, int> Sample(int n) {
    std::map<std::string, int> counts;
    for (int i = 0; i < n; ++i) {
      auto r = Route();
      EXPECT_TRUE(r.ok()) << r.status();
      if (r.ok()) counts[r->dispatch().deployment_id()]++;
    }
    return counts;
  }

  TimerThread timers_;
  testing::ScriptedProvider provider_{timers_};
  providers::UnsupportedProvider unsupported_;
  std::unique_ptr<Router> router_;
};

// Within 5 standard deviations of a binomial(n, p): fails by chance about once in 3.5 million runs.
void ExpectShare(int count, int n, double p) {
  double sigma = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(count, n * p, 5 * sigma) << count << " of " << n << ", expected share " << p;
}

TEST_F(StrategyTest, SimpleShuffleFollowsWeightsNineToOne) {
  Start(R"(
model_list:
  - {model_name: g, litellm_params: {model: openai/a, weight: 9}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b, weight: 1}, model_info: {id: b}}
)");
  auto counts = Sample(1000);
  ExpectShare(counts["a"], 1000, 0.9);
  ExpectShare(counts["b"], 1000, 0.1);
}

TEST_F(StrategyTest, SimpleShuffleUsesRpmWhenNoWeightIsSet) {
  Start(R"(
model_list:
  - {model_name: g, litellm_params: {model: openai/a, rpm: 100}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b, rpm: 300}, model_info: {id: b}}
)");
  ExpectShare(Sample(1000)["b"], 1000, 0.75);
}

TEST_F(StrategyTest, LeastBusyAvoidsADeploymentHoldingSlowRequests) {
  Start(R"(
router_settings: {routing_strategy: least-busy}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b}, model_info: {id: b}}
)");
  // Six slow requests alternate over both; then b's three end and b answers fast again,
  // while a still holds three.
  provider_.Set("a", {.hang = true});
  provider_.Set("b", {.hang = true});
  std::vector<std::shared_ptr<providers::CallHandle>> on_a, on_b;
  for (int i = 0; i < 6; ++i) {
    int before = provider_.Calls("a");
    auto h = router_->RouteChat(Request(), {}, [](auto) {});
    (provider_.Calls("a") > before ? on_a : on_b).push_back(h);
  }
  ASSERT_EQ(on_a.size(), 3u);
  for (auto& h : on_b) h->Cancel();
  provider_.Set("b", {});
  provider_.ResetCounts();
  auto counts = Sample(200);
  EXPECT_EQ(counts["b"], 200);
  EXPECT_EQ(provider_.Calls("a"), 0);
  for (auto& h : on_a) h->Cancel();
}

TEST_F(StrategyTest, LatencyBasedPrefersTheFasterDeployment) {
  Start(R"(
router_settings: {routing_strategy: latency-based-routing}
model_list:
  - {model_name: g, litellm_params: {model: openai/slow}, model_info: {id: slow}}
  - {model_name: g, litellm_params: {model: openai/fast}, model_info: {id: fast}}
)");
  provider_.Set("slow", {.latency = milliseconds(40)});
  provider_.Set("fast", {.latency = milliseconds(2)});
  // Each is tried once (untried deployments first), then the faster one takes the traffic.
  auto counts = Sample(50);
  EXPECT_EQ(counts["slow"], 1);
  EXPECT_EQ(counts["fast"], 49);
}

TEST_F(StrategyTest, LatencyBufferSpreadsAmongNearlyAsFast) {
  Start(R"(
router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args: {lowest_latency_buffer: 10}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b}, model_info: {id: b}}
)");
  provider_.Set("a", {.latency = milliseconds(2)});
  provider_.Set("b", {.latency = milliseconds(4)});
  auto counts = Sample(200);
  ExpectShare(counts["a"], 200, 0.5);
}

TEST_F(StrategyTest, UsageBasedRespectsEachDeploymentsRpm) {
  Start(R"(
router_settings: {routing_strategy: usage-based-routing-v2}
model_list:
  - {model_name: g, litellm_params: {model: openai/a, rpm: 5}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b, rpm: 3}, model_info: {id: b}}
)");
  auto counts = Sample(8);
  EXPECT_EQ(counts["a"], 5);
  EXPECT_EQ(counts["b"], 3);
  // Both are full for this minute: the ninth waits for nothing and is refused with 503.
  auto r = [&] {
    std::promise<absl::StatusOr<v1::RouteChatResponse>> p;
    router_->RouteChat(Request(), {.deadline = std::chrono::steady_clock::now()},
                       [&](auto x) { p.set_value(std::move(x)); });
    return p.get_future().get();
  }();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(StrategyTest, CostBasedPicksTheCheapest) {
  Start(R"(
router_settings: {routing_strategy: cost-based-routing}
model_list:
  - {model_name: g, litellm_params: {model: openai/x, input_cost_per_token: 0.00001, output_cost_per_token: 0.00003}, model_info: {id: dear}}
  - {model_name: g, litellm_params: {model: openai/y, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}, model_info: {id: cheap}}
)");
  EXPECT_EQ(Sample(100)["cheap"], 100);
}

TEST_F(StrategyTest, OrderKeepsTrafficOnTheFirstPriorityWhileItIsHealthy) {
  Start(R"(
model_list:
  - {model_name: g, litellm_params: {model: openai/a, order: 2}, model_info: {id: second}}
  - {model_name: g, litellm_params: {model: openai/b, order: 1}, model_info: {id: first}}
)");
  EXPECT_EQ(Sample(100)["first"], 100);
}

}  // namespace
}  // namespace llmgw::router
