// The OpenAI Chat Completions wire format <-> the provider-neutral protos. One codec serves
// both sides: the gateway parses client requests and writes client responses with it, and
// the OpenAI adapter writes upstream requests and parses upstream responses with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/fwd.hpp"
#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers {

using common::v1::ChatCompletionChunk;
using common::v1::ChatCompletionRequest;
using common::v1::ChatCompletionResponse;
using common::v1::EmbeddingsRequest;
using common::v1::EmbeddingsResponse;

// Parses a client's request body. Errors are INVALID_ARGUMENT with ErrorKind
// INVALID_REQUEST and the offending field as `param`. JSON nested deeper than 64 levels is
// refused. `default_model` is used when the body names none (Azure-style URLs carry it).
absl::StatusOr<ChatCompletionRequest> ParseChatRequest(std::string_view body,
                                                       std::string_view default_model = "");

// LiteLLM's `cache` request object (no-cache, no-store, ttl, s-maxage, namespace,
// use-cache); errors name `cache.<control>`.
absl::Status ParseCacheControl(const boost::json::value& v, common::v1::CacheControl* out);

struct UpstreamRequestOptions {
  // The provider-side model name to send instead of the model group.
  std::string model;
  // Always ask for usage on streams (the gateway strips it if the client did not ask).
  bool force_stream_usage = true;
};

// The request body to send to an OpenAI-compatible server.
std::string ChatRequestToJson(const ChatCompletionRequest& request,
                              const UpstreamRequestOptions& options);

absl::StatusOr<ChatCompletionResponse> ParseChatResponse(std::string_view body);
absl::StatusOr<ChatCompletionChunk> ParseChatChunk(std::string_view data);

std::string ChatResponseToJson(const ChatCompletionResponse& response);
// `usage_null` writes "usage":null on chunks without usage, as OpenAI does when the client
// set stream_options.include_usage.
std::string ChatChunkToJson(const ChatCompletionChunk& chunk, bool usage_null);

struct OpenAIError {
  std::string message;
  std::string type;
  std::string code;
  std::string param;
};

// The error object of an OpenAI-style error body (`{"error":{...}}`), or of a streamed
// error event; nullopt when `body` is not one.
std::optional<OpenAIError> ParseOpenAIError(std::string_view body);

// Embeddings (embeddings_json.cc). A client's body: `input` a string or strings (token ids
// are refused), `encoding_format` float|base64, `dimensions`, `user`, `cache`; any other
// parameter is a 400 naming it.
absl::StatusOr<EmbeddingsRequest> ParseEmbeddingsRequest(std::string_view body,
                                                         std::string_view default_model = "");
// The upstream body; always asks for floats (the gateway encodes for its client).
std::string EmbeddingsRequestToJson(const EmbeddingsRequest& request, const std::string& model);
// An upstream answer: float arrays or base64 float32 strings.
absl::StatusOr<EmbeddingsResponse> ParseEmbeddingsResponse(std::string_view body);
// The client's answer; `base64` writes each vector as base64 of little-endian float32.
std::string EmbeddingsResponseToJson(const EmbeddingsResponse& response, bool base64);

// Legacy text completions (completions_json.cc), served over chat: `prompt` (a string, or
// a list of one) becomes one user message; max_tokens defaults to 16 as OpenAI's does;
// suffix, echo, best_of and logprobs are refused. Answers and chunks are text_completion.
absl::StatusOr<ChatCompletionRequest> ParseCompletionRequest(std::string_view body,
                                                             std::string_view default_model = "");
std::string CompletionResponseToJson(const ChatCompletionResponse& response);
std::string CompletionChunkToJson(const ChatCompletionChunk& chunk, bool usage_null);

std::string ModelListToJson(const std::vector<common::v1::Model>& models);

}  // namespace llmgw::providers
