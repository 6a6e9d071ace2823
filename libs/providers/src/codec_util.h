// Internal: what the provider codecs that translate OpenAI-shaped requests to another
// wire format (Anthropic, Gemini) share: message text, lenient JSON, tool arguments,
// turn merging, and the errors for parameters a provider does not take and for answers
// that cannot be read.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "json_util.h"
#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers::internal {

// The text of a message's content: the string, or its text parts joined.
inline std::string MessageText(const common::v1::ChatMessage& m) {
  if (m.has_text()) return m.text();
  std::string out;
  for (const auto& p : m.parts().parts()) {
    if (p.has_text()) out += p.text();
  }
  return out;
}

// `text` parsed as JSON, or `fallback` when it is empty or not JSON.
inline json::value ParseOr(const std::string& text, json::value fallback) {
  if (text.empty()) return fallback;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? fallback : v;
}

// A tool call's arguments as the JSON object `provider` wants, or a 400 naming them.
inline absl::StatusOr<json::value> ToolArguments(const common::v1::ToolCall& call,
                                                 const std::string& param,
                                                 std::string_view provider) {
  json::value args = ParseOr(call.function().arguments(), json::object{});
  if (!args.is_object()) {
    return BadField(param, absl::StrCat("must be a JSON object for ",
                                        absl::string_view(provider.data(), provider.size()), " models"));
  }
  return args;
}

inline absl::Status UnsupportedParam(const std::string& param, std::string_view provider) {
  return BadField(param, absl::StrCat("not supported by ",
                                      absl::string_view(provider.data(), provider.size()),
                                      " models; remove it, or set drop_params: true "
                                      "(litellm_settings or the deployment) to drop it"));
}

// Appends `items` as a turn of `role` whose list lives under `field` ("content", "parts"),
// merging into the previous turn of the same role (both providers want alternating turns).
inline void AppendTurn(json::array& turns, const char* role, const char* field, json::array items) {
  if (items.empty()) return;
  if (!turns.empty()) {
    auto& last = turns.back().as_object();
    if (last["role"].as_string() == role) {
      auto& list = last[field].as_array();
      for (auto& i : items) list.push_back(std::move(i));
      return;
    }
  }
  turns.push_back(json::object{{"role", role}, {field, std::move(items)}});
}

inline absl::Status Unreadable(std::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                   absl::StrCat("provider sent an unreadable ", absl::string_view(what.data(), what.size())));
}

inline int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace llmgw::providers::internal
