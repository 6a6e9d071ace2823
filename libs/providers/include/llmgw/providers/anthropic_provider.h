// The `anthropic/` provider: Anthropic's Messages API (api.anthropic.com or an api_base
// that speaks it), non-streaming and streaming, tool calls included.
#pragma once

#include "llmgw/http/client.h"
#include "llmgw/providers/provider.h"

namespace llmgw::providers {

class AnthropicProvider final : public Provider {
 public:
  explicit AnthropicProvider(http::Client& client) : client_(client) {}

  std::shared_ptr<CallHandle> Chat(const config::Deployment& deployment,
                                   const ChatCompletionRequest& request,
                                   const CallOptions& options, ChatDone done) override;
  std::shared_ptr<CallHandle> StreamChat(const config::Deployment& deployment,
                                         const ChatCompletionRequest& request,
                                         const CallOptions& options,
                                         StreamCallbacks callbacks) override;

 private:
  http::Client& client_;
};

}  // namespace llmgw::providers
