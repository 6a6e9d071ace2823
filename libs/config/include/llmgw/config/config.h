// The validated, immutable configuration: LiteLLM's config.yaml plus llmgw's own `llmgw:`
// and `sla:` sections. Built once by the loader, shared as std::shared_ptr<const Config>.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llmgw/common/money.h"

namespace llmgw::config {

using Millis = std::chrono::milliseconds;

// litellm_params of one model_list entry.
struct LitellmParams {
  std::string model;           // as written: "openai/gpt-4o-mini"
  std::string provider;        // "openai"
  std::string upstream_model;  // "gpt-4o-mini"
  // The adapter that speaks the provider's API: openai, azure, anthropic, gemini or mock;
  // empty for providers llmgw does not speak yet.
  std::string wire;
  std::string api_key;         // a secret: never logged, never returned
  std::string api_base;
  std::string api_version;
  std::string organization;
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<double> weight;
  std::optional<Millis> timeout;         // whole non-streaming call
  std::optional<Millis> stream_timeout;  // longest silence between stream chunks
  std::optional<PicoUsdPerToken> input_cost_per_token;
  std::optional<PicoUsdPerToken> output_cost_per_token;
  std::string region_name;
  std::map<std::string, std::string> extra_headers;
  // Drop request parameters the provider does not support instead of refusing them.
  std::optional<bool> drop_params;
  // Priority within the group: lower goes first; deployments without one come last.
  std::optional<int64_t> order;
  // This deployment's cooldown; 0 disables cooldown for it. nullopt: router_settings'.
  std::optional<Millis> cooldown_time;
  // mock/ provider only.
  std::optional<std::string> mock_response;
  Millis mock_latency{0};
  Millis mock_chunk_delay{0};
};

struct ModelInfo {
  std::string id;  // as written; Deployment::id holds the effective id
  std::string mode;
  std::string base_model;
  std::vector<std::string> access_groups;
  std::optional<PicoUsdPerToken> input_cost_per_token;
  std::optional<PicoUsdPerToken> output_cost_per_token;
  std::optional<int64_t> max_tokens;
  std::optional<int64_t> max_input_tokens;
  std::optional<int64_t> max_output_tokens;
  // Background health checks: the probe's timeout, model (instead of the upstream model)
  // and max_tokens (set: always a chat probe, even for a reasoning model).
  std::optional<Millis> health_check_timeout;
  std::string health_check_model;
  std::optional<int64_t> health_check_max_tokens;
  // Whether the model reasons on every call (unset: the built-in table decides).
  std::optional<bool> supports_reasoning;
};

// One model_list entry: a deployment of the model group `model_name`.
struct Deployment {
  std::string model_name;
  LitellmParams params;
  ModelInfo info;
  // model_info.id, or a stable hash of the entry when it has none.
  std::string id;
  // Where it was written, for messages: "model_list[3]".
  std::string path;
  // Effective timeouts after router_settings / litellm_settings defaults.
  Millis timeout{0};
  Millis stream_timeout{0};
  bool drop_params = false;  // litellm_params.drop_params, else litellm_settings'
};

enum class RoutingStrategy { kSimpleShuffle, kLeastBusy, kUsageBased, kLatencyBased, kCostBased };

// One entry of a fallbacks list: `{from: [to, ...]}`; `from` may be "*" (every group).
struct FallbackRule {
  std::string from;
  std::vector<std::string> to;
  std::string path;  // where it was written, for messages
};

struct FallbackLists {
  std::vector<FallbackRule> general;           // fallbacks
  std::vector<FallbackRule> context_window;    // context_window_fallbacks
  std::vector<FallbackRule> content_policy;    // content_policy_fallbacks
  std::vector<std::string> default_fallbacks;  // for groups without a general entry
  bool empty() const {
    return general.empty() && context_window.empty() && content_policy.empty() &&
           default_fallbacks.empty();
  }
};

struct ModelGroupAlias {
  std::string model_group;
  bool hidden = false;  // served, but not listed by /v1/models
};

struct RouterSettings {
  RoutingStrategy routing_strategy = RoutingStrategy::kSimpleShuffle;
  std::optional<Millis> timeout;
  std::optional<Millis> stream_timeout;
  // Retries within a group after the first attempt; nullopt until the loader resolves it
  // (router_settings, else litellm_settings, else 2).
  std::optional<int> num_retries;
  Millis retry_after{0};  // smallest wait before a retry to the same deployment
  int allowed_fails = 3;  // failures within allowed_fails_window before a cooldown
  Millis allowed_fails_window{60'000};
  Millis cooldown_time{5'000};
  bool disable_cooldowns = false;
  int max_fallbacks = 5;
  FallbackLists fallbacks;  // litellm_settings' when router_settings has none
  std::map<std::string, ModelGroupAlias> model_group_alias;
  bool enable_pre_call_checks = false;
  // routing_strategy_args
  Millis latency_window{3'600'000};  // ttl: how long a latency sample counts
  double lowest_latency_buffer = 0;  // pick among deployments within this fraction of the best
};

// litellm_settings.cache and cache_params: the router's response cache.
struct CacheSettings {
  bool enabled = false;         // litellm_settings.cache
  std::string type = "local";   // only the in-memory LRU so far
  Millis ttl{600'000};          // how long an answer is kept unless the request says otherwise
  std::optional<Millis> default_in_memory_ttl;  // wins over ttl for the in-memory cache
  std::string cache_namespace;  // prefix of every key
  bool default_on = true;       // mode: default_on; default_off caches only with use-cache
  bool chat = true;             // supported_call_types: (a)completion
  bool embeddings = true;       // supported_call_types: (a)embedding
  bool text_completion = true;  // supported_call_types: (a)text_completion
  int64_t max_bytes = 64 << 20; // the LRU's memory bound
  Millis LocalTtl() const { return default_in_memory_ttl.value_or(ttl); }
};

struct LitellmSettings {
  std::optional<Millis> request_timeout;
  bool drop_params = false;
  std::optional<int> num_retries;
  FallbackLists fallbacks;
  // Budget of every end user (the request's `user` field), lifetime; nullopt: none.
  std::optional<MicroUsd> max_end_user_budget;
  CacheSettings cache;
};

struct GeneralSettings {
  std::string master_key;    // a secret
  std::string database_url;  // a secret (may hold a password); "" = SQLite under data_dir
  int database_connection_pool_limit = 10;
  // How long the gateway keeps a resolved key while keymgr's watch stream is connected
  // (changes arrive on the stream; the TTL only bounds memory).
  Millis user_api_key_cache_ttl{60'000};
  // The router probes every deployment once per health_check_interval.
  bool background_health_checks = false;
  Millis health_check_interval{300'000};
};

// Where a service listens when it runs as its own target, and how others reach it.
struct ServiceAddress {
  std::string listen;
  std::string endpoint;
  std::string metrics_listen;  // GET /metrics in split mode; "" for none
};

struct HttpSettings {
  std::string listen = "127.0.0.1:4000";
  int threads = 2;
  int64_t max_body_bytes = 10 * 1024 * 1024;
  int64_t max_header_bytes = 64 * 1024;
  Millis header_timeout{10'000};
  Millis idle_timeout{60'000};
  Millis write_timeout{30'000};
};

struct LlmgwSettings {
  std::string data_dir = "./data";
  // The one gRPC port of `--target all`; also the gateway's gRPC port in split mode.
  std::string grpc_listen = "127.0.0.1:50051";
  HttpSettings http;
  ServiceAddress keymgr{"127.0.0.1:50052", "127.0.0.1:50052"};
  ServiceAddress router{"127.0.0.1:50053", "127.0.0.1:50053"};
  ServiceAddress spend{"127.0.0.1:50054", "127.0.0.1:50054"};
  ServiceAddress health{"127.0.0.1:50055", "127.0.0.1:50055"};
  // How the health aggregator reaches the gateway's gRPC port (SLO counts) in split mode;
  // the gateway listens on grpc_listen. Empty in the file: grpc_listen.
  std::string gateway_endpoint;
  Millis rpc_timeout{5'000};
  Millis request_timeout{600'000};
  Millis max_stream_duration{3'600'000};
  Millis shutdown_grace{20'000};
  Millis auth_cache_ttl{1'000};
  int64_t max_upstream_requests = 10'000;
  // POSTed a JSON event when a soft budget is first reached in a period; "" for none.
  std::string soft_budget_webhook_url;
};

struct Sla {
  std::optional<double> max_p95_overhead_ms;
  std::optional<double> min_availability_pct;
  std::optional<double> max_cost_per_call_usd;
  std::string window = "30d";
  std::chrono::seconds window_length{30 * 24 * 3600};  // `window` parsed
};

struct Config {
  std::vector<Deployment> model_list;
  RouterSettings router_settings;
  LitellmSettings litellm_settings;
  GeneralSettings general_settings;
  std::map<std::string, std::string> environment_variables;
  LlmgwSettings llmgw;
  Sla sla;
  std::string source;  // file name, for messages
};

}  // namespace llmgw::config
