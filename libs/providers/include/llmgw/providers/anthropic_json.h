// The Anthropic Messages wire format <-> the provider-neutral protos, for the `anthropic/`
// adapter: the request it sends, the response it parses, and its stream's named events
// turned into OpenAI-shaped chunks (docs/providers.md has the mapping).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers {

using common::v1::ChatCompletionChunk;
using common::v1::ChatCompletionRequest;
using common::v1::ChatCompletionResponse;

inline constexpr char kAnthropicDefaultBase[] = "https://api.anthropic.com";
inline constexpr char kAnthropicVersion[] = "2023-06-01";
// What max_tokens Anthropic gets when the client set none (it is required there).
inline constexpr int64_t kAnthropicDefaultMaxTokens = 4096;

struct AnthropicRequestOptions {
  std::string model;           // the provider-side model name
  bool stream = false;
  int64_t default_max_tokens = kAnthropicDefaultMaxTokens;
  // Drop parameters Anthropic does not take instead of refusing the request.
  bool drop_params = false;
};

// The Messages request body, or INVALID_ARGUMENT naming a parameter Anthropic does not take
// (unless drop_params) or a tool call whose arguments are not a JSON object.
absl::StatusOr<std::string> AnthropicRequestJson(const ChatCompletionRequest& request,
                                                 const AnthropicRequestOptions& options);

absl::StatusOr<ChatCompletionResponse> ParseAnthropicResponse(std::string_view body);

// Anthropic stop_reason -> OpenAI finish_reason.
std::string FinishReasonFromAnthropic(std::string_view stop_reason);

// Decodes one Messages stream: feed it every SSE event; it emits OpenAI-shaped chunks (a
// role chunk first, text and tool-call deltas, a finish chunk, and a final usage chunk).
class AnthropicStreamDecoder {
 public:
  using Emit = std::function<void(ChatCompletionChunk)>;
  // A non-OK status ends the stream: an `error` event or an unreadable event.
  absl::Status OnEvent(std::string_view event, std::string_view data, const Emit& emit);
  bool complete() const { return complete_; }

 private:
  ChatCompletionChunk Base() const;

  std::string id_;
  std::string model_;
  int64_t created_ = 0;
  common::v1::Usage usage_;
  int64_t input_tokens_ = 0;
  // Content block index -> tool call index, for tool_use blocks.
  std::map<int64_t, int32_t> tool_index_;
  int32_t next_tool_ = 0;
  bool complete_ = false;
};

}  // namespace llmgw::providers
