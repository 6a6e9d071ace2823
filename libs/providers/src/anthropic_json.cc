#include "llmgw/providers/anthropic_json.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "codec_util.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: json helpers
using common::v1::ChatMessage;




absl::StatusOr<json::object> ImageBlock(const common::v1::ImageUrl& image, const std::string& param) {
  json::object source;
  const std::string& url = image.url();
  if (absl::StartsWith(url, "data:")) {
    // data:image/png;base64,AAAA
    auto semi = url.find(";base64,");
    if (semi == std::string::npos) return BadField(param, "image data URLs must be base64");
    source["type"] = "base64";
    source["media_type"] = url.substr(5, semi - 5);
    source["data"] = url.substr(semi + 8);
  } else {
    source["type"] = "url";
    source["url"] = url;
  }
  return json::object{{"type", "image"}, {"source", std::move(source)}};
}

absl::StatusOr<json::array> ContentBlocks(const ChatMessage& m, const std::string& param) {
  json::array blocks;
  if (m.has_text()) {
    if (!m.text().empty()) blocks.push_back(json::object{{"type", "text"}, {"text", m.text()}});
    return blocks;
  }
  for (int i = 0; i < m.parts().parts_size(); ++i) {
    const auto& p = m.parts().parts(i);
    std::string at = absl::StrCat(param, ".content[", i, "]");
    if (p.has_text()) {
      blocks.push_back(json::object{{"type", "text"}, {"text", p.text()}});
    } else if (p.has_image_url()) {
      auto b = ImageBlock(p.image_url(), at);
      if (!b.ok()) return b.status();
      blocks.push_back(std::move(*b));
    } else {
      return BadField(at, "this content part type is not supported by Anthropic models");
    }
  }
  return blocks;
}


absl::Status AddMessages(const ChatCompletionRequest& r, json::object& out) {
  std::string system;
  json::array messages;
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
        auto blocks = ContentBlocks(m, param);
        if (!blocks.ok()) return blocks.status();
        AppendTurn(messages, "user", "content", std::move(*blocks));
        break;
      }
      case common::v1::CHAT_ROLE_ASSISTANT: {
        auto blocks = ContentBlocks(m, param);
        if (!blocks.ok()) return blocks.status();
        for (int t = 0; t < m.tool_calls_size(); ++t) {
          const auto& call = m.tool_calls(t);
          auto input = ToolArguments(call, absl::StrCat(param, ".tool_calls[", t, "].function.arguments"),
                                     "Anthropic");
          if (!input.ok()) return input.status();
          blocks->push_back(json::object{{"type", "tool_use"},
                                         {"id", call.id()},
                                         {"name", call.function().name()},
                                         {"input", std::move(*input)}});
        }
        AppendTurn(messages, "assistant", "content", std::move(*blocks));
        break;
      }
      case common::v1::CHAT_ROLE_TOOL: {
        json::array blocks;
        blocks.push_back(json::object{{"type", "tool_result"},
                                      {"tool_use_id", m.tool_call_id()},
                                      {"content", MessageText(m)}});
        AppendTurn(messages, "user", "content", std::move(blocks));
        break;
      }
      default:
        return BadField(param + ".role", "unknown role");
    }
  }
  if (!system.empty()) out["system"] = system;
  out["messages"] = std::move(messages);
  return absl::OkStatus();
}

absl::Status AddTools(const ChatCompletionRequest& r, json::object& out) {
  if (r.tools_size() > 0) {
    json::array tools;
    for (const auto& t : r.tools()) {
      json::object tool{{"name", t.function().name()},
                        {"input_schema", ParseOr(t.function().parameters_json(),
                                                 json::object{{"type", "object"}})}};
      if (!t.function().description().empty()) tool["description"] = t.function().description();
      tools.push_back(std::move(tool));
    }
    out["tools"] = std::move(tools);
  }
  json::object choice;
  const auto& tc = r.tool_choice();
  if (tc.has_function_name()) {
    choice = {{"type", "tool"}, {"name", tc.function_name()}};
  } else if (tc.has_mode()) {
    const std::string& mode = tc.mode();
    choice = {{"type", mode == "required" ? "any" : mode == "none" ? "none" : "auto"}};
  }
  if (r.has_parallel_tool_calls() && !r.parallel_tool_calls() && r.tools_size() > 0) {
    if (choice.empty()) choice = {{"type", "auto"}};
    choice["disable_parallel_tool_use"] = true;
  }
  if (!choice.empty()) out["tool_choice"] = std::move(choice);
  return absl::OkStatus();
}

// Request fields llmgw keeps in extra_json that Anthropic takes as they are.
bool AnthropicNative(std::string_view key) {
  return key == "top_k" || key == "thinking" || key == "metadata";
}

}  // namespace

