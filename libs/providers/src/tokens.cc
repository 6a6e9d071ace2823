#include "llmgw/providers/tokens.h"

namespace llmgw::providers {

int64_t EstimateTextTokens(std::string_view text) {
  if (text.empty()) return 0;
  return static_cast<int64_t>((text.size() + 3) / 4);
}

int64_t EstimatePromptTokens(const common::v1::ChatCompletionRequest& request) {
  int64_t tokens = 3;  // every reply is primed with <|start|>assistant<|message|>
  for (const auto& m : request.messages()) {
    tokens += 4;
    if (m.has_text()) tokens += EstimateTextTokens(m.text());
    if (m.has_parts()) {
      for (const auto& p : m.parts().parts()) {
        if (p.has_text()) tokens += EstimateTextTokens(p.text());
        if (p.has_image_url()) tokens += 85;  // a low-detail image
      }
    }
    tokens += EstimateTextTokens(m.name());
    for (const auto& c : m.tool_calls()) {
      tokens += EstimateTextTokens(c.function().name()) + EstimateTextTokens(c.function().arguments());
    }
  }
  for (const auto& t : request.tools()) {
    tokens += EstimateTextTokens(t.function().name()) +
              EstimateTextTokens(t.function().description()) +
              EstimateTextTokens(t.function().parameters_json());
  }
  return tokens;
}

std::vector<std::string> SplitIntoTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ' ' && !current.empty() && current.find_first_not_of(' ') != std::string::npos) {
      out.push_back(std::move(current));
      current.clear();
    }
    current += c;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace llmgw::providers
