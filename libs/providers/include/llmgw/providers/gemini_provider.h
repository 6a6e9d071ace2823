// The `gemini/` provider: the Gemini API's generateContent and streamGenerateContent
// (alt=sse) at generativelanguage.googleapis.com or an api_base that speaks it.
#pragma once

#include "llmgw/providers/http_provider.h"

namespace llmgw::providers {

class GeminiProvider final : public HttpProvider {
 public:
  explicit GeminiProvider(http::Client& client);
};

}  // namespace llmgw::providers
