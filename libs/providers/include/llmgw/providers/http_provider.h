// A provider reached over HTTP: one implementation of Chat and StreamChat, parametrized by
// the wire format (how the request is built, the answer parsed, the stream decoded). The
// adapters (openai_provider.h, anthropic_provider.h, gemini_provider.h) are its instances.
#pragma once

#include "llmgw/http/client.h"
#include "llmgw/providers/provider.h"

namespace llmgw::providers {

namespace internal {
struct HttpWire;
}

class HttpProvider : public Provider {
 public:
  HttpProvider(http::Client& client, const internal::HttpWire& wire) : client_(client), wire_(wire) {}

  std::shared_ptr<CallHandle> Chat(const config::Deployment& deployment,
                                   const ChatCompletionRequest& request,
                                   const CallOptions& options, ChatDone done) final;
  std::shared_ptr<CallHandle> StreamChat(const config::Deployment& deployment,
                                         const ChatCompletionRequest& request,
                                         const CallOptions& options,
                                         StreamCallbacks callbacks) final;
  std::shared_ptr<CallHandle> Embed(const config::Deployment& deployment,
                                    const EmbeddingsRequest& request, const CallOptions& options,
                                    EmbedDone done) final;
  std::shared_ptr<CallHandle> CheckModel(const config::Deployment& deployment,
                                         const CallOptions& options, StatusDone done) final;

 private:
  http::Client& client_;
  const internal::HttpWire& wire_;
};

}  // namespace llmgw::providers
