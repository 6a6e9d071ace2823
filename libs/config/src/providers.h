// Internal: the LiteLLM provider prefixes llmgw reads, and which wire format each speaks.
#pragma once

#include <string>
#include <vector>

namespace llmgw::config::internal {

struct ProviderSpec {
  const char* name;          // the prefix in litellm_params.model: "hosted_vllm"
  const char* wire;          // the adapter that speaks it: openai, azure, anthropic, gemini, mock
  const char* default_base;  // api_base when none is written; "" = the adapter's own default
  bool needs_base = false;   // no public endpoint: api_base is required
  bool append_v1 = false;    // the OpenAI-compatible API lives under {api_base}/v1 (Ollama)
};

// nullptr when llmgw does not speak the provider.
const ProviderSpec* FindProvider(const std::string& name);
// Known to LiteLLM, not spoken by llmgw yet: accepted with a warning, calls answer 501.
bool KnownUnimplementedProvider(const std::string& name);
// Every name above, for did-you-mean.
std::vector<std::string> AllProviderNames();

}  // namespace llmgw::config::internal
