// Chat Completions requests: client JSON -> proto (strict), proto -> upstream JSON.
#include <set>

#include "llmgw/providers/openai_json.h"
#include "message_json.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: the JSON helpers of this library

// LiteLLM-proxy request fields that steer the gateway and must not reach a provider.
const std::set<std::string, std::less<>>& GatewayOnlyFields() {
  static const std::set<std::string, std::less<>> f = {
      "mock_response", "metadata",  "fallbacks", "num_retries", "context_window_fallback_dict",
      "guardrails",    "cache",     "caching",   "tags",        "mock_testing_fallbacks",
      "mock_testing_rate_limit_error"};
  return f;
}

absl::Status ParseTools(const json::value& v, ChatCompletionRequest* out) {
  if (!v.is_array()) return BadField("tools", "expected an array");
  const auto& arr = v.get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = absl::StrCat("tools[", i, "]");
    if (!arr[i].is_object()) return BadField(p, "expected an object");
    const auto& o = arr[i].get_object();
    auto* tool = out->add_tools();
    tool->set_type(StringOr(o, "type", "function"));
    const json::object* fn = ObjectAt(o, "function");
    if (fn == nullptr) return BadField(p + ".function", "required object");
    if (StringOr(*fn, "name").empty()) return BadField(p + ".function.name", "required string");
    auto* def = tool->mutable_function();
    def->set_name(StringOr(*fn, "name"));
    def->set_description(StringOr(*fn, "description"));
    if (auto it = fn->find("parameters"); it != fn->end()) {
      if (!it->value().is_object()) return BadField(p + ".function.parameters", "expected an object");
      def->set_parameters_json(json::serialize(it->value()));
    }
    if (auto it = fn->find("strict"); it != fn->end() && it->value().is_bool()) {
      def->set_strict(it->value().get_bool());
    }
  }
  return absl::OkStatus();
}

absl::Status ParseToolChoice(const json::value& v, ChatCompletionRequest* out) {
  if (v.is_string()) {
    std::string mode(View(v.get_string()));
    if (mode != "auto" && mode != "none" && mode != "required") {
      return BadField("tool_choice", "expected 'auto', 'none', 'required' or a function object");
    }
    out->mutable_tool_choice()->set_mode(mode);
    return absl::OkStatus();
  }
  if (v.is_object()) {
    const json::object* fn = ObjectAt(v.get_object(), "function");
    if (fn == nullptr || StringOr(*fn, "name").empty()) {
      return BadField("tool_choice.function.name", "required string");
    }
    out->mutable_tool_choice()->set_function_name(StringOr(*fn, "name"));
    return absl::OkStatus();
  }
  return BadField("tool_choice", absl::StrCat("expected a string or an object, got ", KindName(v)));
}

}  // namespace

