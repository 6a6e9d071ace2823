// The built-in `mock/` provider: deterministic answers with real usage counts and
// configurable latency, so the quickstart and tests answer without any network.
#pragma once

#include <string_view>
#include <vector>

#include "llmgw/common/timer_thread.h"
#include "llmgw/providers/provider.h"

namespace llmgw::providers {

class MockProvider final : public Provider {
 public:
  explicit MockProvider(TimerThread& timers) : timers_(timers) {}

  std::shared_ptr<CallHandle> Chat(const config::Deployment& deployment,
                                   const ChatCompletionRequest& request,
                                   const CallOptions& options, ChatDone done) override;
  std::shared_ptr<CallHandle> StreamChat(const config::Deployment& deployment,
                                         const ChatCompletionRequest& request,
                                         const CallOptions& options,
                                         StreamCallbacks callbacks) override;

  std::shared_ptr<CallHandle> Embed(const config::Deployment& deployment,
                                    const EmbeddingsRequest& request, const CallOptions& options,
                                    EmbedDone done) override;
  // Knows every model: answers OK at once.
  std::shared_ptr<CallHandle> CheckModel(const config::Deployment& deployment,
                                         const CallOptions& options, StatusDone done) override;

  // The text the mock answers `request` with (before max_tokens truncation).
  static std::string AnswerText(const config::Deployment& deployment,
                                const ChatCompletionRequest& request);

  // A deterministic unit vector for `text` (the same text, the same vector), shared with the
  // fake provider.
  static std::vector<float> EmbeddingOf(std::string_view text, int64_t dimensions);
  static constexpr int64_t kDefaultDimensions = 16;

 private:
  TimerThread& timers_;
};

}  // namespace llmgw::providers
