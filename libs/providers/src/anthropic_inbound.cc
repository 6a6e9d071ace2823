#include "llmgw/providers/anthropic_inbound.h"

#include "absl/strings/str_cat.h"
#include "json_util.h"
#include "llmgw/http/sse.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: json helpers
using common::v1::ChatMessage;

// Text of a string or of an array of text blocks.
absl::StatusOr<std::string> TextOf(const json::value& v, const std::string& param) {
  if (v.is_string()) return std::string(View(v.get_string()));
  if (!v.is_array()) return BadField(param, "expected a string or an array of text blocks");
  std::string out;
  for (const auto& b : v.get_array()) {
    if (b.is_object() && StringOr(b.get_object(), "type") == "text") out += StringOr(b.get_object(), "text");
  }
  return out;
}

absl::Status AddImage(const json::object& block, ChatMessage& m, const std::string& param) {
  const json::object* src = ObjectAt(block, "source");
  if (src == nullptr) return BadField(param + ".source", "field required");
  std::string url = StringOr(*src, "type") == "base64"
                        ? absl::StrCat("data:", StringOr(*src, "media_type"), ";base64,", StringOr(*src, "data"))
                        : StringOr(*src, "url");
  m.mutable_parts()->add_parts()->mutable_image_url()->set_url(url);
  return absl::OkStatus();
}

// One Messages turn: may become several chat messages (tool results are their own).
absl::Status AddTurn(const json::object& turn, const std::string& param,
                     common::v1::ChatCompletionRequest& out) {
  std::string role = StringOr(turn, "role");
  if (role != "user" && role != "assistant") {
    return BadField(param + ".role", "must be 'user' or 'assistant'");
  }
  auto content = turn.find("content");
  if (content == turn.end()) return BadField(param + ".content", "field required");
  ChatMessage m;
  m.set_role(role == "user" ? common::v1::CHAT_ROLE_USER : common::v1::CHAT_ROLE_ASSISTANT);
  if (content->value().is_string()) {
    m.set_text(std::string(View(content->value().get_string())));
    *out.add_messages() = std::move(m);
    return absl::OkStatus();
  }
  if (!content->value().is_array()) return BadField(param + ".content", "expected a string or an array");
  bool has_parts = false;
  const auto& blocks = content->value().get_array();
  for (size_t i = 0; i < blocks.size(); ++i) {
    std::string at = absl::StrCat(param, ".content[", i, "]");
    if (!blocks[i].is_object()) return BadField(at, "expected an object");
    const json::object& b = blocks[i].get_object();
    std::string type = StringOr(b, "type");
    if (type == "text") {
      m.mutable_parts()->add_parts()->set_text(StringOr(b, "text"));
      has_parts = true;
    } else if (type == "image") {
      if (auto s = AddImage(b, m, at); !s.ok()) return s;
      has_parts = true;
    } else if (type == "tool_use" && role == "assistant") {
      auto* call = m.add_tool_calls();
      call->set_index(m.tool_calls_size() - 1);
      call->set_id(StringOr(b, "id"));
      call->set_type("function");
      call->mutable_function()->set_name(StringOr(b, "name"));
      auto input = b.find("input");
      call->mutable_function()->set_arguments(input == b.end() ? "{}" : json::serialize(input->value()));
    } else if (type == "tool_result" && role == "user") {
      ChatMessage result;
      result.set_role(common::v1::CHAT_ROLE_TOOL);
      result.set_tool_call_id(StringOr(b, "tool_use_id"));
      auto c = b.find("content");
      if (c != b.end()) {
        auto text = TextOf(c->value(), at + ".content");
        if (!text.ok()) return text.status();
        result.set_text(*text);
      } else {
        result.set_text("");
      }
      *out.add_messages() = std::move(result);
    } else if (type == "thinking" || type == "redacted_thinking") {
      continue;  // earlier reasoning: no Chat Completions field carries it
    } else {
      return BadField(at + ".type", absl::StrCat("unsupported content block type '", type, "'"));
    }
  }
  if (has_parts || m.tool_calls_size() > 0) {
    // A text-only turn travels as plain text, which every provider takes.
    if (m.has_parts() && m.tool_calls_size() == 0) {
      bool text_only = true;
      std::string text;
      for (const auto& p : m.parts().parts()) {
        if (!p.has_text()) text_only = false;
        text += p.text();
      }
      if (text_only) m.set_text(text);
    }
    *out.add_messages() = std::move(m);
  }
  return absl::OkStatus();
}

