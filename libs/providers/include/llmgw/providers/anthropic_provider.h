// The `anthropic/` provider: Anthropic's Messages API (api.anthropic.com or an api_base
// that speaks it), non-streaming and streaming, tool calls included.
#pragma once

#include "llmgw/providers/http_provider.h"

namespace llmgw::providers {

class AnthropicProvider final : public HttpProvider {
 public:
  explicit AnthropicProvider(http::Client& client);
};

}  // namespace llmgw::providers
