#include "llmgw/config/loader.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::config {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvLookup kEnv = FakeEnv({{"OPENAI_API_KEY", "sk-upstream"},
                                {"LLMGW_MASTER_KEY", "sk-master-0123456789"}});

absl::StatusOr<Loaded> Load(const std::string& yaml, const EnvLookup& env = kEnv) {
  return LoadConfigString(yaml, "config.yaml", env);
}

TEST(LoaderTest, LoadsLitellmStyleConfig) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 900
      timeout: 30
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_base: "http://127.0.0.1:9000/v1/", weight: 2}
    model_info: {id: second}
  - model_name: mock-1
    litellm_params: {model: mock/anything, mock_response: "hi", mock_latency_ms: 5}
router_settings:
  routing_strategy: simple-shuffle
  timeout: 12.5
)"));
  const Config& c = *loaded.config;
  ASSERT_EQ(c.model_list.size(), 3u);
  EXPECT_EQ(c.model_list[0].params.provider, "openai");
  EXPECT_EQ(c.model_list[0].params.upstream_model, "gpt-4o");
  EXPECT_EQ(c.model_list[0].params.api_key, "sk-upstream");
  EXPECT_EQ(c.model_list[0].params.rpm, 900);
  EXPECT_EQ(c.model_list[0].timeout, Millis(30'000));
  EXPECT_EQ(c.model_list[0].stream_timeout, Millis(30'000));
  EXPECT_EQ(c.model_list[1].params.api_base, "http://127.0.0.1:9000/v1");
  EXPECT_EQ(c.model_list[1].id, "second");
  EXPECT_EQ(c.model_list[1].timeout, Millis(12'500));
  EXPECT_EQ(c.model_list[2].params.mock_response, "hi");
  EXPECT_EQ(c.model_list[2].params.mock_latency, Millis(5));
  EXPECT_EQ(c.model_list[0].id.size(), 16u);
  EXPECT_EQ(c.general_settings.master_key, "sk-master-0123456789");
  EXPECT_TRUE(loaded.warnings.empty());
}

TEST(LoaderTest, DefaultIdsAreStableAcrossLoads) {
  const std::string yaml = "model_list: [{model_name: a, litellm_params: {model: mock/x}}]";
  LLMGW_ASSERT_OK_AND_ASSIGN(auto first, Load(yaml));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto second, Load(yaml));
  EXPECT_EQ(first.config->model_list[0].id, second.config->model_list[0].id);
}

TEST(LoaderTest, NegativeRpmNamesThePath) {
  auto r = Load(R"(
model_list:
  - model_name: a
    litellm_params: {model: mock/x}
  - model_name: b
    litellm_params:
      model: mock/y
      rpm: -5
)");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          "config.yaml:8:12: model_list[1].litellm_params.rpm: must be > 0"));
}

TEST(LoaderTest, WrongTypeNamesThePathAndTheValue) {
  auto r = Load("model_list: [{model_name: a, litellm_params: {model: mock/x, tpm: lots}}]");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          "model_list[0].litellm_params.tpm: expected an integer, got 'lots'"));
  EXPECT_THAT(Load("model_list: {a: 1}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "model_list: expected a list"));
  EXPECT_THAT(Load("llmgw: {http: {threads: \"4\"}}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "llmgw.http.threads: expected an integer"));
}

TEST(LoaderTest, MisspeltKeyIsAnErrorWithDidYouMean) {
  auto r = Load("model_list: [{model_name: a, litellm_params: {model: mock/x, api_bse: x}}]");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          "model_list[0].litellm_params.api_bse: unknown key; did you mean "
                          "'api_base'?"));
  EXPECT_THAT(Load("router_setings: {}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "router_setings: unknown key; did you mean 'router_settings'?"));
  EXPECT_THAT(Load("completely_unrelated_thing: 1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "completely_unrelated_thing: unknown key"));
}

TEST(LoaderTest, MissingEnvironmentVariableNamesThePath) {
  auto r = Load(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/NOT_SET_ANYWHERE}
)");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          "model_list[0].litellm_params.api_key: environment variable "
                          "NOT_SET_ANYWHERE (from os.environ/NOT_SET_ANYWHERE) is not set"));
}

TEST(LoaderTest, EnvironmentVariablesSectionFeedsLookups) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
environment_variables: {MY_KEY: sk-from-file}
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/MY_KEY}
)"));
  EXPECT_EQ(loaded.config->model_list[0].params.api_key, "sk-from-file");
}

TEST(LoaderTest, KnownButUnimplementedKeysWarnOnceEach) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
model_list:
  - model_name: claude
    litellm_params: {model: bedrock/claude-x, max_retries: 2}
router_settings: {num_retries: 3, retry_policy: {}}
litellm_settings: {cache: true, cache_params: {type: redis, host: r}}
general_settings: {database_url: postgresql://x, alerting: [slack]}
)"));
  EXPECT_THAT(loaded.warnings,
              ElementsAre(HasSubstr("model_list[0].litellm_params.model: provider 'bedrock' is "
                                    "not implemented"),
                          HasSubstr("model_list[0].litellm_params.max_retries: LiteLLM setting "
                                    "not implemented"),
                          HasSubstr("router_settings.retry_policy"),
                          HasSubstr("litellm_settings.cache_params.type: cache type 'redis'"),
                          HasSubstr("litellm_settings.cache_params.host"),
                          HasSubstr("general_settings.alerting")));
}

TEST(LoaderTest, RouterSettingsAndFallbacks) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, order: 1, cooldown_time: 0}
  - model_name: b
    litellm_params: {model: openai/gpt-4o-mini}
