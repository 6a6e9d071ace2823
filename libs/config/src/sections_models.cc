// model_list: one entry per deployment, with litellm_params and model_info.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "llmgw/common/crypto.h"
#include "providers.h"
#include "reader.h"

namespace llmgw::config::internal {
namespace {

bool ValidUrl(const std::string& url) {
  return (absl::StartsWith(url, "http://") && url.size() > 7) ||
         (absl::StartsWith(url, "https://") && url.size() > 8);
}

using P = LitellmParams;

void ParseModel(const YAML::Node& v, const std::string& path, Context& ctx, P& out) {
  auto s = ReadString(v, path, ctx);
  if (!s) return;
  if (s->empty()) {
    ctx.Error(v, path, "must not be empty");
    return;
  }
  out.model = *s;
  auto slash = s->find('/');
  if (slash == std::string::npos) {
    // LiteLLM reads a bare name ("gpt-4o") as an OpenAI model.
    out.provider = "openai";
    out.wire = "openai";
    out.upstream_model = *s;
    return;
  }
  out.provider = s->substr(0, slash);
  out.upstream_model = s->substr(slash + 1);
  if (out.upstream_model.empty()) {
    ctx.Error(v, path, absl::StrCat("'", *s, "' names no model after '", out.provider, "/'"));
    return;
  }
  if (const ProviderSpec* spec = FindProvider(out.provider)) {
    out.wire = spec->wire;
    return;
  }
  if (KnownUnimplementedProvider(out.provider)) {
    ctx.Warn(path, absl::StrCat("provider '", out.provider,
                                "' is not implemented by llmgw yet; calls to this deployment "
                                "fail with 501 not_implemented"));
    return;
  }
  std::string message = absl::StrCat("unknown provider '", out.provider, "'");
  if (auto guess = DidYouMean(out.provider, AllProviderNames())) message += "; did you mean '" + *guess + "'?";
  ctx.Error(v, path, message);
}

const Field<P> kLitellmParams[] = {
    {"model", "string", "(required)", "`<provider>/<model>`; see docs/providers.md for the providers",
     "Which provider and model the deployment calls. A bare name means `openai/`.", ParseModel},
    {"api_key", "string (secret)", "none", "", "Provider credential; use `os.environ/NAME`.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto s = ReadString(v, p, c)) o.api_key = *s;
     }},
    {"api_base", "URL", "provider default", "http:// or https://",
     "Base URL of the provider (any OpenAI-compatible server for `openai/`; the Azure resource for `azure/`; required for `azure/`, `hosted_vllm/`, `openai_like/`).",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       auto s = ReadString(v, p, c);
       if (!s) return;
       if (!ValidUrl(*s)) {
         c.Error(v, p, absl::StrCat("expected an http:// or https:// URL, got '", *s, "'"));
         return;
       }
       while (!s->empty() && s->back() == '/') s->pop_back();
       o.api_base = *s;
     }},
    {"api_version", "string", "none", "", "Provider API version: Azure's `api-version` (default 2024-10-21), Anthropic's `anthropic-version`.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto s = ReadString(v, p, c)) o.api_version = *s;
     }},
    {"organization", "string", "none", "", "OpenAI organization, sent as `OpenAI-Organization`.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto s = ReadString(v, p, c)) o.organization = *s;
     }},
    {"rpm", "integer", "none", "> 0",
     "Requests per minute the deployment takes; weights simple-shuffle when no weight is set.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadInt(v, p, c, 1)) o.rpm = *x;
     }},
    {"tpm", "integer", "none", "> 0",
     "Tokens per minute the deployment takes; weights simple-shuffle when neither weight nor rpm is set.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadInt(v, p, c, 1)) o.tpm = *x;
     }},
    {"weight", "number", "1 when another deployment of the group has one", "> 0",
     "Relative share of the group's traffic under simple-shuffle.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadNumber(v, p, c, 0, false)) o.weight = *x;
     }},
    {"timeout", "seconds", "router_settings.timeout", "> 0",
     "Longest a non-streaming call may take before it fails with 504.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadSeconds(v, p, c)) o.timeout = *x;
     }},
    {"stream_timeout", "seconds", "router_settings.stream_timeout", "> 0",
     "Longest silence between two chunks of a stream before it fails.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadSeconds(v, p, c)) o.stream_timeout = *x;
     }},
    {"input_cost_per_token", "USD", "none", ">= 0, <= 1",
     "Price of one prompt token; overrides model_info.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadPrice(v, p, c)) o.input_cost_per_token = *x;
     }},
    {"output_cost_per_token", "USD", "none", ">= 0, <= 1",
     "Price of one completion token; overrides model_info.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadPrice(v, p, c)) o.output_cost_per_token = *x;
     }},
    {"region_name", "string", "none", "", "Region label of the deployment (reported, not routed on yet).",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto s = ReadString(v, p, c)) o.region_name = *s;
     }},
    {"extra_headers", "map of strings", "none", "", "HTTP headers added to every provider call.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto m = ReadStringMap(v, p, c)) o.extra_headers = *m;
     }},
    {"mock_response", "string", "generated text", "",
     "`mock/` only: the exact completion text to answer with.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto s = ReadString(v, p, c)) o.mock_response = *s;
     }},
    {"mock_latency_ms", "milliseconds", "0", ">= 0",
     "`mock/` only (llmgw extension): delay before the answer or the first chunk.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadMillis(v, p, c)) o.mock_latency = *x;
     }},
    {"mock_chunk_delay_ms", "milliseconds", "0", ">= 0",
     "`mock/` only (llmgw extension): delay between stream chunks.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadMillis(v, p, c)) o.mock_chunk_delay = *x;
     }},
    {"max_retries", "", "", "", "", nullptr},
    {"max_parallel_requests", "", "", "", "", nullptr},
    {"cooldown_time", "seconds", "router_settings.cooldown_time", ">= 0",
     "This deployment's cooldown after allowed_fails failures; 0 never cools it down.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadNumber(v, p, c, 0, true, 86400)) o.cooldown_time = Millis(int64_t(*x * 1000));
     }},
    {"order", "integer", "none (after every ordered deployment)", ">= 1",
     "Priority: the router uses the lowest order with a healthy deployment and moves to the "
     "next order only when all of those fail or cool down.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadInt(v, p, c, 1)) o.order = *x;
     }},
    {"num_retries", "", "", "", "", nullptr},
    {"tags", "", "", "", "", nullptr},
    {"drop_params", "boolean", "litellm_settings.drop_params", "",
     "Drop request parameters this deployment's provider does not support instead of answering 400.",
     [](const YAML::Node& v, const std::string& p, Context& c, P& o) {
       if (auto x = ReadBool(v, p, c)) o.drop_params = *x;
     }},
    {"additional_drop_params", "", "", "", "", nullptr},
    {"temperature", "", "", "", "", nullptr},
    {"max_tokens", "", "", "", "", nullptr},
    {"aws_access_key_id", "", "", "", "", nullptr},
    {"aws_secret_access_key", "", "", "", "", nullptr},
    {"aws_region_name", "", "", "", "", nullptr},
    {"vertex_project", "", "", "", "", nullptr},
    {"vertex_location", "", "", "", "", nullptr},
    {"vertex_credentials", "", "", "", "", nullptr},
    {"litellm_credential_name", "", "", "", "", nullptr},
    {"use_in_pass_through", "", "", "", "", nullptr},
    {"merge_reasoning_content_in_choices", "", "", "", "", nullptr},
    {"cache_creation_input_token_cost", "", "", "", "", nullptr},
    {"cache_read_input_token_cost", "", "", "", "", nullptr},
    {"input_cost_per_second", "", "", "", "", nullptr},
    {"output_cost_per_second", "", "", "", "", nullptr},
};