absl::StatusOr<std::string> AnthropicRequestJson(const ChatCompletionRequest& r,
                                                 const AnthropicRequestOptions& o) {
  // Parameters Anthropic has no equivalent for: dropped or refused.
  std::vector<std::string> unsupported;
  if (r.has_presence_penalty()) unsupported.push_back("presence_penalty");
  if (r.has_frequency_penalty()) unsupported.push_back("frequency_penalty");
  if (r.has_seed()) unsupported.push_back("seed");
  if (r.has_logprobs() && r.logprobs()) unsupported.push_back("logprobs");
  if (r.has_top_logprobs()) unsupported.push_back("top_logprobs");
  if (r.has_n() && r.n() != 1) unsupported.push_back("n");
  if (!r.response_format_json().empty()) unsupported.push_back("response_format");
  json::object out;
  if (!r.extra_json().empty()) {
    json::value extra = ParseOr(r.extra_json(), json::object{});
    if (extra.is_object()) {
      for (const auto& kv : extra.get_object()) {
        std::string key(kv.key());
        if (AnthropicNative(key)) {
          out[key] = kv.value();
        } else if (key != "mock_response" && key != "user") {
          unsupported.push_back(key);
        }
      }
    }
  }
  if (!unsupported.empty() && !o.drop_params) return UnsupportedParam(unsupported.front(), "Anthropic");

  out["model"] = o.model;
  int64_t max_tokens = r.has_max_completion_tokens() ? r.max_completion_tokens()
                       : r.has_max_tokens()          ? r.max_tokens()
                                                     : o.default_max_tokens;
  out["max_tokens"] = max_tokens;
  if (auto s = AddMessages(r, out); !s.ok()) return s;
  if (auto s = AddTools(r, out); !s.ok()) return s;
  if (r.has_temperature()) out["temperature"] = r.temperature();
  if (r.has_top_p()) out["top_p"] = r.top_p();
  if (r.stop_size() > 0) {
    json::array stop;
    for (const auto& s : r.stop()) stop.push_back(json::value(s));
    out["stop_sequences"] = std::move(stop);
  }
  if (!r.user().empty() && !out.contains("metadata")) {
    out["metadata"] = json::object{{"user_id", r.user()}};
  }
  if (o.stream) out["stream"] = true;
  return json::serialize(out);
}

