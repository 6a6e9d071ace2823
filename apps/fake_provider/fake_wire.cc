#include "apps/fake_provider/fake_wire.h"

#include <boost/json.hpp>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/common/ids.h"
#include "llmgw/http/sse.h"
#include "llmgw/providers/mock_provider.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/tokens.h"

namespace llmgw::fake {
namespace {

namespace json = boost::json;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status Refuse(int status, std::string message) {
  absl::Status s(absl::StatusCode::kInvalidArgument, message);
  s.SetPayload("fake-status", absl::Cord(std::to_string(status)));
  return s;
}

std::string Sse(const json::object& o) { return http::SseData(json::serialize(o)); }

// --- OpenAI Chat Completions -------------------------------------------------------------

class OpenAI : public Wire {
 public:
  absl::StatusOr<FakeRequest> Parse(const http::Request& request) const override {
    auto parsed = providers::ParseChatRequest(request.body);
    if (!parsed.ok()) return Refuse(400, std::string(parsed.status().message()));
    FakeRequest r{.model = parsed->model(),
                  .stream = parsed->stream(),
                  .include_usage = parsed->stream_options().include_usage(),
                  .prompt_tokens = providers::EstimatePromptTokens(*parsed)};
    if (parsed->tools_size() > 0) r.first_tool = parsed->tools(0).function().name();
    r.after_tool_result = parsed->messages_size() > 0 &&
                          parsed->messages(parsed->messages_size() - 1).role() == common::v1::CHAT_ROLE_TOOL;
    return r;
  }

  std::string ErrorBody(int status, const std::string& message) const override {
    return json::serialize(json::object{
        {"error", json::object{{"message", message},
                               {"type", status == 429 ? "requests" : status < 500 ? "invalid_request_error" : "server_error"},
                               {"code", status == 429 ? "rate_limit_exceeded" : "server_error"}}}});
  }

  std::string Body(const FakeRequest& r, const FakeAnswer& a) const override {
    providers::ChatCompletionResponse resp;
    resp.set_id("chatcmpl-fake-" + RandomHex(8));
    resp.set_created(NowSeconds());
    resp.set_model(r.model);
    auto* c = resp.add_choices();
    c->mutable_message()->set_role(common::v1::CHAT_ROLE_ASSISTANT);
    if (a.tool_call) {
      auto* call = c->mutable_message()->add_tool_calls();
      call->set_id("call_fake_1");
      call->set_type("function");
      call->mutable_function()->set_name(r.first_tool);
      call->mutable_function()->set_arguments(a.tool_arguments);
      c->set_finish_reason("tool_calls");
    } else {
      c->mutable_message()->set_text(a.text);
      c->set_finish_reason("stop");
    }
    SetUsage(r, a, *resp.mutable_usage());
    return providers::ChatResponseToJson(resp);
  }

  std::vector<std::string> Events(const FakeRequest& r, const FakeAnswer& a) const override {
    std::vector<std::string> events;
    providers::ChatCompletionChunk base;
    base.set_id("chatcmpl-fake-" + RandomHex(8));
    base.set_created(NowSeconds());
    base.set_model(r.model);
    auto emit = [&](const providers::ChatCompletionChunk& c) {
      events.push_back(http::SseData(providers::ChatChunkToJson(c, r.include_usage)));
    };
    auto c = base;
    auto* first = c.add_choices()->mutable_delta();
    first->set_role(common::v1::CHAT_ROLE_ASSISTANT);
    first->set_text("");
    emit(c);
    if (a.tool_call) {
      c = base;
      auto* call = c.add_choices()->mutable_delta()->add_tool_calls();
      call->set_id("call_fake_1");
      call->set_type("function");
      call->mutable_function()->set_name(r.first_tool);
      call->mutable_function()->set_arguments("");
      emit(c);
      // The arguments in two fragments, as real streams split them.
      size_t half = a.tool_arguments.size() / 2;
      for (auto part : {a.tool_arguments.substr(0, half), a.tool_arguments.substr(half)}) {
        c = base;
        c.add_choices()->mutable_delta()->add_tool_calls()->mutable_function()->set_arguments(part);
        emit(c);
      }
    } else {
      for (const auto& t : a.tokens) {
        c = base;
        c.add_choices()->mutable_delta()->set_text(t);
        emit(c);
      }
    }
    c = base;
    c.add_choices()->set_finish_reason(a.tool_call ? "tool_calls" : "stop");
    c.mutable_choices(0)->mutable_delta();
    emit(c);
    if (r.include_usage) {
      c = base;
      SetUsage(r, a, *c.mutable_usage());
      emit(c);
    }
    events.push_back("data: [DONE]\n\n");
    return events;
  }

