#include "llmgw/providers/gemini_json.h"

#include <chrono>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "codec_util.h"
#include "llmgw/common/ids.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: json helpers
using common::v1::ChatMessage;




absl::StatusOr<json::array> Parts(const ChatMessage& m, const std::string& param) {
  json::array parts;
  if (m.has_text()) {
    if (!m.text().empty()) parts.push_back(json::object{{"text", m.text()}});
    return parts;
  }
  for (int i = 0; i < m.parts().parts_size(); ++i) {
    const auto& p = m.parts().parts(i);
    std::string at = absl::StrCat(param, ".content[", i, "]");
    if (p.has_text()) {
      parts.push_back(json::object{{"text", p.text()}});
    } else if (p.has_image_url() && absl::StartsWith(p.image_url().url(), "data:")) {
      const std::string& url = p.image_url().url();
      auto semi = url.find(";base64,");
      if (semi == std::string::npos) return BadField(at, "image data URLs must be base64");
      parts.push_back(json::object{
          {"inlineData", json::object{{"mimeType", url.substr(5, semi - 5)}, {"data", url.substr(semi + 8)}}}});
    } else if (p.has_image_url()) {
      parts.push_back(json::object{{"fileData", json::object{{"fileUri", p.image_url().url()}}}});
    } else {
      return BadField(at, "this content part type is not supported by Gemini models");
    }
  }
  return parts;
}


}  // namespace

absl::StatusOr<std::string> GeminiRequestJson(const common::v1::ChatCompletionRequest& r,
                                              const GeminiRequestOptions& o) {
  std::vector<std::string> unsupported;
  if (r.has_logprobs() && r.logprobs()) unsupported.push_back("logprobs");
  if (r.has_top_logprobs()) unsupported.push_back("top_logprobs");
  if (r.has_n() && r.n() != 1) unsupported.push_back("n");
  if (!r.extra_json().empty()) {
    json::value extra = ParseOr(r.extra_json(), json::object{});
    if (extra.is_object()) {
      for (const auto& kv : extra.get_object()) {
        if (kv.key() != "mock_response") unsupported.push_back(std::string(kv.key()));
      }
    }
  }
  if (!unsupported.empty() && !o.drop_params) return UnsupportedParam(unsupported.front(), "Gemini");

  json::object out;
  std::string system;
  json::array contents;
  std::map<std::string, std::string> call_names;  // tool_call id -> function name
  for (int i = 0; i < r.messages_size(); ++i) {
    const ChatMessage& m = r.messages(i);
    std::string param = absl::StrCat("messages[", i, "]");
    switch (m.role()) {
      case common::v1::CHAT_ROLE_SYSTEM:
      case common::v1::CHAT_ROLE_DEVELOPER:
        if (!system.empty()) system += "\n\n";
        system += MessageText(m);
        break;
      case common::v1::CHAT_ROLE_USER: {
        auto parts = Parts(m, param);
        if (!parts.ok()) return parts.status();
        AppendTurn(contents, "user", "parts", std::move(*parts));
        break;
      }
      case common::v1::CHAT_ROLE_ASSISTANT: {
        auto parts = Parts(m, param);
        if (!parts.ok()) return parts.status();
        for (int t = 0; t < m.tool_calls_size(); ++t) {
          const auto& call = m.tool_calls(t);
          auto args = ToolArguments(call, absl::StrCat(param, ".tool_calls[", t, "].function.arguments"),
                                    "Gemini");
          if (!args.ok()) return args.status();
          call_names[call.id()] = call.function().name();
          parts->push_back(json::object{
              {"functionCall", json::object{{"name", call.function().name()}, {"args", std::move(*args)}}}});
        }
        AppendTurn(contents, "model", "parts", std::move(*parts));
        break;
      }
      case common::v1::CHAT_ROLE_TOOL: {
        auto name = call_names.find(m.tool_call_id());
        if (name == call_names.end()) {
          return BadField(param + ".tool_call_id",
                          "names no tool call of an earlier assistant message (Gemini needs the function name)");
        }
        // functionResponse.response must be an object: JSON objects go as they are.
        json::value result = ParseOr(MessageText(m), json::value(nullptr));
        json::object response = result.is_object() ? result.get_object() : json::object{{"output", MessageText(m)}};
        json::array parts;
        parts.push_back(json::object{
            {"functionResponse", json::object{{"name", name->second}, {"response", std::move(response)}}}});
        AppendTurn(contents, "user", "parts", std::move(parts));
        break;
      }
      default:
        return BadField(param + ".role", "unknown role");
    }
  }
  if (!system.empty()) out["systemInstruction"] = json::object{{"parts", json::array{json::object{{"text", system}}}}};
  out["contents"] = std::move(contents);
  json::object gen;
  if (r.has_temperature()) gen["temperature"] = r.temperature();
  if (r.has_top_p()) gen["topP"] = r.top_p();
  if (r.has_max_completion_tokens()) {
    gen["maxOutputTokens"] = r.max_completion_tokens();
  } else if (r.has_max_tokens()) {
    gen["maxOutputTokens"] = r.max_tokens();
  }
  if (r.stop_size() > 0) {
    json::array stop;
    for (const auto& s : r.stop()) stop.push_back(json::value(s));
    gen["stopSequences"] = std::move(stop);
  }
  if (r.has_seed()) gen["seed"] = r.seed();
  if (r.has_presence_penalty()) gen["presencePenalty"] = r.presence_penalty();
  if (r.has_frequency_penalty()) gen["frequencyPenalty"] = r.frequency_penalty();
  if (!r.response_format_json().empty()) {
    json::value rf = ParseOr(r.response_format_json(), json::object{});
    std::string type = rf.is_object() ? StringOr(rf.get_object(), "type") : "";
    if (type == "json_object" || type == "json_schema") gen["responseMimeType"] = "application/json";
    if (type == "json_schema") {
      if (const json::object* js = ObjectAt(rf.get_object(), "json_schema")) {
        if (auto s = js->find("schema"); s != js->end()) gen["responseJsonSchema"] = s->value();
      }
    }
  }
  if (!gen.empty()) out["generationConfig"] = std::move(gen);
  if (r.tools_size() > 0) {
    json::array decls;
    for (const auto& t : r.tools()) {
      json::object d{{"name", t.function().name()}};
      if (!t.function().description().empty()) d["description"] = t.function().description();
      if (!t.function().parameters_json().empty()) {
        d["parametersJsonSchema"] = ParseOr(t.function().parameters_json(), json::object{{"type", "object"}});
      }
      decls.push_back(std::move(d));
    }
    out["tools"] = json::array{json::object{{"functionDeclarations", std::move(decls)}}};
  }
  const auto& tc = r.tool_choice();
  if (tc.has_function_name()) {
    out["toolConfig"] = json::object{{"functionCallingConfig",
                                      json::object{{"mode", "ANY"},
                                                   {"allowedFunctionNames", json::array{json::value(tc.function_name())}}}}};
  } else if (tc.has_mode()) {
    std::string mode = tc.mode() == "required" ? "ANY" : tc.mode() == "none" ? "NONE" : "AUTO";
    out["toolConfig"] = json::object{{"functionCallingConfig", json::object{{"mode", mode}}}};
  }
  return json::serialize(out);
}

