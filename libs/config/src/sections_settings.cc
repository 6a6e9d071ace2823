// router_settings, litellm_settings and general_settings: LiteLLM's sections.
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "reader.h"

namespace llmgw::config::internal {
namespace {

#define LLMGW_KNOWN(name) {name, "", "", "", "", nullptr}

const Field<LitellmSettings> kLitellm[] = {
    {"request_timeout", "seconds", "600", "> 0",
     "Default timeout of every provider call when router_settings.timeout is unset.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.request_timeout = *x;
     }},
    {"num_retries", "integer", "2", "0..10", "router_settings.num_retries when that is unset.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadInt(v, p, c, 0, 10)) o.num_retries = static_cast<int>(*x);
     }},
    {"fallbacks", "list of {group: [groups]}", "[]", "groups of model_list",
     "router_settings.fallbacks when router_settings sets no fallback list.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadFallbackRules(v, p, c)) o.fallbacks.general = *x;
     }},
    {"context_window_fallbacks", "list of {group: [groups]}", "[]", "groups of model_list",
     "router_settings.context_window_fallbacks when router_settings sets no fallback list.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadFallbackRules(v, p, c)) o.fallbacks.context_window = *x;
     }},
    {"content_policy_fallbacks", "list of {group: [groups]}", "[]", "groups of model_list",
     "router_settings.content_policy_fallbacks when router_settings sets no fallback list.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadFallbackRules(v, p, c)) o.fallbacks.content_policy = *x;
     }},
    {"default_fallbacks", "list of groups", "[]", "groups of model_list",
     "router_settings.default_fallbacks when router_settings sets no fallback list.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadStringList(v, p, c)) o.fallbacks.default_fallbacks = *x;
     }},
    {"drop_params", "boolean", "false", "",
     "Drop request parameters a provider does not support (e.g. presence_penalty for Anthropic) instead of answering 400.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadBool(v, p, c)) o.drop_params = *x;
     }},
    {"cache", "boolean", "false", "",
     "Turn on the router's response cache (docs/caching.md): identical requests of one tenant "
     "are answered from it at zero spend.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadBool(v, p, c)) o.cache.enabled = *x;
     }},
    {"cache_params", "mapping", "{type: local, ttl: 600}", "see litellm_settings.cache_params.*",
     "The response cache's settings.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       ParseCacheParams(v, p, c, o.cache);
     }},
    LLMGW_KNOWN("callbacks"), LLMGW_KNOWN("success_callback"), LLMGW_KNOWN("failure_callback"),
    LLMGW_KNOWN("service_callback"), LLMGW_KNOWN("service_callbacks"),
    LLMGW_KNOWN("max_budget"), LLMGW_KNOWN("budget_duration"), LLMGW_KNOWN("timezone"),
    LLMGW_KNOWN("max_internal_user_budget"), LLMGW_KNOWN("internal_user_budget_duration"),
    {"max_end_user_budget", "USD", "none", ">= 0",
     "Lifetime budget of each end user (the request's `user` field); past it, that user's requests get 429 budget_exceeded.",
     [](const YAML::Node& v, const std::string& p, Context& c, LitellmSettings& o) {
       if (auto x = ReadNumber(v, p, c, 0, true, 1e12)) o.max_end_user_budget = MicroUsdFromUsd(*x);
     }},
    LLMGW_KNOWN("default_key_generate_params"),
    LLMGW_KNOWN("upperbound_key_generate_params"), LLMGW_KNOWN("default_team_settings"),
    LLMGW_KNOWN("set_verbose"), LLMGW_KNOWN("json_logs"), LLMGW_KNOWN("turn_off_message_logging"),
    LLMGW_KNOWN("redact_user_api_key_info"), LLMGW_KNOWN("modify_params"),
    LLMGW_KNOWN("enable_json_schema_validation"), LLMGW_KNOWN("telemetry"),
    LLMGW_KNOWN("require_auth_for_metrics_endpoint"), LLMGW_KNOWN("prometheus_metrics_config"),
    LLMGW_KNOWN("force_ipv4"), LLMGW_KNOWN("ssl_verify"), LLMGW_KNOWN("callback_settings"),
};

