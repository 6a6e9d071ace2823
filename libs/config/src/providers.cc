#include "providers.h"

#include <set>
#include <span>

namespace llmgw::config::internal {
namespace {

// OpenAI-compatible services go through the openai adapter with their public base URL.
constexpr ProviderSpec kProviders[] = {
    {"openai", "openai", ""},
    {"mock", "mock", ""},
    {"anthropic", "anthropic", ""},
    {"gemini", "gemini", ""},
    {"azure", "azure", "", true},
    {"azure_ai", "openai", "", true},
    {"hosted_vllm", "openai", "", true},
    {"vllm", "openai", "", true},
    {"openai_like", "openai", "", true},
    {"ollama", "openai", "http://localhost:11434", false, true},
    {"ollama_chat", "openai", "http://localhost:11434", false, true},
    {"lm_studio", "openai", "http://localhost:1234/v1"},
    {"groq", "openai", "https://api.groq.com/openai/v1"},
    {"mistral", "openai", "https://api.mistral.ai/v1"},
    {"deepseek", "openai", "https://api.deepseek.com/v1"},
    {"together_ai", "openai", "https://api.together.xyz/v1"},
    {"fireworks_ai", "openai", "https://api.fireworks.ai/inference/v1"},
    {"openrouter", "openai", "https://openrouter.ai/api/v1"},
    {"xai", "openai", "https://api.x.ai/v1"},
    {"perplexity", "openai", "https://api.perplexity.ai"},
    {"cerebras", "openai", "https://api.cerebras.ai/v1"},
    {"deepinfra", "openai", "https://api.deepinfra.com/v1/openai"},
    {"nvidia_nim", "openai", "https://integrate.api.nvidia.com/v1"},
};

const std::set<std::string>& Unimplemented() {
  static const std::set<std::string> p = {
      "vertex_ai", "bedrock",    "cohere",     "huggingface", "text-completion-openai",
      "sagemaker", "databricks", "watsonx",    "replicate"};
  return p;
}

}  // namespace

const ProviderSpec* FindProvider(const std::string& name) {
  for (const auto& p : kProviders) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

bool KnownUnimplementedProvider(const std::string& name) { return Unimplemented().count(name) > 0; }

std::vector<std::string> AllProviderNames() {
  std::vector<std::string> out;
  for (const auto& p : kProviders) out.emplace_back(p.name);
  out.insert(out.end(), Unimplemented().begin(), Unimplemented().end());
  return out;
}

}  // namespace llmgw::config::internal