std::string FinishReasonFromGemini(std::string_view r) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "SAFETY" || r == "RECITATION" || r == "BLOCKLIST" || r == "PROHIBITED_CONTENT" ||
      r == "SPII" || r == "IMAGE_SAFETY") {
    return "content_filter";
  }
  return "stop";
}

namespace {


void ReadUsage(const json::object& u, common::v1::Usage& out) {
  // promptTokenCount includes cached tokens (as OpenAI's does); candidates exclude thoughts.
  out.set_prompt_tokens(IntOr0(u, "promptTokenCount") + IntOr0(u, "toolUsePromptTokenCount"));
  out.set_cached_tokens(IntOr0(u, "cachedContentTokenCount"));
  out.set_reasoning_tokens(IntOr0(u, "thoughtsTokenCount"));
  out.set_completion_tokens(IntOr0(u, "candidatesTokenCount") + out.reasoning_tokens());
  out.set_total_tokens(out.prompt_tokens() + out.completion_tokens());
}


absl::Status Blocked(const json::object& o) {
  const json::object* fb = ObjectAt(o, "promptFeedback");
  std::string reason = fb ? StringOr(*fb, "blockReason", "OTHER") : "OTHER";
  return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                   absl::StrCat("provider blocked the prompt (", reason, "): content_policy_violation"),
                   {.upstream_code = "content_filter", .upstream_status = 400});
}

// Text and function calls of one candidate's parts (thought parts are skipped).
void ReadParts(const json::object& candidate, std::string& text, bool& any_text,
               std::vector<std::pair<std::string, std::string>>& calls) {
  const json::object* content = ObjectAt(candidate, "content");
  const json::array* parts = content ? ArrayAt(*content, "parts") : nullptr;
  if (parts == nullptr) return;
  for (const auto& p : *parts) {
    if (!p.is_object()) continue;
    const json::object& part = p.get_object();
    if (auto t = part.find("thought"); t != part.end() && t->value().is_bool() && t->value().get_bool()) continue;
    if (auto t = part.find("text"); t != part.end() && t->value().is_string()) {
      text += std::string(View(t->value().get_string()));
      any_text = true;
    }
    if (const json::object* fc = ObjectAt(part, "functionCall")) {
      auto args = fc->find("args");
      calls.emplace_back(StringOr(*fc, "name"), args == fc->end() ? "{}" : json::serialize(args->value()));
    }
  }
}

}  // namespace

