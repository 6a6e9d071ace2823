// router_settings: how deployments are picked, retried, cooled down and fallen back from;
// and the fallback lists, which litellm_settings may carry too.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "reader.h"

namespace llmgw::config::internal {
namespace {

#define LLMGW_KNOWN(name) {name, "", "", "", "", nullptr}

struct StrategyName {
  const char* name;
  RoutingStrategy strategy;
};

constexpr StrategyName kStrategies[] = {
    {"simple-shuffle", RoutingStrategy::kSimpleShuffle},
    {"least-busy", RoutingStrategy::kLeastBusy},
    {"usage-based-routing", RoutingStrategy::kUsageBased},
    {"usage-based-routing-v2", RoutingStrategy::kUsageBased},
    {"latency-based-routing", RoutingStrategy::kLatencyBased},
    {"cost-based-routing", RoutingStrategy::kCostBased},
};

void ParseStrategy(const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
  auto s = ReadString(v, p, c);
  if (!s) return;
  std::vector<std::string> names;
  for (const auto& k : kStrategies) {
    if (*s == k.name) {
      o.routing_strategy = k.strategy;
      return;
    }
    names.push_back(k.name);
  }
  std::string message = absl::StrCat("unknown routing strategy '", *s, "'");
  if (auto g = DidYouMean(*s, names)) message += "; did you mean '" + *g + "'?";
  c.Error(v, p, message);
}

void ParseAliases(const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
  if (!v.IsMap()) return c.Error(v, p, "expected a mapping of alias: model group");
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string alias = it->first.Scalar();
    std::string at = Join(p, alias);
    ModelGroupAlias a;
    if (it->second.IsMap()) {
      // LiteLLM's long form: {model: group, hidden: true}.
      for (auto f = it->second.begin(); f != it->second.end(); ++f) {
        std::string key = f->first.Scalar();
        if (key == "model") {
          if (auto s = ReadString(f->second, Join(at, key), c)) a.model_group = *s;
        } else if (key == "hidden") {
          if (auto b = ReadBool(f->second, Join(at, key), c)) a.hidden = *b;
        } else {
          c.Error(f->first, Join(at, key), "unknown key; expected 'model' or 'hidden'");
        }
      }
      if (a.model_group.empty()) c.Error(it->second, Join(at, "model"), "required");
    } else if (auto s = ReadString(it->second, at, c)) {
      a.model_group = *s;
    }
    o.model_group_alias[alias] = a;
  }
}

void ParseStrategyArgs(const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
  if (!v.IsMap()) return c.Error(v, p, "expected a mapping");
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string key = it->first.Scalar();
    std::string at = Join(p, key);
    if (key == "ttl") {
      if (auto x = ReadSeconds(it->second, at, c)) o.latency_window = *x;
    } else if (key == "lowest_latency_buffer") {
      if (auto x = ReadNumber(it->second, at, c, 0, true, 10)) o.lowest_latency_buffer = *x;
    } else {
      std::string message = "unknown key";
      if (auto g = DidYouMean(key, {"ttl", "lowest_latency_buffer"})) {
        message += "; did you mean '" + *g + "'?";
      }
      c.Error(it->first, at, message);
    }
  }
}