 private:
  static void SetUsage(const FakeRequest& r, const FakeAnswer& a, common::v1::Usage& u) {
    u.set_prompt_tokens(r.prompt_tokens);
    u.set_completion_tokens(a.tool_call ? 8 : static_cast<int64_t>(a.tokens.size()));
    u.set_total_tokens(u.prompt_tokens() + u.completion_tokens());
  }
};

// Azure's checks (a key in `api-key`, an api-version) and the deployment its path names.
absl::StatusOr<std::string> AzureDeployment(const http::Request& request) {
  if (request.Header("api-key").empty()) {
    return Refuse(401, "Access denied due to missing subscription key. Make sure to include "
                       "the subscription key in the api-key header.");
  }
  if (request.QueryParam("api-version").empty()) return Refuse(404, "Resource not found");
  constexpr std::string_view kPrefix = "/openai/deployments/";
  std::string_view path = request.path;
  return std::string(path.substr(kPrefix.size(), path.find('/', kPrefix.size()) - kPrefix.size()));
}

// --- Azure OpenAI ------------------------------------------------------------------------

// OpenAI's bodies at /openai/deployments/{deployment}/chat/completions?api-version=..., the
// key in `api-key`, the deployment named by the path. Answers carry Azure's content-filter
// annotations and streams open with its empty prompt_filter_results chunk.
class Azure final : public OpenAI {
 public:
  absl::StatusOr<FakeRequest> Parse(const http::Request& request) const override {
    auto deployment = AzureDeployment(request);
    if (!deployment.ok()) return deployment.status();
    auto r = OpenAI::Parse(request);
    if (r.ok()) r->model = std::move(*deployment);
    return r;
  }

  std::string Body(const FakeRequest& r, const FakeAnswer& a) const override {
    boost::system::error_code ec;
    json::value v = json::parse(OpenAI::Body(r, a), ec);
    v.get_object()["prompt_filter_results"] = json::array{
        json::object{{"prompt_index", 0}, {"content_filter_results", json::object{}}}};
    return json::serialize(v);
  }

  std::vector<std::string> Events(const FakeRequest& r, const FakeAnswer& a) const override {
    auto events = OpenAI::Events(r, a);
    events.insert(events.begin(),
                  Sse(json::object{{"choices", json::array{}}, {"created", 0}, {"id", ""}, {"model", ""},
                                   {"object", ""},
                                   {"prompt_filter_results", json::array{json::object{{"prompt_index", 0}}}}}));
    return events;
  }
};

// --- Embeddings ---------------------------------------------------------------------------

// Deterministic vectors (the mock provider's), so equal texts embed equally.
class Embeddings final : public Wire {
 public:
  explicit Embeddings(bool azure) : azure_(azure) {}

  absl::StatusOr<FakeRequest> Parse(const http::Request& request) const override {
    std::string deployment;
    if (azure_) {
      auto d = AzureDeployment(request);
      if (!d.ok()) return d.status();
      deployment = std::move(*d);
    }
    auto parsed = providers::ParseEmbeddingsRequest(request.body);
    if (!parsed.ok()) return Refuse(400, std::string(parsed.status().message()));
    FakeRequest r{.model = azure_ ? deployment : parsed->model()};
    r.inputs.assign(parsed->inputs().begin(), parsed->inputs().end());
    if (parsed->has_dimensions()) r.dimensions = parsed->dimensions();
    r.base64 = parsed->encoding_format() == "base64";
    for (const auto& in : r.inputs) r.prompt_tokens += providers::EstimateTextTokens(in);
    return r;
  }

  std::string ErrorBody(int status, const std::string& message) const override {
    return OpenAIWire().ErrorBody(status, message);
  }

  std::string Body(const FakeRequest& r, const FakeAnswer&) const override {
    providers::EmbeddingsResponse resp;
    resp.set_model(r.model);
    for (size_t i = 0; i < r.inputs.size(); ++i) {
      auto* e = resp.add_data();
      e->set_index(static_cast<int64_t>(i));
      for (float x : providers::MockProvider::EmbeddingOf(r.inputs[i], r.dimensions)) e->add_values(x);
    }
    resp.mutable_usage()->set_prompt_tokens(r.prompt_tokens);
    resp.mutable_usage()->set_total_tokens(r.prompt_tokens);
    return providers::EmbeddingsResponseToJson(resp, r.base64);
  }

