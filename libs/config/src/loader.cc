#include "llmgw/config/loader.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "reader.h"

namespace llmgw::config {
namespace {

using internal::Context;
using internal::Field;

struct TopLevel {
  Config* config;
};

#define LLMGW_SECTION(name, fn, type, effect)                                      \
  {name, type, "", "", effect,                                                       \
   [](const YAML::Node& v, const std::string&, Context& c, TopLevel& o) { fn(v, c, *o.config); }}
#define LLMGW_KNOWN(name) {name, "", "", "", "", nullptr}

const Field<TopLevel> kTopLevel[] = {
    LLMGW_SECTION("model_list", internal::ParseModelList, "list",
                  "The deployments, grouped into model groups by model_name."),
    LLMGW_SECTION("router_settings", internal::ParseRouterSettings, "mapping",
                  "How the router picks and calls deployments."),
    LLMGW_SECTION("litellm_settings", internal::ParseLitellmSettings, "mapping",
                  "LiteLLM library settings."),
    LLMGW_SECTION("general_settings", internal::ParseGeneralSettings, "mapping",
                  "Proxy-wide settings."),
    // Parsed first, by LoadConfigString itself: it feeds os.environ/ lookups.
    {"environment_variables", "map of strings", "{}", "",
     "Variables visible to `os.environ/NAME` lookups; they win over the process environment.",
     [](const YAML::Node&, const std::string&, Context&, TopLevel&) {}},
    LLMGW_SECTION("llmgw", internal::ParseLlmgw, "mapping",
                  "llmgw's own settings: addresses, limits, storage."),
    LLMGW_SECTION("sla", internal::ParseSla, "mapping", "The service-level objectives."),
    LLMGW_KNOWN("include"), LLMGW_KNOWN("mcp_servers"), LLMGW_KNOWN("guardrails"),
    LLMGW_KNOWN("credential_list"), LLMGW_KNOWN("files_settings"),
    LLMGW_KNOWN("assistant_settings"), LLMGW_KNOWN("finetune_settings"),
    LLMGW_KNOWN("callback_settings"), LLMGW_KNOWN("vector_store_registry"),
    LLMGW_KNOWN("search_tools"),
};

#undef LLMGW_SECTION
#undef LLMGW_KNOWN

constexpr Millis kDefaultRequestTimeout{600'000};

void ApplyDefaults(const YAML::Node& root, Context& ctx, Config& config) {
  auto& master = config.general_settings.master_key;
  if (master.empty()) {
    if (auto env = ctx.Env("LLMGW_MASTER_KEY")) master = *env;
  }
  YAML::Node at = root["general_settings"] ? root["general_settings"]["master_key"] : root;
  if (master.empty()) {
    ctx.Error(at, "general_settings.master_key",
              "required (or set LLMGW_MASTER_KEY): llmgw never runs without authentication");
  } else if (!absl::StartsWith(master, "sk-") || master.size() < 16) {
    ctx.Error(at, "general_settings.master_key",
              "must start with 'sk-' and be at least 16 characters long");
  }

  Millis fallback = config.router_settings.timeout.value_or(
      config.litellm_settings.request_timeout.value_or(kDefaultRequestTimeout));
  for (auto& d : config.model_list) {
    d.timeout = d.params.timeout.value_or(fallback);
    d.drop_params = d.params.drop_params.value_or(config.litellm_settings.drop_params);
    d.stream_timeout =
        d.params.stream_timeout.value_or(config.router_settings.stream_timeout.value_or(d.timeout));
  }
  internal::ResolveRouterSettings(ctx, config);
  if (config.llmgw.gateway_endpoint.empty()) config.llmgw.gateway_endpoint = config.llmgw.grpc_listen;
  if (config.model_list.empty() && ctx.errors().empty()) {
    ctx.Warn("model_list", "no deployments: every inference request will get 404");
  }
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

absl::StatusOr<Loaded> LoadConfigString(const std::string& yaml, const std::string& source,
                                        const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": invalid YAML: ", e.msg));
  }
  auto config = std::make_shared<Config>();
  config->source = source;
  Context ctx(source, env);
  if (root.IsNull()) {
    root = YAML::Node(YAML::NodeType::Map);
  }
  try {
    if (root.IsMap() && root["environment_variables"]) {
      auto vars = internal::ReadStringMap(root["environment_variables"], "environment_variables",
                                          ctx);
      if (vars) {
        config->environment_variables = *vars;
        ctx.SetFileEnvironment(*vars);
      }
    }
    TopLevel top{config.get()};
    internal::ParseMapping<TopLevel>(root, "", kTopLevel, ctx, top);
    if (root.IsMap()) ApplyDefaults(root, ctx, *config);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on conversions we did not guard; report rather than crash.
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
  if (!ctx.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(ctx.errors(), "\n"));
  }
  return Loaded{std::move(config), ctx.warnings()};
}

absl::StatusOr<Loaded> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open config file"));
  std::stringstream buf;
  buf << in.rdbuf();
  return LoadConfigString(buf.str(), path, env);
}

std::vector<DocumentedField> DocumentedFields() {
  std::vector<DocumentedField> out;
  internal::Document<TopLevel>("", kTopLevel, out);
  internal::DocumentModelList(out);
  internal::DocumentRouterSettings(out);
  internal::DocumentSettings(out);
  internal::DocumentLlmgw(out);
  return out;
}

}  // namespace llmgw::config