const Field<RouterSettings> kRouter[] = {
    {"routing_strategy", "string", "simple-shuffle",
     "simple-shuffle, least-busy, usage-based-routing(-v2), latency-based-routing, cost-based-routing",
     "How a deployment is picked within a model group (docs/routing.md).", ParseStrategy},
    {"routing_strategy_args", "mapping", "{ttl: 3600, lowest_latency_buffer: 0}",
     "ttl > 0 seconds; lowest_latency_buffer 0..10",
     "latency-based-routing: how long a latency sample counts, and the fraction above the "
     "fastest within which deployments are picked at random.",
     ParseStrategyArgs},
    {"timeout", "seconds", "litellm_settings.request_timeout", "> 0",
     "Default timeout of a non-streaming provider call.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.timeout = *x;
     }},
    {"stream_timeout", "seconds", "the deployment's timeout", "> 0",
     "Default longest silence between stream chunks.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.stream_timeout = *x;
     }},
    {"num_retries", "integer", "litellm_settings.num_retries, else 2", "0..10",
     "Retries within a model group after a failed attempt, on another healthy deployment when "
     "there is one.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadInt(v, p, c, 0, 10)) o.num_retries = static_cast<int>(*x);
     }},
    {"retry_after", "seconds", "0", ">= 0",
     "Smallest wait before retrying on a deployment already tried (a provider's Retry-After "
     "wins when longer).",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadNumber(v, p, c, 0, true, 3600)) o.retry_after = Millis(int64_t(*x * 1000));
     }},
    {"allowed_fails", "integer", "3", "0..1000",
     "Cooldown-eligible failures (429, 401, 404, 408, 5xx, timeouts) a deployment may have "
     "within allowed_fails_window before it is cooled down; 0 cools on the first.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadInt(v, p, c, 0, 1000)) o.allowed_fails = static_cast<int>(*x);
     }},
    {"allowed_fails_window", "seconds", "60", "> 0",
     "llmgw: the window in which allowed_fails are counted.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.allowed_fails_window = *x;
     }},
    {"cooldown_time", "seconds", "5", "> 0",
     "How long a failing deployment is skipped (a provider's longer Retry-After wins); then "
     "one trial request decides whether it is back.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.cooldown_time = *x;
     }},
    {"disable_cooldowns", "boolean", "false", "",
     "Never cool deployments down (failures are still retried and fall back).",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadBool(v, p, c)) o.disable_cooldowns = *x;
     }},
    {"max_fallbacks", "integer", "5", "0..20", "Most fallback groups one request tries.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadInt(v, p, c, 0, 20)) o.max_fallbacks = static_cast<int>(*x);
     }},
    {"fallbacks", "list of {group: [groups]}", "[]", "groups of model_list; `*` for every group",
     "Groups tried in order when a group's retries are exhausted (429, 5xx, timeouts, 401, 404).",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadFallbackRules(v, p, c)) o.fallbacks.general = *x;
     }},
    {"context_window_fallbacks", "list of {group: [groups]}", "[]", "groups of model_list",
     "Groups tried when the prompt does not fit the group's context window.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadFallbackRules(v, p, c)) o.fallbacks.context_window = *x;
     }},
    {"content_policy_fallbacks", "list of {group: [groups]}", "[]", "groups of model_list",
     "Groups tried when the provider refuses the content (content policy violation).",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadFallbackRules(v, p, c)) o.fallbacks.content_policy = *x;
     }},
    {"default_fallbacks", "list of groups", "[]", "groups of model_list",
     "Fallbacks of every group that has no entry in fallbacks.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadStringList(v, p, c)) o.fallbacks.default_fallbacks = *x;
     }},
    {"model_group_alias", "map of alias: group (or {model, hidden})", "{}", "groups of model_list",
     "Other names a model group answers to; hidden aliases are not listed by /v1/models.",
     ParseAliases},
    {"enable_pre_call_checks", "boolean", "false", "",
     "Skip deployments whose context window (model_info.max_input_tokens, else max_tokens) is "
     "smaller than the prompt's estimated tokens.",
     [](const YAML::Node& v, const std::string& p, Context& c, RouterSettings& o) {
       if (auto x = ReadBool(v, p, c)) o.enable_pre_call_checks = *x;
     }},
    LLMGW_KNOWN("retry_policy"), LLMGW_KNOWN("allowed_fails_policy"),
    LLMGW_KNOWN("optional_pre_call_checks"), LLMGW_KNOWN("redis_host"),
    LLMGW_KNOWN("redis_port"), LLMGW_KNOWN("redis_password"), LLMGW_KNOWN("redis_url"),
    LLMGW_KNOWN("provider_budget_config"), LLMGW_KNOWN("enable_tag_filtering"),
    LLMGW_KNOWN("caching_groups"), LLMGW_KNOWN("client_ttl"),
    LLMGW_KNOWN("default_max_parallel_requests"), LLMGW_KNOWN("cache_responses"),
    LLMGW_KNOWN("set_verbose"), LLMGW_KNOWN("debug_level"),
};