  std::vector<std::string> Events(const FakeRequest&, const FakeAnswer&) const override { return {}; }

 private:
  bool azure_;
};

// --- Anthropic Messages ------------------------------------------------------------------

class Anthropic final : public Wire {
 public:
  absl::StatusOr<FakeRequest> Parse(const http::Request& request) const override {
    if (request.Header("x-api-key").empty()) {
      return Refuse(401, "x-api-key header is required");
    }
    if (request.Header("anthropic-version").empty()) {
      return Refuse(400, "anthropic-version header is required");
    }
    boost::system::error_code ec;
    json::value v = json::parse(request.body, ec);
    if (ec || !v.is_object()) return Refuse(400, "request body is not a JSON object");
    const json::object& o = v.get_object();
    FakeRequest r;
    if (auto it = o.find("model"); it != o.end() && it->value().is_string()) {
      r.model = std::string(it->value().get_string());
    } else {
      return Refuse(400, "model: field required");
    }
    if (!o.contains("max_tokens")) return Refuse(400, "max_tokens: field required");
    auto messages = o.find("messages");
    if (messages == o.end() || !messages->value().is_array()) return Refuse(400, "messages: field required");
    for (const auto& m : messages->value().get_array()) {
      if (!m.is_object()) return Refuse(400, "messages: each message must be an object");
      const json::object& mo = m.get_object();
      auto role = mo.find("role");
      if (role == mo.end() || !role->value().is_string() ||
          (role->value().get_string() != "user" && role->value().get_string() != "assistant")) {
        return Refuse(400, "messages: roles must be 'user' or 'assistant'");
      }
    }
    if (auto it = o.find("stream"); it != o.end() && it->value().is_bool()) r.stream = it->value().get_bool();
    r.prompt_tokens = static_cast<int64_t>(json::serialize(messages->value()).size() / 4) + 1;
    if (auto it = o.find("system"); it != o.end()) {
      r.prompt_tokens += static_cast<int64_t>(json::serialize(it->value()).size() / 4);
    }
    if (auto it = o.find("tools"); it != o.end() && it->value().is_array() &&
                                   !it->value().get_array().empty() &&
                                   it->value().get_array()[0].is_object()) {
      const auto& t = it->value().get_array()[0].get_object();
      if (auto n = t.find("name"); n != t.end() && n->value().is_string()) {
        r.first_tool = std::string(n->value().get_string());
      }
    }
    const auto& arr = messages->value().get_array();
    if (!arr.empty()) {
      const auto& last = arr.back().get_object();
      if (auto c = last.find("content"); c != last.end() && c->value().is_array()) {
        for (const auto& b : c->value().get_array()) {
          if (b.is_object() && b.get_object().contains("tool_use_id")) r.after_tool_result = true;
        }
      }
    }
    return r;
  }

  std::string ErrorBody(int status, const std::string& message) const override {
    std::string type = status == 429   ? "rate_limit_error"
                       : status == 529 ? "overloaded_error"
                       : status == 401 ? "authentication_error"
                       : status == 404 ? "not_found_error"
                       : status < 500  ? "invalid_request_error"
                                       : "api_error";
    return json::serialize(json::object{{"type", "error"},
                                        {"error", json::object{{"type", type}, {"message", message}}},
                                        {"request_id", "req_fake_" + RandomHex(6)}});
  }

  std::string Body(const FakeRequest& r, const FakeAnswer& a) const override {
    json::array content;
    if (a.tool_call) {
      content.push_back(json::object{{"type", "tool_use"},
                                     {"id", "toolu_fake_1"},
                                     {"name", r.first_tool},
                                     {"input", json::parse(a.tool_arguments)}});
    } else {
      content.push_back(json::object{{"type", "text"}, {"text", a.text}});
    }
    return json::serialize(json::object{
        {"id", "msg_fake_" + RandomHex(8)},
        {"type", "message"},
        {"role", "assistant"},
        {"model", r.model},
        {"content", std::move(content)},
        {"stop_reason", a.tool_call ? "tool_use" : "end_turn"},
        {"stop_sequence", nullptr},
        {"usage", Usage(r, a)}});
  }

