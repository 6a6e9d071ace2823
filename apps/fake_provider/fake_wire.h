// The wire formats the fake provider speaks: each parses a request into what the fake needs
// to know and renders answers, errors and stream events in its own format, so the fake's
// behaviour controls (latency, status, drops, hangs, tool calls) work the same for all.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/http/message.h"

namespace llmgw::fake {

struct FakeRequest {
  std::string model;
  bool stream = false;
  bool include_usage = true;  // OpenAI streams send usage only when asked
  int64_t prompt_tokens = 0;
  std::string first_tool;          // name of the first tool offered, "" for none
  bool after_tool_result = false;  // the last turn carries a tool's result
  // Embeddings requests: the texts, the vector size and the encoding asked for.
  std::vector<std::string> inputs;
  int64_t dimensions = 8;
  bool base64 = false;
};

struct FakeAnswer {
  std::string text;
  std::vector<std::string> tokens;  // the text split as a stream sends it
  bool tool_call = false;           // call `first_tool` with `tool_arguments` instead
  std::string tool_arguments;
};

class Wire {
 public:
  virtual ~Wire() = default;
  // The request, or an error status and body to answer with.
  virtual absl::StatusOr<FakeRequest> Parse(const http::Request& request) const = 0;
  virtual std::string ErrorBody(int status, const std::string& message) const = 0;
  virtual std::string Body(const FakeRequest& r, const FakeAnswer& a) const = 0;
  // SSE-framed events; the first and the last two go out at once, the others are paced.
  virtual std::vector<std::string> Events(const FakeRequest& r, const FakeAnswer& a) const = 0;
};

const Wire& OpenAIWire();
const Wire& AzureWire();
// OpenAI's /v1/embeddings, and Azure's /openai/deployments/{deployment}/embeddings.
const Wire& EmbeddingsWire();
const Wire& AzureEmbeddingsWire();
const Wire& AnthropicWire();
const Wire& GeminiWire();

// An error a Parse refusal carries: the HTTP status to answer with.
int ParseErrorStatus(const absl::Status& s);

}  // namespace llmgw::fake
