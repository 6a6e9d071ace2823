// Legacy text completions (/v1/completions) over chat: the prompt becomes one user message,
// so any model group answers; the answer goes back as text_completion objects.
#include "llmgw/providers/openai_json.h"
#include "json_util.h"
#include "message_json.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: the JSON helpers of this library

// OpenAI's default for /v1/completions when max_tokens is not given.
constexpr int64_t kDefaultCompletionMaxTokens = 16;

// A text_completion object: one choice per entry of `choices`, each giving its text.
template <typename Choices, typename TextOf>
json::object TextCompletion(const std::string& id, int64_t created, const std::string& model,
                            const Choices& choices, TextOf text_of) {
  json::array out;
  for (const auto& c : choices) {
    out.push_back(json::object{{"text", text_of(c)},
                               {"index", c.index()},
                               {"logprobs", nullptr},
                               {"finish_reason", c.finish_reason().empty() ? json::value(nullptr)
                                                                           : json::value(c.finish_reason())}});
  }
  return json::object{{"id", id}, {"object", "text_completion"}, {"created", created},
                      {"model", model}, {"choices", std::move(out)}};
}

}  // namespace

absl::StatusOr<ChatCompletionRequest> ParseCompletionRequest(std::string_view body,
                                                             std::string_view default_model) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return BadField("body", "expected a JSON object");
  json::object o = std::move(parsed->get_object());
  auto prompt = o.find("prompt");
  if (prompt == o.end() || prompt->value().is_null()) return BadField("prompt", "required");
  std::string text;
  if (prompt->value().is_string()) {
    text = std::string(View(prompt->value().get_string()));
  } else if (prompt->value().is_array() && prompt->value().get_array().size() == 1 &&
             prompt->value().get_array()[0].is_string()) {
    text = std::string(View(prompt->value().get_array()[0].get_string()));
  } else if (prompt->value().is_array()) {
    return BadField("prompt", "one prompt per request: a string, or a list of one string (token ids are not supported)");
  } else {
    return BadField("prompt", absl::StrCat("expected a string, got ", KindName(prompt->value())));
  }
  if (text.empty()) return BadField("prompt", "must not be empty");
  o.erase(prompt);
  for (const char* unsupported : {"suffix", "best_of", "logprobs"}) {
    auto it = o.find(unsupported);
    if (it != o.end() && !it->value().is_null()) {
      return BadField(unsupported, "not supported by llmgw's /v1/completions");
    }
  }
  if (auto it = o.find("echo"); it != o.end()) {
    if (it->value().is_bool() && it->value().get_bool()) return BadField("echo", "not supported by llmgw's /v1/completions");
    o.erase(it);
  }
  if (o.contains("messages")) return BadField("messages", "not a /v1/completions parameter; use /v1/chat/completions");
  o["messages"] = json::array{json::object{{"role", "user"}, {"content", text}}};
  if (!o.contains("max_tokens") || o["max_tokens"].is_null()) o["max_tokens"] = kDefaultCompletionMaxTokens;
  return ParseChatRequest(json::serialize(o), default_model);
}

std::string CompletionResponseToJson(const ChatCompletionResponse& r) {
  json::object o = TextCompletion(r.id(), r.created(), r.model(), r.choices(),
                                  [](const auto& c) { return c.message().text(); });
  if (r.has_usage()) o["usage"] = UsageToJson(r.usage());
  return json::serialize(o);
}

std::string CompletionChunkToJson(const ChatCompletionChunk& r, bool usage_null) {
  json::object o = TextCompletion(r.id(), r.created(), r.model(), r.choices(),
                                  [](const auto& c) { return c.delta().text(); });
  if (r.has_usage()) {
    o["usage"] = UsageToJson(r.usage());
  } else if (usage_null) {
    o["usage"] = nullptr;
  }
  return json::serialize(o);
}

}  // namespace llmgw::providers