std::string FinishReasonFromAnthropic(std::string_view s) {
  if (s == "max_tokens" || s == "model_context_window_exceeded") return "length";
  if (s == "tool_use") return "tool_calls";
  if (s == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

namespace {

void ReadUsage(const json::object& u, common::v1::Usage& out, int64_t* input_tokens) {
  int64_t input = IntOr0(u, "input_tokens");
  int64_t cache_read = IntOr0(u, "cache_read_input_tokens");
  int64_t cache_write = IntOr0(u, "cache_creation_input_tokens");
  if (input_tokens != nullptr) *input_tokens = input;
  // Anthropic's input_tokens leaves the cached ones out; OpenAI's prompt_tokens has them.
  out.set_prompt_tokens(input + cache_read + cache_write);
  out.set_cached_tokens(cache_read);
  out.set_cache_creation_tokens(cache_write);
  out.set_completion_tokens(IntOr0(u, "output_tokens"));
  out.set_total_tokens(out.prompt_tokens() + out.completion_tokens());
}



}  // namespace

absl::StatusOr<ChatCompletionResponse> ParseAnthropicResponse(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return Unreadable("response");
  const json::object& o = v.get_object();
  ChatCompletionResponse out;
  out.set_id(StringOr(o, "id"));
  out.set_model(StringOr(o, "model"));
  out.set_created(NowSeconds());
  auto* choice = out.add_choices();
  auto* msg = choice->mutable_message();
  msg->set_role(common::v1::CHAT_ROLE_ASSISTANT);
  std::string text;
  bool any_text = false;
  if (const json::array* content = ArrayAt(o, "content")) {
    for (const auto& b : *content) {
      if (!b.is_object()) continue;
      const json::object& block = b.get_object();
      std::string type = StringOr(block, "type");
      if (type == "text") {
        text += StringOr(block, "text");
        any_text = true;
      } else if (type == "tool_use") {
        auto* call = msg->add_tool_calls();
        call->set_index(msg->tool_calls_size() - 1);
        call->set_id(StringOr(block, "id"));
        call->set_type("function");
        call->mutable_function()->set_name(StringOr(block, "name"));
        auto it = block.find("input");
        call->mutable_function()->set_arguments(
            it == block.end() ? "{}" : json::serialize(it->value()));
      }
      // thinking / redacted_thinking blocks have no Chat Completions field: not relayed.
    }
  }
  if (any_text || msg->tool_calls_size() == 0) msg->set_text(text);
  choice->set_finish_reason(FinishReasonFromAnthropic(StringOr(o, "stop_reason")));
  if (const json::object* u = ObjectAt(o, "usage")) ReadUsage(*u, *out.mutable_usage(), nullptr);
  return out;
}

ChatCompletionChunk AnthropicStreamDecoder::Base() const {
  ChatCompletionChunk c;
  c.set_id(id_);
  c.set_model(model_);
  c.set_created(created_);
  return c;
}

absl::Status AnthropicStreamDecoder::OnEvent(std::string_view event, std::string_view data,
                                             const Emit& emit) {
  if (complete_ || event == "ping") return absl::OkStatus();
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(data.data(), data.size()), ec);
  if (ec || !v.is_object()) return Unreadable("stream event");
  const json::object& o = v.get_object();
  std::string type = StringOr(o, "type", std::string(event));
  if (type == "message_start") {
    const json::object* m = ObjectAt(o, "message");
    if (m == nullptr) return Unreadable("message_start");
    id_ = StringOr(*m, "id");
    model_ = StringOr(*m, "model");
    created_ = NowSeconds();
    if (const json::object* u = ObjectAt(*m, "usage")) ReadUsage(*u, usage_, &input_tokens_);
    ChatCompletionChunk c = Base();
    auto* d = c.add_choices()->mutable_delta();
    d->set_role(common::v1::CHAT_ROLE_ASSISTANT);
    d->set_text("");
    emit(std::move(c));
  } else if (type == "content_block_start") {
    const json::object* b = ObjectAt(o, "content_block");
    if (b != nullptr && StringOr(*b, "type") == "tool_use") {
      int32_t index = next_tool_++;
      tool_index_[IntOr0(o, "index")] = index;
      ChatCompletionChunk c = Base();
      auto* call = c.add_choices()->mutable_delta()->add_tool_calls();
      call->set_index(index);
      call->set_id(StringOr(*b, "id"));
      call->set_type("function");
      call->mutable_function()->set_name(StringOr(*b, "name"));
      call->mutable_function()->set_arguments("");
      emit(std::move(c));
    }
  } else if (type == "content_block_delta") {
    const json::object* d = ObjectAt(o, "delta");
    if (d == nullptr) return Unreadable("content_block_delta");
    std::string dtype = StringOr(*d, "type");
    ChatCompletionChunk c = Base();
    if (dtype == "text_delta") {
      c.add_choices()->mutable_delta()->set_text(StringOr(*d, "text"));
      emit(std::move(c));
    } else if (dtype == "input_json_delta") {
      auto it = tool_index_.find(IntOr0(o, "index"));
      if (it == tool_index_.end()) return Unreadable("input_json_delta");
      if (StringOr(*d, "partial_json").empty()) return absl::OkStatus();  // often the first
      auto* call = c.add_choices()->mutable_delta()->add_tool_calls();
      call->set_index(it->second);
      call->mutable_function()->set_arguments(StringOr(*d, "partial_json"));
      emit(std::move(c));
    }
    // thinking_delta / signature_delta: no Chat Completions field.
  } else if (type == "message_delta") {
    if (const json::object* u = ObjectAt(o, "usage")) {
      // Cumulative. Newer responses repeat the input counts here; older ones only output.
      common::v1::Usage latest;
      int64_t input = 0;
      ReadUsage(*u, latest, &input);
      if (u->contains("input_tokens")) {
        usage_ = latest;
      } else {
        usage_.set_completion_tokens(latest.completion_tokens());
        usage_.set_total_tokens(usage_.prompt_tokens() + usage_.completion_tokens());
      }
    }
    if (const json::object* d = ObjectAt(o, "delta")) {
      std::string stop = StringOr(*d, "stop_reason");
      if (!stop.empty()) {
        ChatCompletionChunk c = Base();
        auto* choice = c.add_choices();
        choice->mutable_delta();
        choice->set_finish_reason(FinishReasonFromAnthropic(stop));
        emit(std::move(c));
      }
    }
  } else if (type == "message_stop") {
    complete_ = true;
    ChatCompletionChunk c = Base();
    *c.mutable_usage() = usage_;
    emit(std::move(c));
  } else if (type == "error") {
    const json::object* e = ObjectAt(o, "error");
    std::string etype = e ? StringOr(*e, "type") : "";
    std::string message = e ? StringOr(*e, "message") : "";
    bool limited = etype == "rate_limit_error";
    return MakeError(limited ? absl::StatusCode::kResourceExhausted : absl::StatusCode::kUnavailable,
                     limited ? common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED
                             : common::v1::ERROR_KIND_UPSTREAM_ERROR,
                     absl::StrCat("provider failed mid-stream: ", etype, ": ", message),
                     {.upstream_code = etype, .upstream_status = etype == "overloaded_error" ? 529 : 500});
  }
  return absl::OkStatus();
}

}  // namespace llmgw::providers
