// Token counts without a tokenizer: a stable estimate (about four characters a token, plus
// OpenAI's per-message overhead) for the mock provider and for worst-case cost estimates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers {

int64_t EstimateTextTokens(std::string_view text);
int64_t EstimatePromptTokens(const common::v1::ChatCompletionRequest& request);
// An upper bound on the prompt's tokens whatever the tokenizer (one per byte): what a
// budget reservation assumes, so actual spend can never pass it.
int64_t MaxPromptTokens(const common::v1::ChatCompletionRequest& request);

// Splits text into the pieces a streaming mock sends: each word with its leading space.
std::vector<std::string> SplitIntoTokens(std::string_view text);

}  // namespace llmgw::providers
