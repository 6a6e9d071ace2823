// The adapters the router calls, by wire ("openai", "azure", "anthropic", "gemini", "mock").
#pragma once

#include <map>
#include <string>

#include "llmgw/providers/provider.h"

namespace llmgw::router {

// Anything not in `by_name` gets `unsupported`.
struct ProviderSet {
  std::map<std::string, providers::Provider*> by_name;
  providers::Provider* unsupported = nullptr;
  providers::Provider& For(const std::string& name) const;
};

}  // namespace llmgw::router