absl::Status AddTools(const json::object& o, common::v1::ChatCompletionRequest& out) {
  if (const json::array* tools = ArrayAt(o, "tools")) {
    for (size_t i = 0; i < tools->size(); ++i) {
      if (!(*tools)[i].is_object()) return BadField(absl::StrCat("tools[", i, "]"), "expected an object");
      const json::object& t = (*tools)[i].get_object();
      auto* tool = out.add_tools();
      tool->set_type("function");
      tool->mutable_function()->set_name(StringOr(t, "name"));
      tool->mutable_function()->set_description(StringOr(t, "description"));
      if (auto s = t.find("input_schema"); s != t.end()) {
        tool->mutable_function()->set_parameters_json(json::serialize(s->value()));
      }
    }
  }
  if (const json::object* tc = ObjectAt(o, "tool_choice")) {
    std::string type = StringOr(*tc, "type");
    if (type == "tool") {
      out.mutable_tool_choice()->set_function_name(StringOr(*tc, "name"));
    } else if (type == "any") {
      out.mutable_tool_choice()->set_mode("required");
    } else if (!type.empty()) {
      out.mutable_tool_choice()->set_mode(type);  // auto, none
    }
    if (auto d = tc->find("disable_parallel_tool_use"); d != tc->end() && d->value().is_bool()) {
      out.set_parallel_tool_calls(!d->value().get_bool());
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<common::v1::ChatCompletionRequest> ParseAnthropicRequest(std::string_view body) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return BadField("body", "expected a JSON object");
  const json::object& o = parsed->get_object();
  common::v1::ChatCompletionRequest out;
  auto model = o.find("model");
  if (model == o.end()) return BadField("model", "field required");
  std::string m;
  if (auto s = ExpectString(model->value(), "model", &m); !s.ok()) return s;
  out.set_model(m);
  auto max_tokens = o.find("max_tokens");
  if (max_tokens == o.end()) return BadField("max_tokens", "field required");
  int64_t mt = 0;
  if (auto s = ExpectInt(max_tokens->value(), "max_tokens", &mt); !s.ok()) return s;
  if (mt < 1) return BadField("max_tokens", "must be >= 1");
  out.set_max_tokens(mt);
  if (auto sys = o.find("system"); sys != o.end()) {
    auto text = TextOf(sys->value(), "system");
    if (!text.ok()) return text.status();
    ChatMessage* s = out.add_messages();
    s->set_role(common::v1::CHAT_ROLE_SYSTEM);
    s->set_text(*text);
  }
  const json::array* messages = ArrayAt(o, "messages");
  if (messages == nullptr) return BadField("messages", "field required (an array)");
  for (size_t i = 0; i < messages->size(); ++i) {
    std::string at = absl::StrCat("messages[", i, "]");
    if (!(*messages)[i].is_object()) return BadField(at, "expected an object");
    if (auto s = AddTurn((*messages)[i].get_object(), at, out); !s.ok()) return s;
  }
  if (auto s = AddTools(o, out); !s.ok()) return s;
  double d = 0;
  if (auto t = o.find("temperature"); t != o.end()) {
    if (auto s = ExpectNumber(t->value(), "temperature", &d); !s.ok()) return s;
    out.set_temperature(d);
  }
  if (auto t = o.find("top_p"); t != o.end()) {
    if (auto s = ExpectNumber(t->value(), "top_p", &d); !s.ok()) return s;
    out.set_top_p(d);
  }
  if (const json::array* stop = ArrayAt(o, "stop_sequences")) {
    for (const auto& s : *stop) {
      if (s.is_string()) out.add_stop(std::string(View(s.get_string())));
    }
  }
  if (const json::object* meta = ObjectAt(o, "metadata")) out.set_user(StringOr(*meta, "user_id"));
  if (auto s = o.find("stream"); s != o.end()) {
    bool stream = false;
    if (auto st = ExpectBool(s->value(), "stream", &stream); !st.ok()) return st;
    out.set_stream(stream);
    out.mutable_stream_options()->set_include_usage(true);  // message_delta carries usage
  }
  json::object extra;
  for (const char* k : {"top_k", "thinking"}) {
    if (auto it = o.find(k); it != o.end()) extra[k] = it->value();
  }
  if (!extra.empty()) out.set_extra_json(json::serialize(extra));
  return out;
}

namespace {

std::string StopReason(const std::string& finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls") return "tool_use";
  if (finish == "content_filter") return "refusal";
  return "end_turn";
}

json::object UsageJson(const common::v1::Usage& u) {
  int64_t cached = u.cached_tokens(), written = u.cache_creation_tokens();
  return {{"input_tokens", std::max<int64_t>(0, u.prompt_tokens() - cached - written)},
          {"cache_read_input_tokens", cached},
          {"cache_creation_input_tokens", written},
          {"output_tokens", u.completion_tokens()}};
}

json::value ParsedArguments(const std::string& args) {
  boost::system::error_code ec;
  json::value v = json::parse(args, ec);
  return ec || !v.is_object() ? json::value(json::object{}) : v;
}

std::string Event(const char* name, const json::object& o) {
  return absl::StrCat("event: ", name, "\n", http::SseData(json::serialize(o)));
}

std::string MessageId(const std::string& id) {
  return id.rfind("msg_", 0) == 0 ? id : "msg_" + id;
}

}  // namespace

std::string AnthropicResponseJson(const common::v1::ChatCompletionResponse& r) {
  json::array content;
  std::string finish = "stop";
  if (r.choices_size() > 0) {
    const auto& c = r.choices(0);
    finish = c.finish_reason();
    std::string text = c.message().has_text() ? c.message().text() : "";
    if (!text.empty() || c.message().tool_calls_size() == 0) {
      content.push_back(json::object{{"type", "text"}, {"text", text}});
    }
    for (const auto& t : c.message().tool_calls()) {
      content.push_back(json::object{{"type", "tool_use"},
                                     {"id", t.id()},
                                     {"name", t.function().name()},
                                     {"input", ParsedArguments(t.function().arguments())}});
    }
  }
  return json::serialize(json::object{{"id", MessageId(r.id())},
                                      {"type", "message"},
                                      {"role", "assistant"},
                                      {"model", r.model()},
                                      {"content", std::move(content)},
                                      {"stop_reason", StopReason(finish)},
                                      {"stop_sequence", nullptr},
                                      {"usage", UsageJson(r.usage())}});
}

std::string AnthropicErrorType(int s) {
  switch (s) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    case 504: return "timeout_error";
    default: return s < 500 ? "invalid_request_error" : "api_error";
  }
}

std::string AnthropicErrorJson(int status, std::string_view message) {
  return json::serialize(json::object{
      {"type", "error"},
      {"error", json::object{{"type", AnthropicErrorType(status)},
                             {"message", json::string_view(message.data(), message.size())}}}});
}

std::string AnthropicStreamEncoder::Start(const common::v1::ChatCompletionChunk& c) {
  started_ = true;
  return Event("message_start",
               {{"type", "message_start"},
                {"message", json::object{{"id", MessageId(c.id())}, {"type", "message"},
                                         {"role", "assistant"}, {"model", c.model()},
                                         {"content", json::array{}}, {"stop_reason", nullptr},
                                         {"stop_sequence", nullptr},
                                         {"usage", UsageJson(common::v1::Usage())}}}});
}

std::string AnthropicStreamEncoder::CloseBlock() {
  if (block_ < 0 || (!block_is_text_ && open_tool_ < 0)) return "";
  std::string out = Event("content_block_stop", {{"type", "content_block_stop"}, {"index", block_}});
  open_tool_ = -1;
  block_is_text_ = false;
  return out;
}

std::string AnthropicStreamEncoder::Chunk(const common::v1::ChatCompletionChunk& c) {
  std::string out;
  if (!started_) out += Start(c);
  if (c.has_usage()) usage_ = c.usage();
  for (const auto& choice : c.choices()) {
    const auto& d = choice.delta();
    if (d.has_text() && !d.text().empty()) {
      if (!block_is_text_) {
        out += CloseBlock();
        ++block_;
        block_is_text_ = true;
        out += Event("content_block_start", {{"type", "content_block_start"}, {"index", block_},
                                             {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
      }
      out += Event("content_block_delta", {{"type", "content_block_delta"}, {"index", block_},
                                           {"delta", json::object{{"type", "text_delta"}, {"text", d.text()}}}});
    }
    for (const auto& t : d.tool_calls()) {
      if (t.index() != open_tool_ || block_is_text_) {
        out += CloseBlock();
        ++block_;
        open_tool_ = t.index();
        out += Event("content_block_start",
                     {{"type", "content_block_start"}, {"index", block_},
                      {"content_block", json::object{{"type", "tool_use"}, {"id", t.id()},
                                                     {"name", t.function().name()},
                                                     {"input", json::object{}}}}});
      }
      if (!t.function().arguments().empty()) {
        out += Event("content_block_delta",
                     {{"type", "content_block_delta"}, {"index", block_},
                      {"delta", json::object{{"type", "input_json_delta"},
                                             {"partial_json", t.function().arguments()}}}});
      }
    }
    if (!choice.finish_reason().empty()) stop_reason_ = StopReason(choice.finish_reason());
  }
  return out;
}

std::string AnthropicStreamEncoder::End() {
  std::string out;
  if (!started_) out += Start({});
  out += CloseBlock();
  out += Event("message_delta", {{"type", "message_delta"},
                                 {"delta", json::object{{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}}},
                                 {"usage", UsageJson(usage_)}});
  out += Event("message_stop", {{"type", "message_stop"}});
  return out;
}

std::string AnthropicStreamEncoder::Error(int status, std::string_view message) {
  return absl::StrCat("event: error\n", http::SseData(AnthropicErrorJson(status, message)));
}

}  // namespace llmgw::providers
