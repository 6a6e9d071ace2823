// Chat Completions responses, stream chunks, errors and model lists.
#include <type_traits>

#include "llmgw/providers/openai_json.h"
#include "message_json.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: the JSON helpers of this library

absl::Status UpstreamParseError(std::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                   absl::StrCat("provider sent an unreadable ",
                                absl::string_view(what.data(), what.size())));
}

// Responses and chunks share their envelope: id, created, model, fingerprint, choices
// (each with index, finish_reason, logprobs and a message under `message_key`) and usage.
template <typename Out>
absl::StatusOr<Out> ParseEnvelope(std::string_view body, std::string_view what,
                                  const char* message_key) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return UpstreamParseError(what);
  const auto& o = v.get_object();
  Out r;
  r.set_id(StringOr(o, "id"));
  r.set_created(IntOr0(o, "created"));
  r.set_model(StringOr(o, "model"));
  r.set_system_fingerprint(StringOr(o, "system_fingerprint"));
  if (const json::array* choices = ArrayAt(o, "choices")) {
    for (const auto& c : *choices) {
      if (!c.is_object()) continue;
      const auto& co = c.get_object();
      auto* choice = r.add_choices();
      choice->set_index(IntOr0(co, "index"));
      choice->set_finish_reason(StringOr(co, "finish_reason"));
      if (auto it = co.find(message_key); it != co.end() && it->value().is_object()) {
        common::v1::ChatMessage* m = nullptr;
        if constexpr (std::is_same_v<Out, ChatCompletionResponse>) {
          m = choice->mutable_message();
        } else {
          m = choice->mutable_delta();
        }
        (void)ParseMessage(it->value(), message_key, false, m);
      }
      if (auto it = co.find("logprobs"); it != co.end() && !it->value().is_null()) {
        choice->set_logprobs_json(json::serialize(it->value()));
      }
    }
  }
  if (const json::object* usage = ObjectAt(o, "usage")) ParseUsage(*usage, r.mutable_usage());
  return r;
}

json::value LogprobsValue(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

}  // namespace

absl::StatusOr<ChatCompletionResponse> ParseChatResponse(std::string_view body) {
  return ParseEnvelope<ChatCompletionResponse>(body, "response", "message");
}

absl::StatusOr<ChatCompletionChunk> ParseChatChunk(std::string_view data) {
  return ParseEnvelope<ChatCompletionChunk>(data, "stream chunk", "delta");
}

std::string ChatResponseToJson(const ChatCompletionResponse& r) {
  json::object o{{"id", r.id()}, {"object", "chat.completion"}, {"created", r.created()},
                 {"model", r.model()}};
  if (!r.system_fingerprint().empty()) o["system_fingerprint"] = r.system_fingerprint();
  json::array choices;
  for (const auto& c : r.choices()) {
    json::object msg = MessageToJson(c.message(), false);
    if (!msg.contains("role")) msg["role"] = "assistant";
    choices.push_back(json::object{{"index", c.index()},
                                   {"message", std::move(msg)},
                                   {"logprobs", LogprobsValue(c.logprobs_json())},
                                   {"finish_reason", c.finish_reason().empty()
                                                         ? json::value(nullptr)
                                                         : json::value(c.finish_reason())}});
  }
  o["choices"] = std::move(choices);
  if (r.has_usage()) o["usage"] = UsageToJson(r.usage());
  return json::serialize(o);
}

std::string ChatChunkToJson(const ChatCompletionChunk& r, bool usage_null) {
  json::object o{{"id", r.id()}, {"object", "chat.completion.chunk"}, {"created", r.created()},
                 {"model", r.model()}};
  if (!r.system_fingerprint().empty()) o["system_fingerprint"] = r.system_fingerprint();
  json::array choices;
  for (const auto& c : r.choices()) {
    choices.push_back(json::object{{"index", c.index()},
                                   {"delta", MessageToJson(c.delta(), true)},
                                   {"logprobs", LogprobsValue(c.logprobs_json())},
                                   {"finish_reason", c.finish_reason().empty()
                                                         ? json::value(nullptr)
                                                         : json::value(c.finish_reason())}});
  }
  o["choices"] = std::move(choices);
  if (r.has_usage()) {
    o["usage"] = UsageToJson(r.usage());
  } else if (usage_null) {
    o["usage"] = nullptr;
  }
  return json::serialize(o);
}

std::optional<OpenAIError> ParseOpenAIError(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object* e = ObjectAt(v.get_object(), "error");
  OpenAIError out;
  if (e == nullptr) {
    // Some servers send {"error":"text"} or {"message":...}.
    auto it = v.get_object().find("error");
    if (it != v.get_object().end() && it->value().is_string()) {
      out.message = std::string(View(it->value().get_string()));
      return out;
    }
    return std::nullopt;
  }
  out.message = StringOr(*e, "message");
  out.type = StringOr(*e, "type");
  out.param = StringOr(*e, "param");
  if (auto it = e->find("code"); it != e->end()) {
    if (it->value().is_string()) {
      out.code = std::string(View(it->value().get_string()));
    } else if (it->value().is_int64()) {
      out.code = std::to_string(it->value().get_int64());
    }
  }
  return out;
}

std::string ModelListToJson(const std::vector<common::v1::Model>& models) {
  json::array data;
  for (const auto& m : models) {
    data.push_back(json::object{{"id", m.id()},
                                {"object", "model"},
                                {"created", m.created()},
                                {"owned_by", m.owned_by()}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace llmgw::providers
