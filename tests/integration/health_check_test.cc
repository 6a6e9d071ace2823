// Background health checks against the fake provider over HTTP: each deployment gets the
// cheapest probe that proves it serves (chat with max_tokens 1, an embedding, or a
// zero-token model lookup for reasoning models), at most one probe out at a time, and
// GET /health reports the verdicts without calling a provider itself.
#include <set>
#include <thread>

#include "tests/integration/suite_fixture.h"

namespace llmgw::testing {
namespace {

namespace json = boost::json;

constexpr char kModels[] = R"(
  - model_name: chat
    litellm_params: {model: openai/fake-model, api_base: "$FAKE", api_key: k}
    model_info: {id: chat-ok}
  - model_name: chat
    litellm_params: {model: openai/fake-model, api_base: "$FAKE", api_key: k, extra_headers: {x-fake-status: "503"}}
    model_info: {id: chat-down}
  - model_name: stuck
    litellm_params: {model: openai/fake-model, api_base: "$FAKE", api_key: k, extra_headers: {x-fake-hang: "1"}}
    model_info: {id: chat-hangs, health_check_timeout: 60}
  - model_name: thinker
    litellm_params: {model: openai/o3, api_base: "$FAKE", api_key: k}
    model_info: {id: o3}
  - model_name: gemini-thinker
    litellm_params: {model: gemini/gemini-2.5-flash, api_base: "$FAKEROOT", api_key: k}
    model_info: {id: gemini-flash}
  - model_name: claude
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE", api_key: k}
    model_info: {id: claude, health_check_model: claude-cheap}
  - model_name: embed
    litellm_params: {model: openai/text-embedding-3-small, api_base: "$FAKE", api_key: k}
    model_info: {id: embed, mode: embedding}
  - model_name: claude-thinker
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE", api_key: k}
    model_info: {id: claude-thinker, supports_reasoning: true}
  - model_name: azure-thinker
    litellm_params: {model: azure/my-o3, api_base: "$FAKEROOT", api_key: k}
    model_info: {id: azure-o3, base_model: azure/o3}
)";

class HealthCheckTest : public SuiteTest {
 protected:
  // Polls /health until every probe but the hanging one has a verdict.
  json::object WaitForVerdicts(size_t expected) {
    json::object last;
    for (int i = 0; i < 200; ++i) {
      auto r = Get("/health");
      EXPECT_EQ(r.status, 200) << r.body;
      last = ParseJson(r.body).as_object();
      if (last["healthy_count"].as_int64() + last["unhealthy_count"].as_int64() >= int64_t(expected)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return last;
  }
  static std::map<std::string, json::object> ById(const json::value& list) {
    std::map<std::string, json::object> out;
    for (const auto& e : list.as_array()) out[std::string(e.at("model_id").as_string())] = e.as_object();
    return out;
  }
};

TEST_F(HealthCheckTest, EachDeploymentGetsItsCheapestProbeAndHealthReportsThem) {
  StartSuite(kModels, "", ", background_health_checks: true, health_check_interval: 0.3");
  json::object h = WaitForVerdicts(8);
  EXPECT_EQ(h["background_health_checks"], true);
  auto healthy = ById(h["healthy_endpoints"]);
  auto unhealthy = ById(h["unhealthy_endpoints"]);
  auto unchecked = ById(h["unchecked_endpoints"]);
  EXPECT_EQ(healthy.size(), 7u) << h;
  ASSERT_EQ(unhealthy.size(), 1u) << h;
  EXPECT_EQ(healthy["chat-ok"]["probe"], "chat");
  EXPECT_EQ(healthy["o3"]["probe"], "model");
  EXPECT_EQ(healthy["gemini-flash"]["probe"], "model");
  EXPECT_EQ(healthy["claude"]["probe"], "chat");
  EXPECT_EQ(healthy["embed"]["probe"], "embedding");
  EXPECT_EQ(healthy["claude-thinker"]["probe"], "model");
  EXPECT_EQ(healthy["azure-o3"]["probe"], "model");
  EXPECT_EQ(unhealthy["chat-down"]["probe"], "chat");
  EXPECT_NE(std::string(unhealthy["chat-down"]["error"].as_string()).find("503"), std::string::npos) << h;
  EXPECT_TRUE(unchecked.count("chat-hangs")) << h;

  // Reported only: a failed probe does not cool chat-down down, and a request still routes.
  auto r = Post("/v1/chat/completions", R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(r.status, 200) << r.body;

  // Rounds go on every 0.3 s; the hanging probe is never sent twice, and the reasoning
  // models never got a prompt (their probes are the fake's model lookups).
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto router_view = Get("/health?model=chat");
  ASSERT_EQ(router_view.status, 200) << router_view.body;
  json::object chat = ParseJson(router_view.body).as_object();
  EXPECT_EQ(chat["healthy_count"].as_int64() + chat["unhealthy_count"].as_int64() +
                chat["unchecked_count"].as_int64(),
            2);
  auto stats = fake_->stats();
  EXPECT_GE(stats.model_checks, 8);  // four reasoning deployments, at least twice each
  EXPECT_GE(fake_->stats().in_flight, 1);  // the hanging probe, still out
  auto hang = ById(ParseJson(Get("/health").body).at("unchecked_endpoints"));
  EXPECT_TRUE(hang.count("chat-hangs"));
}

TEST_F(HealthCheckTest, HealthIsForAdminsAndNamesUnknownGroups) {
  StartSuite(kModels, "", ", background_health_checks: true, health_check_interval: 300");
  std::string key = NewKey();
  auto r = Get("/health", key);
  EXPECT_EQ(r.status, 403) << r.body;
  r = Get("/health?model=nope");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("nope"), std::string::npos);
  r = Post("/health", "{}");
  EXPECT_EQ(r.status, 405) << r.body;
  r = Get("/health", "");
  EXPECT_EQ(r.status, 401) << r.body;
}

TEST_F(HealthCheckTest, ReadinessIsTheAggregatorsVerdictWithoutAKey) {
  StartSuite(kModels);
  auto r = Get("/health/readiness", "");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = ParseJson(r.body).as_object();
  EXPECT_EQ(o["status"], "healthy");
  EXPECT_EQ(o["system_status"], "SERVING");
  std::set<std::string> names;
  for (const auto& c : o["components"].as_array()) {
    names.insert(std::string(c.at("name").as_string()));
    EXPECT_EQ(c.at("status"), "SERVING") << r.body;
  }
  EXPECT_TRUE(names.count("service/llmgw.router.v1.Router")) << r.body;
  EXPECT_TRUE(names.count("service/llmgw.keymgr.v1.KeyManager")) << r.body;
  EXPECT_EQ(Post("/health/readiness", "{}", "").status, 405);
}

TEST_F(HealthCheckTest, OffByDefaultAndThenNothingIsProbed) {
  StartSuite(kModels);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(fake_->stats().requests, 0);
  auto h = ParseJson(Get("/health").body).as_object();
  EXPECT_EQ(h["background_health_checks"], false);
  EXPECT_EQ(h["unchecked_count"].as_int64(), 9);
}

}  // namespace
}  // namespace llmgw::testing