router_settings:
  routing_strategy: latency-based-routing
  routing_strategy_args: {ttl: 60, lowest_latency_buffer: 0.5}
  allowed_fails: 1
  cooldown_time: 30
  fallbacks: [{a: [b]}]
  default_fallbacks: [b]
  model_group_alias: {gpt-4: a, old: {model: b, hidden: true}}
litellm_settings: {num_retries: 4, context_window_fallbacks: [{a: [b]}]}
)"));
  const auto& r = loaded.config->router_settings;
  EXPECT_EQ(r.routing_strategy, RoutingStrategy::kLatencyBased);
  EXPECT_EQ(r.latency_window, std::chrono::seconds(60));
  EXPECT_DOUBLE_EQ(r.lowest_latency_buffer, 0.5);
  EXPECT_EQ(r.num_retries, 4);  // from litellm_settings
  EXPECT_EQ(r.allowed_fails, 1);
  EXPECT_EQ(r.cooldown_time, std::chrono::seconds(30));
  ASSERT_EQ(r.fallbacks.general.size(), 1u);
  EXPECT_EQ(r.fallbacks.general[0].from, "a");
  EXPECT_THAT(r.fallbacks.general[0].to, ElementsAre("b"));
  EXPECT_TRUE(r.fallbacks.context_window.empty());  // router_settings has lists: they win
  EXPECT_EQ(r.model_group_alias.at("old").model_group, "b");
  EXPECT_TRUE(r.model_group_alias.at("old").hidden);
  EXPECT_EQ(loaded.config->model_list[0].params.order, 1);
  EXPECT_EQ(loaded.config->model_list[0].params.cooldown_time, Millis(0));

  auto bad = Load(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
router_settings:
  routing_strategy: least-bussy
  fallbacks: [{a: [nope]}]
  model_group_alias: {x: missing}
)");
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument,
                            "router_settings.routing_strategy: unknown routing strategy "
                                      "'least-bussy'; did you mean 'least-busy'?"));
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument,
                            "router_settings.fallbacks[0].a[0]: 'nope' is not a model "
                                      "group"));
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument,
                            "router_settings.model_group_alias.x: 'missing' is not a model "
                                      "group"));
}