using I = ModelInfo;

const Field<I> kModelInfo[] = {
    {"id", "string", "hash of the entry", "unique across model_list",
     "Deployment id used in logs, metrics and x-litellm-model-id.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto s = ReadString(v, p, c)) o.id = *s;
     }},
    {"mode", "string", "chat", "chat, completion, embedding, ...",
     "What the deployment serves; reported by the router.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto s = ReadString(v, p, c)) o.mode = *s;
     }},
    {"base_model", "string", "none", "", "The underlying model, for price and context lookups.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto s = ReadString(v, p, c)) o.base_model = *s;
     }},
    {"access_groups", "list of strings", "[]", "", "Named groups a key can be given access to.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto l = ReadStringList(v, p, c)) o.access_groups = *l;
     }},
    {"input_cost_per_token", "USD", "none", ">= 0, <= 1", "Price of one prompt token.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadPrice(v, p, c)) o.input_cost_per_token = *x;
     }},
    {"output_cost_per_token", "USD", "none", ">= 0, <= 1", "Price of one completion token.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadPrice(v, p, c)) o.output_cost_per_token = *x;
     }},
    {"max_tokens", "integer", "none", "> 0", "Largest completion the model produces.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadInt(v, p, c, 1)) o.max_tokens = *x;
     }},
    {"max_input_tokens", "integer", "none", "> 0", "Context window (prompt tokens).",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadInt(v, p, c, 1)) o.max_input_tokens = *x;
     }},
    {"max_output_tokens", "integer", "none", "> 0", "Largest completion the model produces.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadInt(v, p, c, 1)) o.max_output_tokens = *x;
     }},
    {"health_check_timeout", "seconds", "60", "> 0",
     "How long a background health probe of this deployment may take before it counts as unhealthy.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadSeconds(v, p, c)) o.health_check_timeout = *x;
     }},
    {"health_check_model", "string", "the upstream model", "",
     "The provider-side model a background health probe calls instead of litellm_params.model's (e.g. a cheaper sibling).",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto s = ReadString(v, p, c)) o.health_check_model = *s;
     }},
    {"health_check_max_tokens", "integer", "1", "1..4096",
     "max_tokens of the background chat probe. Setting it makes the probe a chat call even for a reasoning model (which otherwise gets a zero-token model lookup).",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadInt(v, p, c, 1, 4096)) o.health_check_max_tokens = *x;
     }},
    {"allowed_fails", "", "", "", "", nullptr},
    {"allowed_fails_policy", "", "", "", "", nullptr},
    {"supports_vision", "", "", "", "", nullptr},
    {"supports_function_calling", "", "", "", "", nullptr},
    {"supports_response_schema", "", "", "", "", nullptr},
    {"supports_prompt_caching", "", "", "", "", nullptr},
    {"supports_reasoning", "boolean", "the built-in model table", "",
     "Whether the model reasons on every call. A reasoning model's background health probe is a zero-token model lookup, never a prompt it would think about.",
     [](const YAML::Node& v, const std::string& p, Context& c, I& o) {
       if (auto x = ReadBool(v, p, c)) o.supports_reasoning = *x;
     }},
    {"litellm_provider", "", "", "", "", nullptr},
    {"tier", "", "", "", "", nullptr},
    {"description", "", "", "", "", nullptr},
};