#undef LLMGW_KNOWN

}  // namespace

std::optional<std::vector<FallbackRule>> ReadFallbackRules(const YAML::Node& n,
                                                           const std::string& path, Context& ctx) {
  if (!n.IsSequence()) {
    ctx.Error(n, path, "expected a list of {group: [fallback groups]}");
    return std::nullopt;
  }
  std::vector<FallbackRule> out;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string at = absl::StrCat(path, "[", i, "]");
    if (!n[i].IsMap() || n[i].size() != 1) {
      ctx.Error(n[i], at, "expected one {group: [fallback groups]} entry");
      continue;
    }
    auto it = n[i].begin();
    FallbackRule rule{.from = it->first.Scalar(), .path = at};
    auto to = ReadStringList(it->second, Join(at, rule.from), ctx);
    if (!to) continue;
    rule.to = *to;
    out.push_back(std::move(rule));
  }
  return out;
}

void ParseRouterSettings(const YAML::Node& node, Context& ctx, Config& out) {
  ParseMapping<RouterSettings>(node, "router_settings", kRouter, ctx, out.router_settings);
}

void DocumentRouterSettings(std::vector<DocumentedField>& out) {
  Document<RouterSettings>("router_settings", kRouter, out);
}

namespace {

bool IsGroup(const Config& c, const std::string& name) {
  return std::any_of(c.model_list.begin(), c.model_list.end(),
                     [&](const Deployment& d) { return d.model_name == name || d.id == name; }) ||
         c.router_settings.model_group_alias.count(name) > 0;
}

void CheckRules(const std::vector<FallbackRule>& rules, Context& ctx, const Config& c) {
  // Checked after parsing, when the node is gone: the message names the path only.
  const YAML::Node root(YAML::NodeType::Undefined);
  for (const auto& r : rules) {
    if (r.from != "*" && !IsGroup(c, r.from)) {
      ctx.Error(root, Join(r.path, r.from), absl::StrCat("'", r.from, "' is not a model group"));
    }
    for (size_t i = 0; i < r.to.size(); ++i) {
      if (!IsGroup(c, r.to[i])) {
        ctx.Error(root, absl::StrCat(Join(r.path, r.from), "[", i, "]"),
                  absl::StrCat("'", r.to[i], "' is not a model group or deployment id"));
      }
    }
  }
}

}  // namespace

void ResolveRouterSettings(Context& ctx, Config& c) {
  const YAML::Node root(YAML::NodeType::Undefined);
  auto& r = c.router_settings;
  const auto& l = c.litellm_settings;
  if (!r.num_retries) r.num_retries = l.num_retries.value_or(2);
  if (r.fallbacks.empty()) r.fallbacks = l.fallbacks;
  // A model_list entry that failed to parse would make every name check below misfire.
  for (const auto& e : ctx.errors()) {
    if (absl::StrContains(e, ": model_list[")) return;
  }
  for (const auto& [alias, a] : r.model_group_alias) {
    bool found = std::any_of(c.model_list.begin(), c.model_list.end(),
                             [&](const Deployment& d) { return d.model_name == a.model_group; });
    if (!found) {
      ctx.Error(root, Join("router_settings.model_group_alias", alias),
                absl::StrCat("'", a.model_group, "' is not a model group of model_list"));
    }
  }
  CheckRules(r.fallbacks.general, ctx, c);
  CheckRules(r.fallbacks.context_window, ctx, c);
  CheckRules(r.fallbacks.content_policy, ctx, c);
  for (size_t i = 0; i < r.fallbacks.default_fallbacks.size(); ++i) {
    if (!IsGroup(c, r.fallbacks.default_fallbacks[i])) {
      ctx.Error(root, absl::StrCat("router_settings.default_fallbacks[", i, "]"),
                absl::StrCat("'", r.fallbacks.default_fallbacks[i], "' is not a model group"));
    }
  }
}

}  // namespace llmgw::config::internal
