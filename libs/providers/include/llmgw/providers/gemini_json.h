// The Gemini API wire format (generateContent / streamGenerateContent with alt=sse) <-> the
// provider-neutral protos, for the `gemini/` adapter (docs/providers.md has the mapping).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers {

inline constexpr char kGeminiDefaultBase[] = "https://generativelanguage.googleapis.com";

struct GeminiRequestOptions {
  bool drop_params = false;
};

// The request body, or INVALID_ARGUMENT naming a parameter Gemini does not take (unless
// drop_params), a tool result whose call is not in the conversation, or tool arguments
// that are not a JSON object.
absl::StatusOr<std::string> GeminiRequestJson(const common::v1::ChatCompletionRequest& request,
                                              const GeminiRequestOptions& options);

// A blocked prompt (HTTP 200, no candidates, promptFeedback.blockReason) is INVALID_ARGUMENT
// with code content_filter, so content_policy_fallbacks take it.
absl::StatusOr<common::v1::ChatCompletionResponse> ParseGeminiResponse(std::string_view body);

// Gemini finishReason -> OpenAI finish_reason (tool calls are decided by the parts).
std::string FinishReasonFromGemini(std::string_view reason);

// Decodes an alt=sse stream: every event is a GenerateContentResponse with the new parts;
// usage is a running total; there is no terminator, so the stream is complete once a
// finishReason was seen (that event's usage goes out as the final usage chunk).
class GeminiStreamDecoder {
 public:
  using Emit = std::function<void(common::v1::ChatCompletionChunk)>;
  absl::Status OnEvent(std::string_view data, const Emit& emit);
  bool complete() const { return finished_; }

 private:
  std::string id_;
  int64_t created_ = 0;
  std::string model_;
  bool started_ = false;
  bool finished_ = false;
  int32_t tools_ = 0;
  common::v1::Usage usage_;
};

}  // namespace llmgw::providers