  std::vector<std::string> Events(const FakeRequest& r, const FakeAnswer& a) const override {
    std::vector<std::string> events;
    auto event = [&](const char* name, json::object o) {
      events.push_back(absl::StrCat("event: ", name, "\n", Sse(o)));
    };
    json::object usage = Usage(r, a);
    json::object start_usage = usage;
    start_usage["output_tokens"] = 1;
    event("message_start",
          {{"type", "message_start"},
           {"message", json::object{{"id", "msg_fake_" + RandomHex(8)}, {"type", "message"},
                                    {"role", "assistant"}, {"model", r.model},
                                    {"content", json::array{}}, {"stop_reason", nullptr},
                                    {"stop_sequence", nullptr}, {"usage", start_usage}}}});
    if (a.tool_call) {
      event("content_block_start",
            {{"type", "content_block_start"}, {"index", 0},
             {"content_block", json::object{{"type", "tool_use"}, {"id", "toolu_fake_1"},
                                            {"name", r.first_tool}, {"input", json::object{}}}}});
      size_t half = a.tool_arguments.size() / 2;
      for (auto part : {std::string(), a.tool_arguments.substr(0, half), a.tool_arguments.substr(half)}) {
        event("content_block_delta",
              {{"type", "content_block_delta"}, {"index", 0},
               {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", part}}}});
      }
    } else {
      event("content_block_start",
            {{"type", "content_block_start"}, {"index", 0},
             {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
      events.push_back("event: ping\n" + Sse({{"type", "ping"}}));
      for (const auto& t : a.tokens) {
        event("content_block_delta",
              {{"type", "content_block_delta"}, {"index", 0},
               {"delta", json::object{{"type", "text_delta"}, {"text", t}}}});
      }
    }
    event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
    event("message_delta",
          {{"type", "message_delta"},
           {"delta", json::object{{"stop_reason", a.tool_call ? "tool_use" : "end_turn"},
                                  {"stop_sequence", nullptr}}},
           {"usage", json::object{{"output_tokens", usage["output_tokens"]}}}});
    event("message_stop", {{"type", "message_stop"}});
    return events;
  }

 private:
  static json::object Usage(const FakeRequest& r, const FakeAnswer& a) {
    // A third of the prompt comes from the prompt cache, as with a cached system prompt:
    // input_tokens leaves those out, as Anthropic's does.
    int64_t cached = r.prompt_tokens / 3;
    return {{"input_tokens", r.prompt_tokens - cached},
            {"cache_read_input_tokens", cached},
            {"cache_creation_input_tokens", 0},
            {"output_tokens", a.tool_call ? 8 : static_cast<int64_t>(a.tokens.size())}};
  }
};

// --- Gemini generateContent / streamGenerateContent?alt=sse ------------------------------

class Gemini final : public Wire {
 public:
  absl::StatusOr<FakeRequest> Parse(const http::Request& request) const override {
    if (request.Header("x-goog-api-key").empty() && request.QueryParam("key").empty()) {
      return Refuse(400, "API key not valid. Please pass a valid API key. (API_KEY_INVALID)");
    }
    // /v1beta/models/{model}:{method}
    const std::string& path = request.path;
    auto colon = path.rfind(':');
    auto slash = path.rfind('/', colon);
    if (colon == std::string::npos || slash == std::string::npos) return Refuse(404, "no such method");
    FakeRequest r{.model = path.substr(slash + 1, colon - slash - 1)};
    std::string method = path.substr(colon + 1);
    if (method == "streamGenerateContent") {
      if (request.QueryParam("alt") != "sse") return Refuse(400, "the fake streams only with alt=sse");
      r.stream = true;
    } else if (method != "generateContent") {
      return Refuse(404, "no such method " + method);
    }
    boost::system::error_code ec;
    json::value v = json::parse(request.body, ec);
    if (ec || !v.is_object()) return Refuse(400, "Invalid JSON payload received.");
    const json::object& o = v.get_object();
    auto contents = o.find("contents");
    if (contents == o.end() || !contents->value().is_array() || contents->value().get_array().empty()) {
      return Refuse(400, "* GenerateContentRequest.contents: contents is not specified");
    }
    for (const auto& c : contents->value().get_array()) {
      const auto* co = c.if_object();
      auto role = co ? co->find("role") : nullptr;
      if (co == nullptr || role == co->end() || !role->value().is_string() ||
          (role->value().get_string() != "user" && role->value().get_string() != "model")) {
        return Refuse(400, "Please use a valid role: user, model.");
      }
    }
    r.prompt_tokens = static_cast<int64_t>(json::serialize(contents->value()).size() / 4) + 1;
    if (auto t = o.find("tools"); t != o.end() && t->value().is_array() && !t->value().get_array().empty()) {
      const auto* tool = t->value().get_array()[0].if_object();
      auto decls = tool ? tool->find("functionDeclarations") : nullptr;
      if (tool && decls != tool->end() && decls->value().is_array() && !decls->value().get_array().empty()) {
        const auto* d = decls->value().get_array()[0].if_object();
        if (d && d->contains("name")) r.first_tool = std::string(d->at("name").as_string());
      }
    }
    const auto& last = contents->value().get_array().back().get_object();
    if (auto parts = last.find("parts"); parts != last.end() && parts->value().is_array()) {
      for (const auto& p : parts->value().get_array()) {
        if (p.is_object() && p.get_object().contains("functionResponse")) r.after_tool_result = true;
      }
    }
    return r;
  }

  std::string ErrorBody(int status, const std::string& message) const override {
    std::string s = status == 429   ? "RESOURCE_EXHAUSTED"
                    : status == 404 ? "NOT_FOUND"
                    : status == 403 ? "PERMISSION_DENIED"
                    : status == 503 ? "UNAVAILABLE"
                    : status == 504 ? "DEADLINE_EXCEEDED"
                    : status < 500  ? "INVALID_ARGUMENT"
                                    : "INTERNAL";
    return json::serialize(json::object{
        {"error", json::object{{"code", status}, {"message", message}, {"status", s}}}});
  }

  std::string Body(const FakeRequest& r, const FakeAnswer& a) const override {
    return json::serialize(Response(r, a, a.tool_call ? json::array{Call(r, a)}
                                                      : json::array{json::object{{"text", a.text}}},
                                    true));
  }

  std::vector<std::string> Events(const FakeRequest& r, const FakeAnswer& a) const override {
    std::vector<std::string> events;
    if (a.tool_call) {
      events.push_back(Sse(Response(r, a, json::array{Call(r, a)}, true)));
      return events;
    }
    for (size_t i = 0; i < a.tokens.size(); ++i) {
      bool last = i + 1 == a.tokens.size();
      events.push_back(Sse(Response(r, a, json::array{json::object{{"text", a.tokens[i]}}}, last)));
    }
    return events;
  }

 private:
  static json::object Call(const FakeRequest& r, const FakeAnswer& a) {
    return {{"functionCall", json::object{{"name", r.first_tool}, {"args", json::parse(a.tool_arguments)}}}};
  }
  // One GenerateContentResponse; the last one has the finishReason and the usage.
  static json::object Response(const FakeRequest& r, const FakeAnswer& a, json::array parts, bool last) {
    json::object candidate{{"content", json::object{{"role", "model"}, {"parts", std::move(parts)}}},
                           {"index", 0}};
    json::object out{{"modelVersion", r.model}, {"responseId", "fake" + RandomHex(6)}};
    if (last) {
      candidate["finishReason"] = "STOP";
      int64_t completion = a.tool_call ? 8 : static_cast<int64_t>(a.tokens.size());
      out["usageMetadata"] = json::object{{"promptTokenCount", r.prompt_tokens},
                                          {"candidatesTokenCount", completion},
                                          {"totalTokenCount", r.prompt_tokens + completion}};
    }
    out["candidates"] = json::array{std::move(candidate)};
    return out;
  }
};

}  // namespace

const Wire& GeminiWire() {
  static const Gemini w;
  return w;
}

const Wire& OpenAIWire() {
  static const OpenAI w;
  return w;
}

const Wire& AzureWire() {
  static const Azure w;
  return w;
}

const Wire& EmbeddingsWire() {
  static const Embeddings w(false);
  return w;
}

const Wire& AzureEmbeddingsWire() {
  static const Embeddings w(true);
  return w;
}

const Wire& AnthropicWire() {
  static const Anthropic w;
  return w;
}

int ParseErrorStatus(const absl::Status& s) {
  auto p = s.GetPayload("fake-status");
  int status = 400;
  if (p) status = std::stoi(std::string(*p));
  return status;
}

}  // namespace llmgw::fake