absl::Status ParseCacheControl(const json::value& v, common::v1::CacheControl* out) {
  if (!v.is_object()) return BadField("cache", absl::StrCat("expected an object, got ", KindName(v)));
  for (const auto& kv : v.get_object()) {
    std::string key(View(kv.key()));
    std::string param = "cache." + key;
    const json::value& x = kv.value();
    bool b = false;
    int64_t i = 0;
    if (key == "no-cache" || key == "no-store" || key == "use-cache") {
      LLMGW_TRY(ExpectBool(x, param, &b));
      if (key == "no-cache") out->set_no_cache(b);
      if (key == "no-store") out->set_no_store(b);
      if (key == "use-cache") out->set_use_cache(b);
    } else if (key == "ttl" || key == "s-maxage") {
      LLMGW_TRY(ExpectInt(x, param, &i));
      if (i < 0) return BadField(param, "must be >= 0 (seconds)");
      key == "ttl" ? out->set_ttl_seconds(i) : out->set_s_maxage_seconds(i);
    } else if (key == "namespace") {
      LLMGW_TRY(ExpectString(x, param, out->mutable_cache_namespace()));
    } else {
      return BadField(param, "unknown cache control; expected no-cache, no-store, ttl, "
                             "s-maxage, namespace or use-cache");
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status ParseField(std::string_view key, const json::value& v, ChatCompletionRequest* r,
                        json::object* extra) {
  std::string k(key);
  double d = 0;
  int64_t i = 0;
  bool b = false;
  if (key == "model") {
    LLMGW_TRY(ExpectString(v, k, r->mutable_model()));
  } else if (key == "messages") {
    if (!v.is_array()) return BadField(k, absl::StrCat("expected an array, got ", KindName(v)));
    const auto& arr = v.get_array();
    for (size_t n = 0; n < arr.size(); ++n) {
      LLMGW_TRY(ParseMessage(arr[n], absl::StrCat("messages[", n, "]"), true, r->add_messages()));
    }
  } else if (v.is_null()) {
    // Explicit null means "not set" for every optional OpenAI parameter.
  } else if (key == "temperature") {
    LLMGW_TRY(ExpectNumber(v, k, &d));
    if (d < 0 || d > 2) return BadField(k, "must be between 0 and 2");
    r->set_temperature(d);
  } else if (key == "top_p") {
    LLMGW_TRY(ExpectNumber(v, k, &d));
    if (d < 0 || d > 1) return BadField(k, "must be between 0 and 1");
    r->set_top_p(d);
  } else if (key == "max_tokens" || key == "max_completion_tokens") {
    LLMGW_TRY(ExpectInt(v, k, &i));
    if (i < 1) return BadField(k, "must be >= 1");
    key == "max_tokens" ? r->set_max_tokens(i) : r->set_max_completion_tokens(i);
  } else if (key == "n") {
    LLMGW_TRY(ExpectInt(v, k, &i));
    if (i < 1 || i > 128) return BadField(k, "must be between 1 and 128");
    r->set_n(i);
  } else if (key == "stop") {
    if (v.is_string()) {
      r->add_stop(std::string(View(v.get_string())));
    } else if (v.is_array()) {
      for (const auto& s : v.get_array()) {
        if (!s.is_string()) return BadField(k, "expected a string or an array of strings");
        r->add_stop(std::string(View(s.get_string())));
      }
      if (r->stop_size() > 4) return BadField(k, "at most 4 stop sequences");
    } else {
      return BadField(k, "expected a string or an array of strings");
    }
  } else if (key == "seed") {
    LLMGW_TRY(ExpectInt(v, k, &i));
    r->set_seed(i);
  } else if (key == "user") {
    LLMGW_TRY(ExpectString(v, k, r->mutable_user()));
  } else if (key == "presence_penalty" || key == "frequency_penalty") {
    LLMGW_TRY(ExpectNumber(v, k, &d));
    if (d < -2 || d > 2) return BadField(k, "must be between -2 and 2");
    key == "presence_penalty" ? r->set_presence_penalty(d) : r->set_frequency_penalty(d);
  } else if (key == "tools") {
    LLMGW_TRY(ParseTools(v, r));
  } else if (key == "tool_choice") {
    LLMGW_TRY(ParseToolChoice(v, r));
  } else if (key == "parallel_tool_calls") {
    LLMGW_TRY(ExpectBool(v, k, &b));
    r->set_parallel_tool_calls(b);
  } else if (key == "response_format") {
    if (!v.is_object()) return BadField(k, "expected an object");
    r->set_response_format_json(json::serialize(v));
  } else if (key == "stream") {
    LLMGW_TRY(ExpectBool(v, k, &b));
    r->set_stream(b);
  } else if (key == "stream_options") {
    if (!v.is_object()) return BadField(k, "expected an object");
    if (auto it = v.get_object().find("include_usage"); it != v.get_object().end()) {
      LLMGW_TRY(ExpectBool(it->value(), "stream_options.include_usage", &b));
      r->mutable_stream_options()->set_include_usage(b);
    }
  } else if (key == "logprobs") {
    LLMGW_TRY(ExpectBool(v, k, &b));
    r->set_logprobs(b);
  } else if (key == "top_logprobs") {
    LLMGW_TRY(ExpectInt(v, k, &i));
    if (i < 0 || i > 20) return BadField(k, "must be between 0 and 20");
    r->set_top_logprobs(i);
  } else if (key == "cache") {
    LLMGW_TRY(ParseCacheControl(v, r->mutable_cache()));
  } else {
    (*extra)[key] = v;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ChatCompletionRequest> ParseChatRequest(std::string_view body,
                                                       std::string_view default_model) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return BadField("body", "expected a JSON object");
  ChatCompletionRequest r;
  json::object extra;
  for (const auto& kv : parsed->get_object()) {
    LLMGW_TRY(ParseField(std::string_view(kv.key().data(), kv.key().size()), kv.value(), &r, &extra));
  }
  if (r.model().empty()) r.set_model(std::string(default_model));
  if (r.model().empty()) return BadField("model", "you must provide a model parameter");
  if (r.messages_size() == 0) return BadField("messages", "must be a non-empty array");
  if (!extra.empty()) r.set_extra_json(json::serialize(extra));
  return r;
}

std::string ChatRequestToJson(const ChatCompletionRequest& r, const UpstreamRequestOptions& opt) {
  json::object o;
  o["model"] = opt.model.empty() ? r.model() : opt.model;
  json::array messages;
  for (const auto& m : r.messages()) messages.push_back(MessageToJson(m, false));
  o["messages"] = std::move(messages);
  if (r.has_temperature()) o["temperature"] = r.temperature();
  if (r.has_top_p()) o["top_p"] = r.top_p();
  if (r.has_max_tokens()) o["max_tokens"] = r.max_tokens();
  if (r.has_max_completion_tokens()) o["max_completion_tokens"] = r.max_completion_tokens();
  if (r.has_n()) o["n"] = r.n();
  if (r.stop_size() > 0) {
    json::array stop;
    for (const auto& s : r.stop()) stop.push_back(json::string(s));
    o["stop"] = std::move(stop);
  }
  if (r.has_seed()) o["seed"] = r.seed();
  if (!r.user().empty()) o["user"] = r.user();
  if (r.has_presence_penalty()) o["presence_penalty"] = r.presence_penalty();
  if (r.has_frequency_penalty()) o["frequency_penalty"] = r.frequency_penalty();
  if (r.tools_size() > 0) {
    json::array tools;
    for (const auto& t : r.tools()) {
      json::object fn{{"name", t.function().name()}};
      if (!t.function().description().empty()) fn["description"] = t.function().description();
      if (!t.function().parameters_json().empty()) {
        boost::system::error_code ec;
        json::value p = json::parse(t.function().parameters_json(), ec);
        if (!ec) fn["parameters"] = std::move(p);
      }
      if (t.function().has_strict()) fn["strict"] = t.function().strict();
      tools.push_back(json::object{{"type", t.type().empty() ? "function" : t.type()},
                                   {"function", std::move(fn)}});
    }
    o["tools"] = std::move(tools);
  }
  if (r.has_tool_choice()) {
    if (r.tool_choice().has_mode()) {
      o["tool_choice"] = r.tool_choice().mode();
    } else if (r.tool_choice().has_function_name()) {
      o["tool_choice"] = json::object{{"type", "function"},
                                      {"function", json::object{{"name", r.tool_choice().function_name()}}}};
    }
  }
  if (r.has_parallel_tool_calls()) o["parallel_tool_calls"] = r.parallel_tool_calls();
  if (!r.response_format_json().empty()) {
    boost::system::error_code ec;
    json::value f = json::parse(r.response_format_json(), ec);
    if (!ec) o["response_format"] = std::move(f);
  }
  if (r.has_logprobs()) o["logprobs"] = r.logprobs();
  if (r.has_top_logprobs()) o["top_logprobs"] = r.top_logprobs();
  if (!r.extra_json().empty()) {
    boost::system::error_code ec;
    json::value extra = json::parse(r.extra_json(), ec);
    if (!ec && extra.is_object()) {
      for (const auto& kv : extra.get_object()) {
        std::string_view key(kv.key().data(), kv.key().size());
        if (GatewayOnlyFields().count(key) || o.contains(kv.key())) continue;
        o[kv.key()] = kv.value();
      }
    }
  }
  if (r.stream()) {
    o["stream"] = true;
    bool usage = opt.force_stream_usage ||
                 (r.has_stream_options() && r.stream_options().include_usage());
    if (usage) o["stream_options"] = json::object{{"include_usage", true}};
  }
  return json::serialize(o);
}

}  // namespace llmgw::providers
