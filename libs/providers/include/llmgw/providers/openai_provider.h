// The `openai/` provider: api.openai.com or any OpenAI-compatible server behind api_base
// (vLLM, Ollama's /v1, LM Studio, ...), non-streaming and SSE.
#pragma once

#include "llmgw/providers/http_provider.h"

namespace llmgw::providers {

inline constexpr char kOpenAIDefaultBase[] = "https://api.openai.com/v1";

class OpenAIProvider final : public HttpProvider {
 public:
  explicit OpenAIProvider(http::Client& client);
};

// The `azure/` provider: Azure OpenAI. api_base is the resource
// (https://NAME.openai.azure.com); calls go to /openai/deployments/{model}/...?api-version=,
// or, when api_base ends in /openai/v1, to the v1 API's OpenAI paths. The key goes in `api-key`.
inline constexpr char kAzureDefaultApiVersion[] = "2024-10-21";

class AzureProvider final : public HttpProvider {
 public:
  explicit AzureProvider(http::Client& client);
};

// The URL of one Azure OpenAI operation ("chat/completions", "embeddings") for a deployment.
std::string AzureUrl(const config::Deployment& d, std::string_view operation);

// Answers every call with 501 not_implemented: for providers llmgw knows but does not speak.
class UnsupportedProvider final : public Provider {
 public:
  std::shared_ptr<CallHandle> Chat(const config::Deployment& deployment,
                                   const ChatCompletionRequest& request,
                                   const CallOptions& options, ChatDone done) override;
  std::shared_ptr<CallHandle> StreamChat(const config::Deployment& deployment,
                                         const ChatCompletionRequest& request,
                                         const CallOptions& options,
                                         StreamCallbacks callbacks) override;
  std::shared_ptr<CallHandle> Embed(const config::Deployment& deployment,
                                    const EmbeddingsRequest& request, const CallOptions& options,
                                    EmbedDone done) override;
};

}  // namespace llmgw::providers