struct Entry {
  std::string model_name;
  bool has_params = false;
  LitellmParams params;
  ModelInfo info;
};

const Field<Entry> kEntry[] = {
    {"model_name", "string", "(required)", "non-empty",
     "The public name clients send as `model`; entries sharing it form one model group.",
     [](const YAML::Node& v, const std::string& p, Context& c, Entry& o) {
       auto s = ReadString(v, p, c);
       if (!s) return;
       if (s->empty()) c.Error(v, p, "must not be empty");
       o.model_name = *s;
     }},
    {"litellm_params", "mapping", "(required)", "", "How to call the deployment (below).",
     [](const YAML::Node& v, const std::string& p, Context& c, Entry& o) {
       o.has_params = true;
       ParseMapping<P>(v, p, kLitellmParams, c, o.params);
     }},
    {"model_info", "mapping", "{}", "", "What the deployment is (below).",
     [](const YAML::Node& v, const std::string& p, Context& c, Entry& o) {
       ParseMapping<I>(v, p, kModelInfo, c, o.info);
     }},
};

// Stable default id: a hash of what identifies the entry, without its secret.
std::string DefaultId(const Entry& e, size_t index) {
  return Sha256Hex(absl::StrCat(e.model_name, "|", e.params.model, "|", e.params.api_base, "|",
                                e.params.api_version, "|", index))
      .substr(0, 16);
}

// The provider's default api_base, the ones it requires, and Ollama's /v1.
void ResolveBase(const YAML::Node& entry, const std::string& path, Context& ctx, P& p) {
  const ProviderSpec* spec = FindProvider(p.provider);
  if (spec == nullptr) return;
  if (p.api_base.empty()) {
    if (spec->needs_base) {
      ctx.Error(entry["litellm_params"], Join(path, "litellm_params.api_base"),
                absl::StrCat("required for provider '", p.provider, "' (it has no public endpoint)"));
      return;
    }
    p.api_base = spec->default_base;
  }
  if (spec->append_v1 && !p.api_base.empty() && !absl::EndsWith(p.api_base, "/v1")) p.api_base += "/v1";
}

}  // namespace

void ParseModelList(const YAML::Node& node, Context& ctx, Config& out) {
  if (!node.IsSequence()) {
    ctx.Error(node, "model_list", "expected a list of deployments");
    return;
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string path = absl::StrCat("model_list[", i, "]");
    Entry e;
    size_t errors_before = ctx.errors().size();
    ParseMapping<Entry>(node[i], path, kEntry, ctx, e);
    if (!node[i].IsMap()) continue;
    if (!node[i]["model_name"]) ctx.Error(node[i], Join(path, "model_name"), "required");
    if (!e.has_params) {
      ctx.Error(node[i], Join(path, "litellm_params"), "required");
    } else if (!node[i]["litellm_params"]["model"]) {
      ctx.Error(node[i]["litellm_params"], Join(path, "litellm_params.model"), "required");
    }
    if (ctx.errors().size() == errors_before) ResolveBase(node[i], path, ctx, e.params);
    if (ctx.errors().size() != errors_before) continue;
    Deployment d;
    d.model_name = e.model_name;
    d.params = std::move(e.params);
    d.info = std::move(e.info);
    d.path = path;
    d.id = d.info.id.empty() ? DefaultId(e, i) : d.info.id;
    if (!ids.insert(d.id).second) {
      ctx.Error(node[i]["model_info"]["id"], Join(path, "model_info.id"),
                absl::StrCat("duplicate deployment id '", d.id, "'"));
      continue;
    }
    out.model_list.push_back(std::move(d));
  }
}

void DocumentModelList(std::vector<DocumentedField>& out) {
  Document<Entry>("model_list[]", kEntry, out);
  Document<P>("model_list[].litellm_params", kLitellmParams, out);
  Document<I>("model_list[].model_info", kModelInfo, out);
}

}  // namespace llmgw::config::internal