TEST(LoaderTest, DatabaseSettingsAreReadAndChecked) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
general_settings: {database_url: "postgresql://llm:pw@db:5432/llmgw", database_connection_pool_limit: 4,
                   user_api_key_cache_ttl: 30}
)"));
  EXPECT_EQ(loaded.config->general_settings.database_url, "postgresql://llm:pw@db:5432/llmgw");
  EXPECT_EQ(loaded.config->general_settings.database_connection_pool_limit, 4);
  EXPECT_EQ(loaded.config->general_settings.user_api_key_cache_ttl, std::chrono::seconds(30));
  EXPECT_THAT(Load("general_settings: {database_url: mysql://x}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "general_settings.database_url: must start with"));
  EXPECT_THAT(Load("general_settings: {database_connection_pool_limit: 0}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "general_settings.database_connection_pool_limit"));
}

TEST(LoaderTest, UnknownProviderIsAnError) {
  EXPECT_THAT(Load("model_list: [{model_name: a, litellm_params: {model: opnai/gpt-4o}}]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown provider 'opnai'; did you mean 'openai'?"));
}

TEST(LoaderTest, OpenAICompatibleProvidersGetTheirBaseAndWire) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
model_list:
  - {model_name: a, litellm_params: {model: ollama/llama3.2}}
  - {model_name: b, litellm_params: {model: ollama_chat/llama3.2, api_base: "http://gpu-1:11434/"}}
  - {model_name: c, litellm_params: {model: groq/llama-3.1-8b-instant}}
  - {model_name: d, litellm_params: {model: azure/gpt-4o-prod, api_base: "https://res.openai.azure.com"}}
  - {model_name: e, litellm_params: {model: claude-x}}
)"));
  const auto& m = loaded.config->model_list;
  EXPECT_EQ(m[0].params.api_base, "http://localhost:11434/v1");
  EXPECT_EQ(m[0].params.wire, "openai");
  EXPECT_EQ(m[1].params.api_base, "http://gpu-1:11434/v1");
  EXPECT_EQ(m[2].params.api_base, "https://api.groq.com/openai/v1");
  EXPECT_EQ(m[3].params.wire, "azure");
  EXPECT_EQ(m[3].params.upstream_model, "gpt-4o-prod");
  EXPECT_EQ(m[4].params.wire, "openai");
  EXPECT_TRUE(loaded.warnings.empty());
  // Self-hosted servers and Azure resources have no public endpoint to default to.
  EXPECT_THAT(Load("model_list: [{model_name: a, litellm_params: {model: hosted_vllm/llama}}]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "model_list[0].litellm_params.api_base: required for provider 'hosted_vllm'"));
  EXPECT_THAT(Load("model_list: [{model_name: a, litellm_params: {model: azure/gpt}}]"),
              StatusIs(absl::StatusCode::kInvalidArgument, "api_base: required for provider 'azure'"));
}

TEST(LoaderTest, RequiredFieldsAndDuplicateIds) {
  EXPECT_THAT(Load("model_list: [{litellm_params: {model: mock/x}}]"),
              StatusIs(absl::StatusCode::kInvalidArgument, "model_list[0].model_name: required"));
  EXPECT_THAT(Load("model_list: [{model_name: a}]"),
              StatusIs(absl::StatusCode::kInvalidArgument, "model_list[0].litellm_params: required"));
  EXPECT_THAT(Load("model_list: [{model_name: a, litellm_params: {rpm: 1}}]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "model_list[0].litellm_params.model: required"));
  EXPECT_THAT(Load(R"(
model_list:
  - {model_name: a, litellm_params: {model: mock/x}, model_info: {id: same}}
  - {model_name: b, litellm_params: {model: mock/y}, model_info: {id: same}}
)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "model_list[1].model_info.id: duplicate deployment id 'same'"));
}

TEST(LoaderTest, MasterKeyIsRequiredAndMustLookLikeAKey) {
  const auto no_env = FakeEnv({});
  EXPECT_THAT(Load("model_list: []", no_env),
              StatusIs(absl::StatusCode::kInvalidArgument, "general_settings.master_key: required"));
  EXPECT_THAT(Load("general_settings: {master_key: sk-1234}", no_env),
              StatusIs(absl::StatusCode::kInvalidArgument, "must start with 'sk-' and be at least"));
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded,
                             Load("general_settings: {master_key: sk-from-the-file-1}", kEnv));
  EXPECT_EQ(loaded.config->general_settings.master_key, "sk-from-the-file-1");
}

TEST(LoaderTest, ReportsEveryErrorNotJustTheFirst) {
  auto r = Load(R"(
model_list:
  - {model_name: a, litellm_params: {model: mock/x, rpm: 0, tpm: -1}}
sla: {min_availability_pct: 120}
)");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("litellm_params.rpm: must be > 0"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("litellm_params.tpm: must be > 0"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("sla.min_availability_pct: must be <= 100"));
}

TEST(LoaderTest, LlmgwSectionAndServiceEndpoints) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
llmgw:
  grpc_listen: 0.0.0.0:6000
  http: {listen: 127.0.0.1:4100, max_body_bytes: 2048}
  services:
    router: {listen: 0.0.0.0:7000, endpoint: router.svc:7000}
    keymgr: {listen: 127.0.0.1:7001}
sla: {max_p95_overhead_ms: 5, min_availability_pct: 99.9, max_cost_per_call_usd: 0.05}
)"));
  const auto& l = loaded.config->llmgw;
  EXPECT_EQ(l.grpc_listen, "0.0.0.0:6000");
  EXPECT_EQ(l.http.listen, "127.0.0.1:4100");
  EXPECT_EQ(l.http.max_body_bytes, 2048);
  EXPECT_EQ(l.router.endpoint, "router.svc:7000");
  EXPECT_EQ(l.keymgr.endpoint, "127.0.0.1:7001");
  EXPECT_EQ(l.spend.listen, "127.0.0.1:50054");
  EXPECT_EQ(loaded.config->sla.min_availability_pct, 99.9);
  EXPECT_EQ(loaded.config->sla.window_length, std::chrono::hours(24 * 30));  // the default
  EXPECT_EQ(l.gateway_endpoint, "0.0.0.0:6000");  // grpc_listen unless set
  EXPECT_THAT(Load("llmgw: {grpc_listen: nonsense}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "llmgw.grpc_listen: expected host:port"));
}

TEST(LoaderTest, SlaWindowAndGatewayEndpoint) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
llmgw: {services: {gateway: {endpoint: gw.svc:50051}}}
sla: {window: 90m}
)"));
  EXPECT_EQ(loaded.config->sla.window, "90m");
  EXPECT_EQ(loaded.config->sla.window_length, std::chrono::minutes(90));
  EXPECT_EQ(loaded.config->llmgw.gateway_endpoint, "gw.svc:50051");
  EXPECT_THAT(Load("sla: {window: 30x}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "sla.window: expected a duration"));
  EXPECT_THAT(Load("llmgw: {services: {gateway: {listen: 0.0.0.0:1}}}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "llmgw.services.gateway.listen: the gateway listens on llmgw.grpc_listen"));
}

TEST(LoaderTest, CacheParams) {
  LLMGW_ASSERT_OK_AND_ASSIGN(auto loaded, Load(R"(
litellm_settings:
  cache: true
  cache_params: {type: local, ttl: 30, namespace: prod, mode: default_off,
                 supported_call_types: [acompletion], max_size_mb: 8}
)"));
  const auto& c = loaded.config->litellm_settings.cache;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.LocalTtl(), std::chrono::seconds(30));
  EXPECT_EQ(c.cache_namespace, "prod");
  EXPECT_FALSE(c.default_on);
  EXPECT_TRUE(c.chat);
  EXPECT_FALSE(c.embeddings);
  EXPECT_EQ(c.max_bytes, 8 << 20);
  EXPECT_THAT(Load("litellm_settings: {cache_params: {mode: always}}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "litellm_settings.cache_params.mode: expected default_on or default_off"));
  EXPECT_THAT(Load("litellm_settings: {cache_params: {supported_call_types: [chat]}}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "litellm_settings.cache_params.supported_call_types[0]: expected"));
  EXPECT_THAT(Load("litellm_settings: {cache_params: {tll: 5}}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "did you mean 'ttl'?"));
}

TEST(LoaderTest, InvalidYamlReportsWhere) {
  EXPECT_THAT(Load("model_list: [\n  {a: b"),
              StatusIs(absl::StatusCode::kInvalidArgument, "invalid YAML"));
}

TEST(LoaderTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadConfigFile("/nonexistent/config.yaml", kEnv),
              StatusIs(absl::StatusCode::kNotFound, "cannot open config file"));
}

}  // namespace
}  // namespace llmgw::config