const Field<GeneralSettings> kGeneral[] = {
    {"master_key", "string (secret)", "env LLMGW_MASTER_KEY", "starts with `sk-`, >= 16 characters",
     "The admin key (role proxy_admin). Required: llmgw never runs as an open proxy.",
     [](const YAML::Node& v, const std::string& p, Context& c, GeneralSettings& o) {
       if (auto s = ReadString(v, p, c)) o.master_key = *s;
     }},
    {"database_url", "string (secret)", "SQLite file llmgw.data_dir/keymgr.db", "postgresql://... or sqlite:///path",
     "The SQL store of keys, users and teams. PostgreSQL for production and several replicas; without it, an embedded SQLite file.",
     [](const YAML::Node& v, const std::string& p, Context& c, GeneralSettings& o) {
       if (auto s = ReadString(v, p, c)) {
         if (s->rfind("postgresql://", 0) != 0 && s->rfind("postgres://", 0) != 0 && s->rfind("sqlite:", 0) != 0) {
           c.Error(v, p, "must start with postgresql://, postgres:// or sqlite:");
         } else {
           o.database_url = *s;
         }
       }
     }},
    {"database_connection_pool_limit", "integer", "10", "1..1000",
     "PostgreSQL connections per process (each service that uses the store has its own pool).",
     [](const YAML::Node& v, const std::string& p, Context& c, GeneralSettings& o) {
       if (auto x = ReadInt(v, p, c, 1, 1000)) o.database_connection_pool_limit = static_cast<int>(*x);
     }},
    {"user_api_key_cache_ttl", "seconds", "60", "> 0",
     "How long a gateway keeps a resolved key while keymgr's change stream is connected; while it is not, llmgw.auth_cache_ttl_ms applies.",
     [](const YAML::Node& v, const std::string& p, Context& c, GeneralSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.user_api_key_cache_ttl = *x;
     }},
    {"background_health_checks", "boolean", "false", "",
     "The router probes every deployment once per health_check_interval (one router for all gateways; results in ListDeployments and /health). Probes are reported, they never cool a deployment down.",
     [](const YAML::Node& v, const std::string& p, Context& c, GeneralSettings& o) {
       if (auto x = ReadBool(v, p, c)) o.background_health_checks = *x;
     }},
    {"health_check_interval", "seconds", "300", "> 0",
     "Time between two background probes of one deployment. A deployment that answered real traffic within the interval is not probed.",
     [](const YAML::Node& v, const std::string& p, Context& c, GeneralSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.health_check_interval = *x;
     }},
    LLMGW_KNOWN("database_connection_timeout"), LLMGW_KNOWN("health_check_details"),
    LLMGW_KNOWN("proxy_batch_write_at"), LLMGW_KNOWN("proxy_budget_rescheduler_min_time"),
    LLMGW_KNOWN("proxy_budget_rescheduler_max_time"), LLMGW_KNOWN("use_redis_transaction_buffer"),
    LLMGW_KNOWN("allow_requests_on_db_unavailable"), LLMGW_KNOWN("disable_spend_logs"),
    LLMGW_KNOWN("disable_error_logs"), LLMGW_KNOWN("disable_spend_updates"),
    LLMGW_KNOWN("store_prompts_in_spend_logs"), LLMGW_KNOWN("maximum_spend_logs_retention_period"),
    LLMGW_KNOWN("maximum_spend_logs_retention_interval"), LLMGW_KNOWN("alerting"),
    LLMGW_KNOWN("alerting_threshold"), LLMGW_KNOWN("alert_types"),
    LLMGW_KNOWN("alert_to_webhook_url"),
    LLMGW_KNOWN("max_parallel_requests"), LLMGW_KNOWN("global_max_parallel_requests"),
    LLMGW_KNOWN("fail_closed_rate_limit_enforcement"),
    LLMGW_KNOWN("fail_closed_budget_enforcement"), LLMGW_KNOWN("litellm_key_header_name"),
    LLMGW_KNOWN("store_model_in_db"), LLMGW_KNOWN("disable_master_key_return"),
    LLMGW_KNOWN("enforce_user_param"), LLMGW_KNOWN("allowed_routes"),
    LLMGW_KNOWN("public_routes"), LLMGW_KNOWN("admin_only_routes"), LLMGW_KNOWN("custom_auth"),
    LLMGW_KNOWN("enable_jwt_auth"), LLMGW_KNOWN("litellm_jwtauth"), LLMGW_KNOWN("ui_access_mode"),
    LLMGW_KNOWN("forward_openai_org_id"), LLMGW_KNOWN("infer_model_from_keys"),
    LLMGW_KNOWN("disable_reset_budget"), LLMGW_KNOWN("pass_through_endpoints"),
};

#undef LLMGW_KNOWN

}  // namespace

void ParseLitellmSettings(const YAML::Node& node, Context& ctx, Config& out) {
  ParseMapping<LitellmSettings>(node, "litellm_settings", kLitellm, ctx, out.litellm_settings);
}

void ParseGeneralSettings(const YAML::Node& node, Context& ctx, Config& out) {
  ParseMapping<GeneralSettings>(node, "general_settings", kGeneral, ctx, out.general_settings);
}

void DocumentSettings(std::vector<DocumentedField>& out) {
  Document<LitellmSettings>("litellm_settings", kLitellm, out);
  DocumentCacheParams(out);
  Document<GeneralSettings>("general_settings", kGeneral, out);
}

}  // namespace llmgw::config::internal
