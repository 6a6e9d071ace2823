#include "llmgw/providers/tokens.h"

namespace llmgw::providers {

int64_t EstimateTextTokens(std::string_view text) {
  if (text.empty()) return 0;
  return static_cast<int64_t>((text.size() + 3) / 4);
}

namespace {

// Walks every token-bearing part of a request; `text` prices a string, `image` an image.
template <typename TextFn>
int64_t CountPrompt(const common::v1::ChatCompletionRequest& request, TextFn text, int64_t image) {
  int64_t tokens = 3;  // every reply is primed with <|start|>assistant<|message|>
  for (const auto& m : request.messages()) {
    tokens += 4;
    if (m.has_text()) tokens += text(m.text());
    if (m.has_parts()) {
      for (const auto& p : m.parts().parts()) {
        if (p.has_text()) tokens += text(p.text());
        if (p.has_image_url()) tokens += image;
      }
    }
    tokens += text(m.name());
    for (const auto& c : m.tool_calls()) tokens += text(c.function().name()) + text(c.function().arguments());
  }
  for (const auto& t : request.tools()) {
    tokens += text(t.function().name()) + text(t.function().description()) + text(t.function().parameters_json());
  }
  return tokens;
}

}  // namespace

int64_t EstimatePromptTokens(const common::v1::ChatCompletionRequest& request) {
  return CountPrompt(request, EstimateTextTokens, 85);  // a low-detail image
}

int64_t MaxPromptTokens(const common::v1::ChatCompletionRequest& request) {
  // Byte-level BPE never spends less than one byte per token; a high-detail image is at
  // most a few thousand tokens.
  return CountPrompt(request, [](std::string_view t) { return static_cast<int64_t>(t.size()); }, 3000);
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
