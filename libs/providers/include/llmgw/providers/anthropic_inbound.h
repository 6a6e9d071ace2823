// The Anthropic Messages format on llmgw's own edge (`POST /v1/messages`), so the official
// Anthropic SDKs can call any model group: their request becomes the provider-neutral one,
// and the OpenAI-shaped answer, stream chunks and errors go back in Anthropic's shapes.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers {

// A Messages request. INVALID_ARGUMENT names the field, as Anthropic does (max_tokens and
// messages are required).
absl::StatusOr<common::v1::ChatCompletionRequest> ParseAnthropicRequest(std::string_view body);

std::string AnthropicResponseJson(const common::v1::ChatCompletionResponse& response);

// Anthropic's error `type` for an HTTP status.
std::string AnthropicErrorType(int http_status);
// {"type":"error","error":{"type":...,"message":...}}
std::string AnthropicErrorJson(int http_status, std::string_view message);

// Turns a stream of OpenAI-shaped chunks into Anthropic's named SSE events.
class AnthropicStreamEncoder {
 public:
  // The SSE text for one chunk (possibly several events, possibly none).
  std::string Chunk(const common::v1::ChatCompletionChunk& chunk);
  // Closes open blocks and sends message_delta (stop reason, usage) and message_stop.
  std::string End();
  // An `error` event, for a failure after the stream started.
  std::string Error(int http_status, std::string_view message);

 private:
  std::string Start(const common::v1::ChatCompletionChunk& chunk);
  std::string CloseBlock();

  bool started_ = false;
  int block_ = -1;           // index of the open content block, -1 for none
  bool block_is_text_ = false;
  int open_tool_ = -1;       // OpenAI tool-call index of the open tool_use block
  std::string stop_reason_ = "end_turn";
  common::v1::Usage usage_;
};

}  // namespace llmgw::providers