absl::StatusOr<common::v1::ChatCompletionResponse> ParseGeminiResponse(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return Unreadable("response");
  const json::object& o = v.get_object();
  const json::array* candidates = ArrayAt(o, "candidates");
  if (candidates == nullptr || candidates->empty() || !(*candidates)[0].is_object()) return Blocked(o);
  const json::object& c = (*candidates)[0].get_object();
  common::v1::ChatCompletionResponse out;
  out.set_id("chatcmpl-" + StringOr(o, "responseId", RandomHex(12)));
  out.set_created(NowSeconds());
  out.set_model(StringOr(o, "modelVersion"));
  auto* choice = out.add_choices();
  auto* msg = choice->mutable_message();
  msg->set_role(common::v1::CHAT_ROLE_ASSISTANT);
  std::string text;
  bool any_text = false;
  std::vector<std::pair<std::string, std::string>> calls;
  ReadParts(c, text, any_text, calls);
  for (size_t i = 0; i < calls.size(); ++i) {
    auto* call = msg->add_tool_calls();
    call->set_index(static_cast<int32_t>(i));
    call->set_id(absl::StrCat("call_", RandomHex(12)));  // Gemini calls carry no id
    call->set_type("function");
    call->mutable_function()->set_name(calls[i].first);
    call->mutable_function()->set_arguments(calls[i].second);
  }
  if (any_text || calls.empty()) msg->set_text(text);
  choice->set_finish_reason(calls.empty() ? FinishReasonFromGemini(StringOr(c, "finishReason")) : "tool_calls");
  if (const json::object* u = ObjectAt(o, "usageMetadata")) ReadUsage(*u, *out.mutable_usage());
  return out;
}

absl::Status GeminiStreamDecoder::OnEvent(std::string_view data, const Emit& emit) {
  if (finished_) return absl::OkStatus();
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(data.data(), data.size()), ec);
  if (ec || !v.is_object()) return Unreadable("stream event");
  const json::object& o = v.get_object();
  if (auto e = ObjectAt(o, "error")) {
    return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                     absl::StrCat("provider failed mid-stream: ", StringOr(*e, "message")));
  }
  const json::array* candidates = ArrayAt(o, "candidates");
  if (!started_ && (candidates == nullptr || candidates->empty())) return Blocked(o);
  auto base = [&] {
    common::v1::ChatCompletionChunk c;
    c.set_id(id_);
    c.set_model(model_);
    c.set_created(created_);
    return c;
  };
  if (!started_) {
    started_ = true;
    id_ = "chatcmpl-" + StringOr(o, "responseId", RandomHex(12));
    model_ = StringOr(o, "modelVersion");
    created_ = NowSeconds();
    auto c = base();
    auto* d = c.add_choices()->mutable_delta();
    d->set_role(common::v1::CHAT_ROLE_ASSISTANT);
    d->set_text("");
    emit(std::move(c));
  }
  if (const json::object* u = ObjectAt(o, "usageMetadata")) ReadUsage(*u, usage_);
  if (candidates == nullptr || candidates->empty() || !(*candidates)[0].is_object()) return absl::OkStatus();
  const json::object& cand = (*candidates)[0].get_object();
  std::string text;
  bool any_text = false;
  std::vector<std::pair<std::string, std::string>> calls;
  ReadParts(cand, text, any_text, calls);
  if (!text.empty()) {
    auto c = base();
    c.add_choices()->mutable_delta()->set_text(text);
    emit(std::move(c));
  }
  for (auto& [name, args] : calls) {
    // Gemini sends each call whole: one delta with id, name and all the arguments.
    auto c = base();
    auto* call = c.add_choices()->mutable_delta()->add_tool_calls();
    call->set_index(tools_++);
    call->set_id(absl::StrCat("call_", RandomHex(12)));
    call->set_type("function");
    call->mutable_function()->set_name(name);
    call->mutable_function()->set_arguments(args);
    emit(std::move(c));
  }
  std::string reason = StringOr(cand, "finishReason");
  if (!reason.empty()) {
    finished_ = true;
    auto c = base();
    auto* choice = c.add_choices();
    choice->mutable_delta();
    choice->set_finish_reason(tools_ > 0 ? "tool_calls" : FinishReasonFromGemini(reason));
    emit(std::move(c));
    auto u = base();
    *u.mutable_usage() = usage_;
    emit(std::move(u));
  }
  return absl::OkStatus();
}

}  // namespace llmgw::providers
